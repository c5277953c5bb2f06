// The capacity model: CPU per request of each component, measured under the open-loop executor the search
// itself uses (a closed loop costs k6 three to four times less per request, so costs from one do not predict
// the other), and the utilisation law U = X·S: a component with S CPU-seconds per request on C cores carries
// at most X = C / S. The tightest of those bounds is where the cores run out; the search's sustained rate over
// that bound is the utilisation this system reaches at the SLO, which the predictions carry over.
import { COMPONENTS, type Component, type Placement, type StepMeasurement } from './step-types.ts';

/** CPU milliseconds per request, per component */
export type Costs = Partial<Record<Component, number>>;

export function stepCosts(step: StepMeasurement): Costs {
  const costs: Costs = {};
  if (step.throughput <= 0) return costs;
  for (const component of COMPONENTS) {
    const cores = step.cores[component];
    if (cores !== undefined) costs[component] = (cores * 1000) / step.throughput;
  }
  return costs;
}

export interface Bound {
  /** what runs out: "the machine's 2 shared cores", "2 API workers (one event loop each)" */
  what: string;
  /** requests per second at 100 % of it */
  rate: number;
  /** the arithmetic, e.g. "2 × 1000 / (0.21 + 0.36 + 0.02 + 0.01 ms)" */
  formula: string;
}

const ms = (value: number): string => `${value.toFixed(2)} ms`;

/** Where each resource runs out by the utilisation law, tightest first. */
export function saturationBounds(costs: Costs, placement: Placement): Bound[] {
  const bounds: Bound[] = [];
  const known = COMPONENTS.filter((c) => costs[c] !== undefined && costs[c] > 0);
  const total = known.reduce((sum, c) => sum + (costs[c] ?? 0), 0);
  if (placement.shared && total > 0) {
    bounds.push({
      what: `the machine's ${placement.machineCores} cores, shared by ${known.join(', ')}`,
      rate: (placement.machineCores * 1000) / total,
      formula: `${placement.machineCores} × 1000 / (${known.map((c) => ms(costs[c] ?? 0)).join(' + ')})`,
    });
  }
  const api = costs.api;
  if (api && placement.apiWorkers) {
    const cores = placement.shared ? Math.min(placement.apiWorkers, placement.machineCores) : placement.apiWorkers;
    bounds.push({ what: `${placement.apiWorkers} API worker${placement.apiWorkers === 1 ? '' : 's'} (one event loop, one core each)`, rate: (cores * 1000) / api, formula: `${cores} × 1000 / ${ms(api)}` });
  }
  if (costs.redis) bounds.push({ what: 'Redis (one thread)', rate: 1000 / costs.redis, formula: `1 × 1000 / ${ms(costs.redis)}` });
  if (costs.k6 && (!placement.shared || placement.k6Cores < placement.machineCores)) {
    bounds.push({ what: `k6 on ${placement.k6Cores} core${placement.k6Cores === 1 ? '' : 's'}`, rate: (placement.k6Cores * 1000) / costs.k6, formula: `${placement.k6Cores} × 1000 / ${ms(costs.k6)}` });
  }
  return bounds.sort((a, b) => a.rate - b.rate);
}

export interface Prediction {
  rate: number;
  bound: Bound;
  /** the share of the bound the system held at the SLO (from the measured search) */
  utilisation: number;
}

/** The share of its tightest bound a measured sustained rate reached. */
export function attainedUtilisation(sustained: number, costs: Costs, placement: Placement): number | undefined {
  const tightest = saturationBounds(costs, placement)[0];
  return tightest ? sustained / tightest.rate : undefined;
}

/** The sustained rate for another placement (fewer workers, k6 on its own cores), same costs and utilisation. */
export function predictCapacity(costs: Costs, placement: Placement, utilisation: number): Prediction | undefined {
  const tightest = saturationBounds(costs, placement)[0];
  return tightest && { rate: tightest.rate * utilisation, bound: tightest, utilisation };
}
