// Why k6 dropped iterations, in words: the one explanation behind `loadctl run`'s closing lines and the report's
// note. The more the caller knows, the more precise the cause:
//  - the planned scenarios (loadctl run has them): an arrival-rate scenario can start at most
//    maxVUs / iteration time iterations per second, and asking for more drops the rest for the whole run (the
//    seed's flaw). When that ceiling is above the target, the drops came in bursts instead: responses slowed,
//    every pre-allocated VU was busy, and the VUs k6 initialised mid-run arrived too late.
//  - the measured load (any report): Little's law, VUs needed = offered rate × iteration time, against vus_max.
import type { ScenarioSpec } from '../../scenarios/lib/shapes.ts';
import { formatCount, formatMs, formatPercent } from './units.ts';

/** One scenario as the run measured it (a raw stream has these; a text summary does not). */
export interface MeasuredScenario {
  name: string;
  iterations: number;
  dropped: number;
  avgIterationMs?: number;
  /** time per iteration spent waiting on responses: avg request latency × requests per iteration */
  waitingMs?: number;
}

export interface MeasuredLoad {
  durationS: number;
  /** iterations started + dropped */
  offered: number;
  vusMax?: number;
  /** per scenario, where the input has them */
  scenarios: MeasuredScenario[];
  /** k6's own CPU over the run against the cores it had (meta.json's loadGenerator) */
  generator?: { busyCores: number; cpus: number };
}

/** k6 using at least this share of its machine's cores leaves its VUs waiting for CPU, not for the system. */
export const GENERATOR_SATURATED = 0.85;

export interface DroppedIterationFacts {
  avgIterationMs?: number;
  /** the scenarios as planned: loadctl run knows them, a summary read later does not */
  planned?: Record<string, ScenarioSpec>;
  measured?: MeasuredLoad;
}

/** The cause, as the sentences that follow "k6 dropped N iterations …."; empty when too little is known. */
export function droppedIterationCause(facts: DroppedIterationFacts): string {
  const planned = facts.planned ? plannedCeilingCause(facts.planned, facts.avgIterationMs) : undefined;
  if (planned !== undefined) return planned;
  const { measured, avgIterationMs } = facts;
  return measured && avgIterationMs !== undefined ? littlesLawCause(measured, avgIterationMs) : '';
}

/** undefined when no scenario has an arrival rate (only those drop iterations by design). */
function plannedCeilingCause(scenarios: Record<string, ScenarioSpec>, avgIterationMs?: number): string | undefined {
  const parts = Object.entries(scenarios).flatMap(([name, s]) => {
    if (s.executor !== 'ramping-arrival-rate' && s.executor !== 'constant-arrival-rate') return [];
    const target =
      s.executor === 'ramping-arrival-rate' ? Math.max(s.startRate, ...s.stages.map((stage) => stage.target)) : s.rate;
    const think = Number(s.env?.THINK_SECONDS ?? 0);
    const ceiling = avgIterationMs ? Math.round(s.maxVUs / (avgIterationMs / 1000)) : undefined;
    if (avgIterationMs && ceiling !== undefined && ceiling < target) {
      const because = think > 0 ? ` because every iteration sleeps ${think} s` : '';
      return [
        `'${name}' asked for up to ${target} iterations/s, but with maxVUs ${s.maxVUs} and iterations averaging ${Math.round(avgIterationMs)} ms${because} it could start at most ~${ceiling}/s`,
      ];
    }
    return [
      `'${name}' had room on average (maxVUs ${s.maxVUs}), so the drops came in bursts: responses slowed, all ${s.preAllocatedVUs} pre-allocated VUs were busy and the ones k6 initialised mid-run came too late`,
    ];
  });
  if (parts.length === 0) return undefined;
  return ` Cause: ${parts.join('; ')}. Size maxVUs for rate × iteration time, pre-allocate enough VUs, and never sleep in an arrival-rate iteration.`;
}

function littlesLawCause(measured: MeasuredLoad, avgIterationMs: number): string {
  const dropping = measured.scenarios.filter(
    (scenario) => scenario.dropped > 0 && scenario.avgIterationMs !== undefined,
  );
  const generator =
    measured.generator && measured.generator.busyCores >= measured.generator.cpus * GENERATOR_SATURATED
      ? measured.generator
      : undefined;
  const saturated = generator
    ? ` The load generator itself was saturated (k6 kept ${formatCount(generator.busyCores, 1)} of ${formatCount(generator.cpus)} cores busy): iterations started late for want of CPU on the k6 side, whatever the VUs or the system under test.`
    : '';
  if (dropping.length > 0)
    return ` Per scenario: ${dropping.map((scenario) => scenarioCause(scenario, measured.durationS)).join(' ')}${saturated}`;
  if (measured.scenarios.length === 0) return wholeRunCause(measured, avgIterationMs) + saturated;
  return ` ${formatCount(measured.offered / measured.durationS, 1)} iterations/s × ${formatMs(avgIterationMs)} per iteration needs ≈ ${formatCount((measured.offered / measured.durationS) * (avgIterationMs / 1000))} VUs${measured.vusMax !== undefined ? ` and ${formatCount(measured.vusMax)} existed` : ''}.${saturated}`;
}

/**
 * Little's law for one scenario: VUs busy at once = iterations per second × seconds per iteration. Offered
 * against achieved tells how many VUs it lacked; where its iteration time went tells a slow system (waiting on
 * responses) from too few VUs for the script's own time (sleeps, think time).
 */
function scenarioCause(scenario: MeasuredScenario, durationS: number): string {
  const iterationS = (scenario.avgIterationMs ?? 0) / 1000;
  const offeredRate = (scenario.iterations + scenario.dropped) / durationS;
  const needed = offeredRate * iterationS;
  const busy = (scenario.iterations / durationS) * iterationS;
  const waitingShare =
    scenario.waitingMs !== undefined && scenario.avgIterationMs
      ? scenario.waitingMs / scenario.avgIterationMs
      : undefined;
  const head = `'${scenario.name}' dropped ${formatCount(scenario.dropped)} of ${formatCount(scenario.iterations + scenario.dropped)} (${formatPercent(scenario.dropped / (scenario.iterations + scenario.dropped), 1)}): offered ${formatCount(offeredRate, 1)} iterations/s at ${formatMs(iterationS * 1000)} each needs ≈ ${formatCount(needed, 1)} VUs busy at once, and it kept ≈ ${formatCount(busy, 1)} busy`;
  if (waitingShare === undefined)
    return `${head}: its executor had too few VUs for that rate (raise maxVUs to ≥ ${Math.ceil(needed)}).`;
  const waiting = `${formatMs(scenario.waitingMs)} of each iteration (${formatPercent(waitingShare, 0)}) was waiting on responses`;
  return waitingShare >= 0.5
    ? `${head}; ${waiting}: the response time set the pace. At that latency the rate needs ≥ ${Math.ceil(needed)} VUs: if it is this endpoint's normal latency, raise maxVUs; if responses slowed during the run, the system under test is the bottleneck and more VUs would only add load to it.`
    : `${head}; only ${waiting}, the rest is the script's own time (sleeps, think time): too few VUs for that rate (raise maxVUs to ≥ ${Math.ceil(needed)}), not a slow system.`;
}

/** A text summary has no per-scenario figures: what the totals can and cannot tell. */
function wholeRunCause(measured: MeasuredLoad, avgIterationMs: number): string {
  const { durationS, vusMax } = measured;
  const offeredRate = measured.offered / durationS;
  const needed = offeredRate * (avgIterationMs / 1000);
  const ceiling = vusMax !== undefined ? vusMax / (avgIterationMs / 1000) : undefined;
  const known = ` The input has no per-scenario figures, so it cannot tell which scenario dropped them or whether the system or the VU pool was the limit. What the totals tell: ${formatCount(offeredRate, 1)} iterations/s offered × ${formatMs(avgIterationMs)} per iteration needs ≈ ${formatCount(needed)} VUs busy at once`;
  if (vusMax === undefined || ceiling === undefined) return `${known}.`;
  return needed > vusMax
    ? `${known}, more than the ${formatCount(vusMax)} that existed (vus_max): at most ≈ ${formatCount(ceiling, 1)} iterations/s could start, so the VU pool was too small for the rate asked (VUs exhausted).`
    : `${known}, within the ${formatCount(vusMax)} that existed (vus_max): on average the pool sufficed, so the drops came where it did not — a scenario with a smaller maxVUs, a burst when responses slowed, or VUs k6 initialised too late. Its raw stream (--out json) would tell which.`;
}
