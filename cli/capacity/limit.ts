// Who ran out first, from the step that broke: the system under test (its latency, CPU, database pool) or the
// load generator (k6's CPU against the cores it may use, or too few VUs). The API's own latency histogram is
// the witness: when it accounts for the latency k6 saw, the time was spent in the API; when k6 saw far more
// than the API did, the time was spent before the API — in k6 or in queues waiting for a core.
import type { StepVerdict } from './slo.ts';
import { round } from './slo.ts';
import type { Placement, StepMeasurement } from './step-types.ts';

export type LimitKind = 'system' | 'generator' | 'machine' | 'none';

export interface Limit {
  kind: LimitKind;
  /** the component that ran out, in words */
  what: string;
  evidence: string[];
  advice: string[];
}

/** k6 at this share of the cores it may use is saturated */
const SATURATED = 0.85;
/** the API's own p95 is at least this share of k6's: the API explains the latency */
const SERVER_EXPLAINS = 0.5;
/** an API p95 below this is fast whatever k6 saw */
const SLOW_SERVER_MS = 10;
/** cores used by processes outside the test that make a step's figures suspect */
const OTHERS_CONTAMINATE = 0.25;

const GENERATOR_ADVICE = [
  'the system under test never saw the asked load: add load generators —',
  '`loadctl run … --segments N` with the segments on other hosts, or `loadctl k8s` (k6-operator, one runner per segment)',
];

function cores(value: number | undefined): string {
  return value === undefined ? 'unknown' : `${value.toFixed(2)}`;
}

export function classifyLimit(
  step: StepMeasurement | undefined,
  verdict: StepVerdict | undefined,
  placement: Placement,
): Limit {
  if (!step || !verdict || verdict.held) {
    return {
      kind: 'none',
      what: 'not reached within the bounds',
      evidence: ['every step held'],
      advice: ['raise --max-rate, --max-steps or --max-time'],
    };
  }
  const asked = step.iterations + step.dropped;
  const evidence = [
    `at ${step.offeredRate}/s asked: ${verdict.breaches.join('; ')}`,
    `k6 saw p95 ${step.p95Ms === undefined ? '-' : `${round(step.p95Ms)} ms`}; the API's own histogram p95 ${step.serverP95Ms === undefined ? '-' : `${round(step.serverP95Ms)} ms`}`,
    `CPU (cores): k6 ${cores(step.cores.k6)} of the ${placement.k6Cores} it may use, API ${cores(step.cores.api)}` +
      `${placement.apiWorkers ? ` over ${placement.apiWorkers} workers` : ''}, Redis ${cores(step.cores.redis)}, PostgreSQL ${cores(step.cores.postgres)}; machine ${placement.machineCores}`,
  ];
  if (step.dropped > 0) evidence.push(`k6 dropped ${step.dropped} of ${asked} iterations`);
  const k6 = step.cores.k6 ?? 0;
  const ours = Object.values(step.cores).reduce((sum, value) => sum + (value ?? 0), 0);
  const others = step.machineBusyCores === undefined ? 0 : Math.max(0, step.machineBusyCores - ours);
  if (others >= OTHERS_CONTAMINATE)
    evidence.push(
      `other processes on this machine used ${cores(others)} cores during the step: the figures are contaminated`,
    );
  // whatever broke (latency, or drops because slow answers kept the VUs busy), a slow API is the API's limit
  const serverExplains =
    step.serverP95Ms !== undefined &&
    step.p95Ms !== undefined &&
    step.serverP95Ms >= SLOW_SERVER_MS &&
    step.serverP95Ms >= SERVER_EXPLAINS * step.p95Ms;
  if (serverExplains) {
    if ((step.poolWaitingMax ?? 0) > 0) {
      return {
        kind: 'system',
        what: "the API's database pool",
        evidence: [...evidence, `up to ${step.poolWaitingMax} queries waited for a PostgreSQL connection`],
        advice: ['raise the pool (DB_POOL_MAX) or PostgreSQL cores; see the sizing table'],
      };
    }
    if ((step.cores.postgres ?? 0) >= SATURATED) {
      return {
        kind: 'system',
        what: 'PostgreSQL CPU',
        evidence,
        advice: ['give PostgreSQL more cores or move reads to a replica'],
      };
    }
    if (
      placement.apiWorkers &&
      (step.cores.api ?? 0) >= SATURATED * Math.min(placement.apiWorkers, placement.machineCores)
    ) {
      return {
        kind: 'system',
        what: `API CPU (${placement.apiWorkers} workers busy)`,
        evidence,
        advice: ['add API workers and cores; see the sizing table'],
      };
    }
    return {
      kind: 'system',
      what: "the API's own latency (time spent inside the API, not waiting for CPU)",
      evidence,
      advice: ['profile the API: its own histogram shows the time is spent inside it'],
    };
  }
  if (placement.k6Cores < placement.machineCores && k6 >= SATURATED * placement.k6Cores) {
    return {
      kind: 'generator',
      what: `k6 CPU (${cores(k6)} of the ${placement.k6Cores} core${placement.k6Cores === 1 ? '' : 's'} it may use)`,
      evidence,
      advice: GENERATOR_ADVICE,
    };
  }
  const vusNeeded = step.avgIterationMs === undefined ? 0 : (step.offeredRate * step.avgIterationMs) / 1000;
  if (step.dropped > 0 && vusNeeded >= 0.9 * step.maxVus && !verdict.sloBroken) {
    return {
      kind: 'generator',
      what: `too few VUs (${step.maxVus} allowed, ${Math.ceil(vusNeeded)} needed by Little's law)`,
      evidence,
      advice: GENERATOR_ADVICE,
    };
  }
  const total = step.machineBusyCores ?? ours;
  if (placement.shared && total >= SATURATED * placement.machineCores) {
    const system = ours - k6;
    const generator = k6 >= system && k6 >= others;
    return {
      kind: generator ? 'generator' : 'machine',
      what: `the shared cores: k6 used ${cores(k6)} and the system under test ${cores(system)} of ${placement.machineCores}${others >= OTHERS_CONTAMINATE ? `, other processes ${cores(others)}` : ''}`,
      evidence,
      advice: generator
        ? [
            'k6 used more of the machine than the system it was testing: the system never saw the asked load, and its own limit lies higher',
            ...GENERATOR_ADVICE,
          ]
        : [
            'k6 and the system under test compete for the same cores: run k6 elsewhere to find the system’s own limit',
            ...GENERATOR_ADVICE.slice(1),
          ],
    };
  }
  const system = ours - k6;
  const what =
    k6 >= system
      ? `k6: it used ${cores(k6)} cores to the system's ${cores(system)}, and the latency k6 saw was not spent in the API`
      : 'outside the API: k6, the network or socket queues (the API answered fast and no core was saturated)';
  return { kind: 'generator', what, evidence, advice: GENERATOR_ADVICE };
}

/**
 * For a run that dropped iterations: when k6 needed more CPU than the API it loaded, or the two filled the
 * machine, the generator could not send the asked load — say so, with where to get more generator. (Run
 * averages: the busiest stages were busier still.)
 */
export function generatorLimitNote(
  droppedIterations: number,
  used: { k6: number; api?: number; machine: number },
): string | undefined {
  const api = used.api ?? 0;
  if (droppedIterations === 0 || (used.k6 <= api && used.k6 + api < SATURATED * used.machine)) return undefined;
  return (
    `the load generator was the limit: k6 used ${used.k6.toFixed(2)} of this machine's ${used.machine} cores on average to the API's ${api.toFixed(2)}, ` +
    'so the API never saw the asked rate — give k6 its own cores (--segments on other hosts, loadctl k8s), or run with --scale auto'
  );
}
