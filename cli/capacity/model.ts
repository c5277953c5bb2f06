// The capacity model: each component's CPU as a baseline plus a cost per request, U = U₀ + X·S (the
// utilisation law with the work a process does unloaded: timers, scrapes, pools), fitted by least squares
// over the steps that held. The costs are measured under the open-loop executor the search itself uses (a
// closed loop costs k6 three to four times less per request, so costs from one do not predict the other).
// On C cores a component carries at most X = (C − U₀) / S; the tightest of those bounds is where the cores
// run out, and the sustained rate over that bound is the utilisation this system reaches at the SLO, which
// the predictions carry over to other placements.
import { COMPONENTS, type Component, type Placement, type StepMeasurement } from './step-types.ts';

/** per component: CPU milliseconds per request, or cores */
export type PerComponent = Partial<Record<Component, number>>;

export interface CostModel {
  /** marginal CPU milliseconds per request (S) */
  perRequestMs: PerComponent;
  /** cores used with no load (U₀) */
  baselineCores: PerComponent;
  /** the carried rates the fit used */
  fromRates: number[];
}

/** Least squares of cores over carried requests/s; a proportional fit through the busiest step when a line cannot be trusted. */
export function fitCosts(steps: readonly StepMeasurement[]): CostModel {
  const model: CostModel = {
    perRequestMs: {},
    baselineCores: {},
    fromRates: steps.map((s) => Math.round(s.throughput)),
  };
  for (const component of COMPONENTS) {
    const points = steps.flatMap((s) =>
      s.cores[component] !== undefined && s.throughput > 0 ? [[s.throughput, s.cores[component]] as const] : [],
    );
    if (points.length === 0) continue;
    const n = points.length;
    const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
    const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
    const sxx = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
    const slope = sxx > 0 ? points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0) / sxx : 0;
    const intercept = meanY - slope * meanX;
    if (n >= 2 && slope > 0 && intercept >= 0) {
      model.perRequestMs[component] = slope * 1000;
      model.baselineCores[component] = intercept;
    } else {
      const [x, y] = points.reduce((best, point) => (point[0] > best[0] ? point : best));
      model.perRequestMs[component] = (y * 1000) / x;
      model.baselineCores[component] = 0;
    }
  }
  return model;
}

export interface Bound {
  /** what runs out: "the machine's 2 cores, shared by …", "2 API workers (one event loop, one core each)" */
  what: string;
  /** requests per second at 100 % of it */
  rate: number;
  /** the arithmetic, e.g. "(2 − 0.15 idle) × 1000 / (0.21 + 0.36 ms)" */
  formula: string;
}

const ms = (value: number): string => `${value.toFixed(3)} ms`;
const idle = (cores: number): string => (cores > 0 ? ` − ${cores.toFixed(2)} unloaded` : '');

/** Where each resource runs out by the utilisation law, tightest first. */
export function saturationBounds(model: CostModel, placement: Placement): Bound[] {
  const { perRequestMs: s, baselineCores: u0 } = model;
  const bounds: Bound[] = [];
  const bound = (what: string, cores: number, components: Component[]): void => {
    const cost = components.reduce((sum, c) => sum + (s[c] ?? 0), 0);
    const baseline = components.reduce((sum, c) => sum + (u0[c] ?? 0), 0);
    if (cost <= 0) return;
    bounds.push({
      what,
      rate: (Math.max(0, cores - baseline) * 1000) / cost,
      formula: `(${cores}${idle(baseline)}) × 1000 / ${components.length > 1 ? `(${components.map((c) => ms(s[c] ?? 0)).join(' + ')})` : ms(cost)}`,
    });
  };
  const known = COMPONENTS.filter((c) => (s[c] ?? 0) > 0);
  if (placement.shared)
    bound(
      `the machine's ${placement.machineCores} cores, shared by ${known.join(', ')}`,
      placement.machineCores,
      known,
    );
  if (placement.apiWorkers) {
    const workers = placement.apiWorkers;
    bound(
      `${workers} API worker${workers === 1 ? '' : 's'} (one event loop, one core each)`,
      placement.shared ? Math.min(workers, placement.machineCores) : workers,
      ['api'],
    );
  }
  bound('Redis (one thread)', 1, ['redis']);
  if (!placement.shared || placement.k6Cores < placement.machineCores)
    bound(`k6 on ${placement.k6Cores} core${placement.k6Cores === 1 ? '' : 's'}`, placement.k6Cores, ['k6']);
  return bounds.sort((a, b) => a.rate - b.rate);
}

export interface Prediction {
  rate: number;
  bound: Bound;
  /** the share of the bound the system held at the SLO (from the measured search) */
  utilisation: number;
}

/** The share of its tightest bound a measured sustained rate reached. */
export function attainedUtilisation(sustained: number, model: CostModel, placement: Placement): number | undefined {
  const tightest = saturationBounds(model, placement)[0];
  return tightest && tightest.rate > 0 ? sustained / tightest.rate : undefined;
}

export interface NamedPrediction {
  what: string;
  rate: number;
  how: string;
}

/**
 * What the model says about runs the search did not make: the sustained rate with a different number of API
 * workers (same costs, same attained utilisation), and the rate at which an open-loop generator on these
 * cores starts dropping iterations (a ramp such as the full-size peak): the same share of the tightest bound,
 * since past it k6 cannot start iterations on time — a shared machine never reaches U = 1 for k6 (the
 * scheduler, the kernel's loopback work and the API's bursts take their share first).
 */
export function predictions(
  model: CostModel,
  placement: Placement,
  utilisation: number | undefined,
): NamedPrediction[] {
  const list: NamedPrediction[] = [];
  const tightest = saturationBounds(model, placement)[0];
  if (tightest) {
    const share = utilisation ?? 1;
    list.push({
      what: 'an open-loop ramp (the full-size peak) starts dropping iterations',
      rate: tightest.rate * share,
      how: `${Math.round(share * 100)} % of ${tightest.what}: ${tightest.formula}`,
    });
  }
  if (utilisation !== undefined && placement.apiWorkers) {
    for (const workers of [1, placement.apiWorkers * 2].filter((w) => w !== placement.apiWorkers)) {
      const predicted = predictCapacity(model, { ...placement, apiWorkers: workers }, utilisation);
      if (predicted)
        list.push({
          what: `sustained at the SLO with WORKERS=${workers}`,
          rate: predicted.rate,
          how: `${Math.round(utilisation * 100)} % of ${predicted.bound.what}: ${predicted.bound.formula}`,
        });
    }
  }
  return list;
}

/** The sustained rate for another placement (fewer workers, k6 on its own cores), same costs and utilisation. */
export function predictCapacity(model: CostModel, placement: Placement, utilisation: number): Prediction | undefined {
  const tightest = saturationBounds(model, placement)[0];
  return tightest && { rate: tightest.rate * utilisation, bound: tightest, utilisation };
}
