// The service-level objective a capacity step must hold — `p95<200ms,errors<1%` — and the verdict on one
// step. Beyond the SLO a step holds only if the load was really offered: k6 dropping iterations or falling
// short of the asked rate means the system never saw that rate, so the rate cannot count as sustained.
import { parseDurationMs } from '../../scenarios/lib/durations.ts';
import type { StepMeasurement } from './step-types.ts';

export interface Slo {
  /** latency bounds on k6's percentiles, e.g. { percentile: 95, maxMs: 200 } */
  latency: { percentile: 95 | 99; maxMs: number }[];
  maxErrorPercent: number;
}

export const DEFAULT_SLO_TEXT = 'p95<200ms,errors<1%';
/** k6 may drop this share of the asked iterations (VUs initialised mid-step) and the step still count */
export const TOLERATED_DROP_PERCENT = 0.5;
/** the share of the asked rate that must be carried */
export const MIN_CARRIED_SHARE = 0.9;

/** Parses `p95<200ms,p99<1s,errors<1%`; throws an Error naming the clause it could not read. */
export function parseSlo(text: string): Slo {
  const slo: Slo = { latency: [], maxErrorPercent: 100 };
  for (const clause of text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const latency = /^p(95|99)\s*<\s*(.+)$/.exec(clause);
    const errors = /^errors\s*<\s*([\d.]+)\s*%$/.exec(clause);
    if (latency?.[2]) {
      const maxMs = parseDurationMs(latency[2].trim());
      if (maxMs === undefined || maxMs <= 0) throw new Error(`'${clause}': expected a duration such as 200ms or 1s`);
      slo.latency.push({ percentile: Number(latency[1]) as 95 | 99, maxMs });
    } else if (errors?.[1]) {
      slo.maxErrorPercent = Number(errors[1]);
    } else {
      throw new Error(`cannot read '${clause}': expected p95<200ms, p99<1s or errors<1%`);
    }
  }
  if (slo.latency.length === 0 && slo.maxErrorPercent === 100) throw new Error(`'${text}' sets no bound`);
  return slo;
}

export function describeSlo(slo: Slo): string {
  return [
    ...slo.latency.map((bound) => `p${bound.percentile}<${bound.maxMs}ms`),
    ...(slo.maxErrorPercent < 100 ? [`errors<${slo.maxErrorPercent}%`] : []),
  ].join(',');
}

export interface StepVerdict {
  held: boolean;
  /** what broke, in words: "p95 312 ms ≥ 200 ms", "dropped 4.1 % of the asked iterations" */
  breaches: string[];
  /** the breach is latency or errors (the SLO itself), not only load that was never sent */
  sloBroken: boolean;
}

export function judgeStep(step: StepMeasurement, slo: Slo): StepVerdict {
  const breaches: string[] = [];
  for (const bound of slo.latency) {
    const value = bound.percentile === 95 ? step.p95Ms : step.p99Ms;
    if (value === undefined || value >= bound.maxMs)
      breaches.push(
        `p${bound.percentile} ${value === undefined ? 'unknown' : `${round(value)} ms`} ≥ ${bound.maxMs} ms`,
      );
  }
  if (step.errorPercent >= slo.maxErrorPercent)
    breaches.push(`errors ${round(step.errorPercent)} % ≥ ${slo.maxErrorPercent} %`);
  const sloBroken = breaches.length > 0;
  const asked = step.iterations + step.dropped;
  const droppedPercent = asked ? (100 * step.dropped) / asked : 0;
  if (droppedPercent > TOLERATED_DROP_PERCENT)
    breaches.push(`k6 dropped ${round(droppedPercent)} % of the asked iterations`);
  if (step.throughput < MIN_CARRIED_SHARE * step.offeredRate)
    breaches.push(`carried ${round(step.throughput)}/s of the asked ${step.offeredRate}/s`);
  return { held: breaches.length === 0, breaches, sloBroken };
}

export const round = (value: number): number =>
  Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 10) / 10;
