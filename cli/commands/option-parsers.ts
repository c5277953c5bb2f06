// Commander argument parsers and options shared by every command. A parser returns the value or throws
// commander's InvalidArgumentError, which commander turns into one line naming the option, and exit code 2.
import { existsSync } from 'node:fs';
import { Argument, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_WORKLOAD, WORKLOAD_NAMES, type WorkloadName } from '../../scenarios/lib/catalogue.ts';
import { scriptSubject, type RunSubject } from '../k6/subject.ts';
import { UserError } from '../shared/errors.ts';
import { isShapeName, SHAPE_NAMES, type ShapeName } from '../../scenarios/lib/shapes.ts';
import { parseDurationMs } from '../../scenarios/lib/durations.ts';

export function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0)
    throw new InvalidArgumentError('expected a number > 0.');
  return parsed;
}

export function wholeNumber(min: number, max = Number.POSITIVE_INFINITY): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(
        max === Number.POSITIVE_INFINITY
          ? `expected a whole number ≥ ${min}.`
          : `expected a whole number from ${min} to ${max}.`,
      );
    }
    return parsed;
  };
}

/** A time in seconds: plain seconds (`90`) or a k6-style duration (`90s`, `2m`, `1m30s`, `500ms`). */
export function seconds(min: number): (value: string) => number {
  return (value) => {
    const plain = Number(value);
    const ms = value.trim() !== '' && Number.isFinite(plain) ? plain * 1000 : parseDurationMs(value.trim());
    if (ms === undefined || ms / 1000 < min)
      throw new InvalidArgumentError(`expected seconds ≥ ${min}, as a number or a duration such as 30s, 2m or 1m30s.`);
    return ms / 1000;
  };
}

/** A repeatable option's values, in the order given. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

// Shape and workload names as run, gate, drill and k8s take them: commander refuses any other name with the
// list of choices, and --help shows that list.
export function shapeArgument(): Argument {
  return new Argument('<shape>', 'load shape').choices(SHAPE_NAMES);
}

export function shapeOption(description: string): Option {
  return new Option('--shape <shape>', description).choices(SHAPE_NAMES);
}

export function workloadOption(description: string): Option {
  return new Option('-w, --workload <name>', description).choices(WORKLOAD_NAMES);
}

/** What run and k8s take first: one of the seed's shapes (a built-in workload runs under it), or a k6 script file. */
export type SubjectName = { shape: ShapeName } | { script: string };

const SCRIPT_FILE = /\.(js|mjs|cjs|ts|mts|tar)$/;

export function subjectArgument(): Argument {
  return new Argument(
    '<shape|script>',
    `a load shape (${SHAPE_NAMES.join(', ')}) or your own k6 script (.js, .ts) or archive (.tar)`,
  ).argParser((value: string): SubjectName => {
    if (isShapeName(value)) return { shape: value };
    if (SCRIPT_FILE.test(value) || existsSync(value)) return { script: value };
    throw new InvalidArgumentError(
      `neither a shape (${SHAPE_NAMES.join(', ')}) nor a k6 script file (.js, .ts, .tar).`,
    );
  });
}

/** The subject run and k8s were given: a workload at a shape, or the user's script (at a seed shape with --shape). */
export function subjectFromArguments(
  name: SubjectName,
  flags: { workload?: WorkloadName; shape?: ShapeName },
): RunSubject {
  if ('shape' in name) {
    if (flags.shape) throw new UserError(`--shape applies to a script; '${name.shape}' is already a shape.`);
    return { kind: 'workload', shape: name.shape, workload: flags.workload ?? DEFAULT_WORKLOAD[name.shape] };
  }
  if (flags.workload) throw new UserError('--workload picks a built-in workload; a script is its own workload.');
  return scriptSubject(name.script, flags.shape);
}
