// Commander argument parsers and options shared by every command. A parser returns the value or throws
// commander's InvalidArgumentError, which commander turns into one line naming the option, and exit code 2.
import { Argument, InvalidArgumentError, Option } from 'commander';
import { WORKLOAD_NAMES } from '../../scenarios/lib/catalogue.ts';
import { SHAPE_NAMES } from '../../scenarios/lib/shapes.ts';
import { parseDurationMs } from '../../scenarios/lib/durations.ts';

export function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError('expected a number > 0.');
  return parsed;
}

export function wholeNumber(min: number, max = Number.POSITIVE_INFINITY): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(max === Number.POSITIVE_INFINITY ? `expected a whole number ≥ ${min}.` : `expected a whole number from ${min} to ${max}.`);
    }
    return parsed;
  };
}

/** A time in seconds: plain seconds (`90`) or a k6-style duration (`90s`, `2m`, `1m30s`, `500ms`). */
export function seconds(min: number): (value: string) => number {
  return (value) => {
    const plain = Number(value);
    const ms = value.trim() !== '' && Number.isFinite(plain) ? plain * 1000 : parseDurationMs(value.trim());
    if (ms === undefined || ms / 1000 < min) throw new InvalidArgumentError(`expected seconds ≥ ${min}, as a number or a duration such as 30s, 2m or 1m30s.`);
    return ms / 1000;
  };
}

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
