// Why k6 dropped iterations, in words: the one explanation behind `loadctl run`'s closing lines and the report's
// note. The more the caller knows, the more precise the cause:
//  - the planned scenarios (loadctl run has them): an arrival-rate scenario can start at most
//    maxVUs / iteration time iterations per second, and asking for more drops the rest for the whole run (the
//    seed's flaw). When that ceiling is above the target, the drops came in bursts instead: responses slowed,
//    every pre-allocated VU was busy, and the VUs k6 initialised mid-run arrived too late.
//  - the measured load (any report): Little's law, VUs needed = offered rate × iteration time, against vus_max.
import type { ScenarioSpec } from '../../scenarios/lib/shapes.ts';
import { formatCount, formatMs } from './units.ts';

export interface MeasuredLoad {
  durationS: number;
  /** iterations started + dropped */
  offered: number;
  vusMax?: number;
  /** per scenario, where the run measured it */
  scenarios: { offered: number; avgIterationMs: number }[];
}

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
    const target = s.executor === 'ramping-arrival-rate' ? Math.max(s.startRate, ...s.stages.map((stage) => stage.target)) : s.rate;
    const think = Number(s.env?.THINK_SECONDS ?? 0);
    const ceiling = avgIterationMs ? Math.round(s.maxVUs / (avgIterationMs / 1000)) : undefined;
    if (avgIterationMs && ceiling !== undefined && ceiling < target) {
      const because = think > 0 ? ` because every iteration sleeps ${think} s` : '';
      return [`'${name}' asked for up to ${target} iterations/s, but with maxVUs ${s.maxVUs} and iterations averaging ${Math.round(avgIterationMs)} ms${because} it could start at most ~${ceiling}/s`];
    }
    return [`'${name}' had room on average (maxVUs ${s.maxVUs}), so the drops came in bursts: responses slowed, all ${s.preAllocatedVUs} pre-allocated VUs were busy and the ones k6 initialised mid-run came too late`];
  });
  if (parts.length === 0) return undefined;
  return ` Cause: ${parts.join('; ')}. Size maxVUs for rate × iteration time, pre-allocate enough VUs, and never sleep in an arrival-rate iteration.`;
}

function littlesLawCause(measured: MeasuredLoad, avgIterationMs: number): string {
  const { durationS, vusMax } = measured;
  const offeredRate = measured.offered / durationS;
  const iterationS = avgIterationMs / 1000;
  // iterations in flight = arrival rate × time each one takes, summed per scenario when known
  const perScenario = measured.scenarios.map((s) => (s.offered / durationS) * (s.avgIterationMs / 1000));
  const neededVus = perScenario.length > 0 ? perScenario.reduce((a, b) => a + b, 0) : offeredRate * iterationS;
  return vusMax !== undefined && neededVus > vusMax
    ? ` Cause: VUs exhausted — ${formatCount(offeredRate, 1)} iterations/s offered × ${formatMs(iterationS * 1000)} per iteration needs ≈ ${formatCount(neededVus)} VUs, but at most ${formatCount(vusMax)} existed (vus_max). Raise maxVUs or shorten the iteration (e.g. its sleep); the system under test never saw this load.`
    : ` ${formatCount(offeredRate, 1)} iterations/s × ${formatMs(iterationS * 1000)} per iteration needs ≈ ${formatCount(neededVus)} VUs${vusMax !== undefined ? ` and ${formatCount(vusMax)} existed` : ''}: iterations started late, so the generator or the system under test could not keep up.`;
}
