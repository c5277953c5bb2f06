// The user's own `k6 run` arguments (after `--`) go to k6 unchanged, except the few that would undo what
// loadctl sets for the run directory and its live line: those are refused with one line saying why.
import { UserError } from '../shared/errors.ts';

export interface PassthroughContext {
  /** a seed shape replaces the script's scenarios: k6's own execution shortcuts would fight it */
  shape: boolean;
}

interface Rule {
  names: readonly string[];
  /** a flag without a value (pflag's booleans) */
  boolean?: boolean;
  /** why the flag (with this value) conflicts, or undefined when it does not */
  conflict: (value: string, context: PassthroughContext) => string | undefined;
}

const RULES: readonly Rule[] = [
  {
    names: ['--out', '-o'],
    conflict: (value) =>
      /^json(=|$)/.test(value) ? 'loadctl writes the raw stream itself (raw.json.gz in the run directory)' : undefined,
  },
  {
    names: ['--summary-export'],
    conflict: () => 'loadctl writes the summary itself (summary.json in the run directory)',
  },
  {
    names: ['--summary-mode'],
    conflict: (value) => (value === 'disabled' ? "loadctl needs k6's end-of-test summary for summary.json" : undefined),
  },
  {
    names: ['--address', '-a'],
    conflict: () => "loadctl polls k6's REST API at its own address for the live progress line",
  },
  { names: ['--execution-segment', '--execution-segment-sequence'], conflict: () => 'use loadctl run --segments N' },
  { names: ['--linger', '-l'], boolean: true, conflict: () => 'the run would never end' },
  { names: ['--paused', '-p'], boolean: true, conflict: () => 'nothing would resume it' },
  {
    names: ['--vus', '-u', '--duration', '-d', '--iterations', '-i', '--stage', '-s'],
    conflict: (_value, context) =>
      context.shape ? "--shape sets the scenarios; k6's execution shortcuts would replace them" : undefined,
  },
  {
    names: ['--env', '-e'],
    conflict: (value) =>
      value.startsWith('SUMMARY_FILE=') ? "SUMMARY_FILE is where loadctl's workloads write summary.json" : undefined,
  },
];

export interface CheckedPassthrough {
  args: readonly string[];
  /** their -e values as `-e NAME=value` pairs, for `k6 inspect` to see the options k6 run will */
  envArgs: readonly string[];
  /** a `-e BASE_URL=…` among them: a target, so the loopback rule applies to it */
  baseUrl?: string;
}

/** One flag occurrence: `--name value`, `--name=value`, `-x value` or `-xvalue`. */
interface Occurrence {
  name: string;
  value: string;
  shown: string;
}

/** `--name`, `--name=value`; `-x`, `-xvalue` */
const spells = (token: string, name: string): boolean =>
  token === name || token.startsWith(name.startsWith('--') ? `${name}=` : name);

function occurrences(args: readonly string[]): Occurrence[] {
  const found: Occurrence[] = [];
  for (let index = 0; index < args.length; index++) {
    const token = args[index]!;
    const rule = RULES.find((candidate) => candidate.names.some((name) => spells(token, name)));
    if (!rule) continue;
    const name = rule.names.find((candidate) => spells(token, candidate))!;
    if (rule.boolean || token !== name) {
      const value = token.slice(name.length).replace(/^=/, '');
      found.push({ name, value, shown: token });
    } else {
      const value = args[index + 1] ?? '';
      found.push({ name, value, shown: `${token} ${value}`.trim() });
      index++;
    }
  }
  return found;
}

/** Refuses the first argument that conflicts with loadctl's own; returns the arguments and any BASE_URL. */
export function checkPassthrough(args: readonly string[], context: PassthroughContext): CheckedPassthrough {
  let baseUrl: string | undefined;
  const envArgs: string[] = [];
  for (const occurrence of occurrences(args)) {
    const rule = RULES.find((candidate) => candidate.names.includes(occurrence.name))!;
    const why = rule.conflict(occurrence.value, context);
    if (why)
      throw new UserError(
        `the k6 argument '${occurrence.shown}' conflicts with loadctl: ${why}.`,
        'drop it from the arguments after --',
      );
    if (!rule.names.includes('--env')) continue;
    envArgs.push('-e', occurrence.value);
    if (occurrence.value.startsWith('BASE_URL=')) baseUrl = occurrence.value.slice('BASE_URL='.length);
  }
  return { args, envArgs, baseUrl };
}
