// The load shapes (SPEC §4). Pure data and arithmetic with no k6 imports, so the k6 scripts (options) and the
// CLI (planned phases, --help, validation) read the same definitions.
//
// `load` and the two `seed` scenarios are the seed's common-options.js verbatim; `--scale` multiplies VUs and
// rates (never durations), so a scaled run keeps the shape a report compares against.
import { durationSeconds } from './durations.ts';

export const SHAPE_NAMES = ['smoke', 'load', 'peak', 'seed', 'journey', 'soak', 'rate', 'browser'] as const;
export type ShapeName = (typeof SHAPE_NAMES)[number];

export interface Stage {
  duration: string;
  target: number;
}

interface ScenarioBase {
  /** merged into __ENV for this scenario's VUs: THINK_SECONDS is the pause between steps of an iteration */
  env?: Record<string, string>;
  tags?: Record<string, string>;
  gracefulStop?: string;
  options?: { browser: { type: 'chromium' } };
}
export interface RampingVusScenario extends ScenarioBase {
  executor: 'ramping-vus';
  startVUs: number;
  stages: Stage[];
}
export interface RampingArrivalRateScenario extends ScenarioBase {
  executor: 'ramping-arrival-rate';
  startRate: number;
  timeUnit: string;
  preAllocatedVUs: number;
  maxVUs: number;
  stages: Stage[];
}
export interface ConstantVusScenario extends ScenarioBase {
  executor: 'constant-vus';
  vus: number;
  duration: string;
}
export interface ConstantArrivalRateScenario extends ScenarioBase {
  executor: 'constant-arrival-rate';
  rate: number;
  timeUnit: string;
  duration: string;
  preAllocatedVUs: number;
  maxVUs: number;
}
export type ScenarioSpec =
  | RampingVusScenario
  | RampingArrivalRateScenario
  | ConstantVusScenario
  | ConstantArrivalRateScenario;

export interface ShapeDefinition {
  description: string;
  scenarios: Record<string, ScenarioSpec>;
  thresholds: Record<string, string[]>;
  /** steady shapes have one duration that --duration may replace */
  steady: boolean;
  /**
   * An arrival-rate shape passes while k6 sends at least (1 − this share) of the iterations its stages offer.
   * Not zero: a ramp that ends at its top rate sees k6 count a handful of iterations due in the executor's last
   * instant as dropped (a 2,400/s peak on the build machine: 21 of 88,819, all stamped in the same microsecond
   * at the scenario's end). A run that really loses load still fails, and every drop is reported.
   */
  droppedShare?: number;
}

/** The seed's own stages (common-options.js), kept verbatim. */
export const SEED_LOAD_STAGES: readonly Stage[] = [
  { duration: '10s', target: 1000 },
  { duration: '30s', target: 1000 },
  { duration: '10s', target: 3000 },
  { duration: '30s', target: 3000 },
  { duration: '10s', target: 0 },
];
export const SEED_PEAK_STAGES: readonly Stage[] = [
  { duration: '10s', target: 1000 },
  { duration: '20s', target: 5000 },
  { duration: '30s', target: 1000 },
  { duration: '10s', target: 5000 },
];
/** The journey bar: the seed's p95 over the whole journey at 1000 VUs. */
export const SEED_JOURNEY_P95_MS = 298.76;

/** Only unexpected failures count: 409 (seat taken) is declared expected, so it is not in http_req_failed. */
const noUnexpectedFailures = { http_req_failed: ['rate<0.01'], checks: ['rate>0.99'] };

/**
 * VUs an arrival-rate scenario needs: rate × the iteration time we budget for under stress (Little's law).
 * Pre-allocating for 50 ms matters most: a VU k6 has to initialise mid-run arrives late, and iterations due
 * meanwhile are dropped. Up to 200 ms covers a slow patch without giving k6 thousands of idle VUs.
 */
export function vusForRate(ratePerSecond: number): { preAllocatedVUs: number; maxVUs: number } {
  return {
    preAllocatedVUs: Math.max(2, Math.ceil(ratePerSecond * 0.05)),
    maxVUs: Math.max(4, Math.ceil(ratePerSecond * 0.2)),
  };
}

/** The arrival rate of the `rate` shape before --scale: `loadctl capacity` asks for R/s with --scale R/RATE_SHAPE_BASE. */
export const RATE_SHAPE_BASE = 100;

/** Think time between steps, with ±50 % jitter unless `exact` (the seed's own scenarios). */
const think = (seconds: number, exact = false): Record<string, string> => ({
  THINK_SECONDS: String(seconds),
  THINK_JITTER: exact || seconds === 0 ? '0' : '0.5',
});

function definitions(): Record<ShapeName, ShapeDefinition> {
  const peakRate = Math.max(...SEED_PEAK_STAGES.map((stage) => stage.target));
  return {
    smoke: {
      description: 'a few VUs for seconds: does every request work? (CI)',
      steady: true,
      scenarios: { smoke: { executor: 'constant-vus', vus: 2, duration: '10s', env: think(0.2) } },
      thresholds: { ...noUnexpectedFailures, http_req_duration: ['p(95)<1000'] },
    },
    load: {
      description: "the seed's load_test: ramping VUs 0→1000→3000→0 over 90 s, 1 s think time",
      steady: false,
      scenarios: { load_test: { executor: 'ramping-vus', startVUs: 0, stages: [...SEED_LOAD_STAGES], env: think(1) } },
      thresholds: { ...noUnexpectedFailures, http_req_duration: ['p(95)<300', 'p(99)<1000'] },
    },
    peak: {
      description:
        "the seed's peak_test arrival rates (10→1000→5000→1000→5000/s) with no sleep and VUs sized for the rate",
      steady: false,
      scenarios: {
        peak_test: {
          executor: 'ramping-arrival-rate',
          startRate: 10,
          timeUnit: '1s',
          ...vusForRate(peakRate),
          stages: [...SEED_PEAK_STAGES],
          env: think(0),
        },
      },
      thresholds: { ...noUnexpectedFailures, http_req_duration: ['p(95)<100'] },
      droppedShare: 0.001,
    },
    seed: {
      description:
        'load_test and peak_test together exactly as the seed ran them, flaw included (sleep(1) with maxVUs 500 caps peak near 500 it/s)',
      steady: false,
      scenarios: {
        load_test: { executor: 'ramping-vus', startVUs: 0, stages: [...SEED_LOAD_STAGES], env: think(1, true) },
        peak_test: {
          executor: 'ramping-arrival-rate',
          startRate: 10,
          timeUnit: '1s',
          preAllocatedVUs: 200,
          maxVUs: 500,
          stages: [...SEED_PEAK_STAGES],
          env: think(1, true),
        },
      },
      // The seed set no thresholds; this one makes the run say out loud what the seed's report missed.
      thresholds: { dropped_iterations: ['count==0'] },
    },
    journey: {
      description:
        "the seed's full booking flow (token → concerts → schedules → seats → reserve → pay) with 1000 VUs for 90 s",
      steady: true,
      scenarios: { journey: { executor: 'constant-vus', vus: 1000, duration: '90s', env: think(1) } },
      thresholds: { ...noUnexpectedFailures, http_req_duration: [`p(95)<${SEED_JOURNEY_P95_MS}`] },
    },
    soak: {
      description: 'a steady 300 iterations/s for 30 minutes, to expose leaks and slow drift',
      steady: true,
      scenarios: {
        soak: {
          executor: 'constant-arrival-rate',
          rate: 300,
          timeUnit: '1s',
          duration: '30m',
          ...vusForRate(300),
          env: think(0),
        },
      },
      thresholds: { ...noUnexpectedFailures, http_req_duration: ['p(95)<200'], dropped_iterations: ['count==0'] },
    },
    rate: {
      description: `one constant arrival rate (${RATE_SHAPE_BASE}/s × --scale) for 30 s: a step of \`loadctl capacity\``,
      steady: true,
      scenarios: {
        // VUs initialised before the step, not during it (a short step has no time to spare), and a short
        // graceful stop, so an overloaded step lasts as long as a held one
        rate: {
          executor: 'constant-arrival-rate',
          rate: RATE_SHAPE_BASE,
          timeUnit: '1s',
          duration: '30s',
          preAllocatedVUs: RATE_SHAPE_BASE * 0.1,
          maxVUs: vusForRate(RATE_SHAPE_BASE).maxVUs,
          gracefulStop: '2s',
          env: think(0),
        },
      },
      thresholds: { ...noUnexpectedFailures, dropped_iterations: ['count==0'] },
    },
    browser: {
      description: 'real Chromium users booking through the web page (k6/browser), 2 VUs for 30 s',
      steady: true,
      scenarios: { browser: { executor: 'constant-vus', vus: 2, duration: '30s', env: think(0.5) } },
      thresholds: { checks: ['rate>0.99'], browser_web_vital_lcp: ['p(75)<2500'] },
    },
  };
}

export function isShapeName(name: string): name is ShapeName {
  return (SHAPE_NAMES as readonly string[]).includes(name);
}

export function shapeDefinition(name: ShapeName): ShapeDefinition {
  return definitions()[name];
}

const scaleCount = (value: number, factor: number): number =>
  value === 0 ? 0 : Math.max(1, Math.round(value * factor));

/** The scenario with VUs and rates multiplied by `factor`; durations untouched. */
export function scaleScenario(scenario: ScenarioSpec, factor: number): ScenarioSpec {
  const stages = (list: Stage[]): Stage[] =>
    list.map((stage) => ({ ...stage, target: scaleCount(stage.target, factor) }));
  switch (scenario.executor) {
    case 'ramping-vus':
      return { ...scenario, startVUs: scaleCount(scenario.startVUs, factor), stages: stages(scenario.stages) };
    case 'ramping-arrival-rate':
      return {
        ...scenario,
        startRate: scaleCount(scenario.startRate, factor),
        preAllocatedVUs: scaleCount(scenario.preAllocatedVUs, factor),
        maxVUs: scaleCount(scenario.maxVUs, factor),
        stages: stages(scenario.stages),
      };
    case 'constant-vus':
      return { ...scenario, vus: scaleCount(scenario.vus, factor) };
    case 'constant-arrival-rate':
      return {
        ...scenario,
        rate: scaleCount(scenario.rate, factor),
        preAllocatedVUs: scaleCount(scenario.preAllocatedVUs, factor),
        maxVUs: scaleCount(scenario.maxVUs, factor),
      };
  }
}

export interface ShapeOptions {
  scale?: number;
  /** replaces the duration of a steady shape (smoke, journey, soak, browser) */
  duration?: string;
  /** k6/browser workloads need a Chromium in every scenario */
  browser?: boolean;
}

/** The k6 `scenarios` and `thresholds` options for a shape. */
export function buildShape(
  name: ShapeName,
  opts: ShapeOptions = {},
): { scenarios: Record<string, ScenarioSpec>; thresholds: Record<string, string[]> } {
  const definition = shapeDefinition(name);
  const scale = opts.scale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`scale must be a positive number, got ${scale}`);
  if (opts.duration !== undefined && !definition.steady)
    throw new Error(`--duration only applies to steady shapes, not '${name}'`);
  const scenarios: Record<string, ScenarioSpec> = {};
  for (const [scenarioName, scenario] of Object.entries(definition.scenarios)) {
    let scaled = scaleScenario(scenario, scale);
    if (opts.duration !== undefined && 'duration' in scaled) scaled = { ...scaled, duration: opts.duration };
    if (opts.browser) scaled = { ...scaled, options: { browser: { type: 'chromium' } } };
    scenarios[scenarioName] = scaled;
  }
  if (definition.droppedShare === undefined) return { scenarios, thresholds: definition.thresholds };
  const allowed = Math.floor(offeredIterations(scenarios) * definition.droppedShare);
  return { scenarios, thresholds: { ...definition.thresholds, dropped_iterations: [`count<=${allowed}`] } };
}

/** The iterations the arrival-rate scenarios ask for: the area under their rate curve (per-second time units). */
export function offeredIterations(scenarios: Record<string, ScenarioSpec>): number {
  let total = 0;
  for (const scenario of Object.values(scenarios)) {
    if (scenario.executor === 'constant-arrival-rate') total += scenario.rate * durationSeconds(scenario.duration);
    if (scenario.executor !== 'ramping-arrival-rate') continue;
    let rate = scenario.startRate;
    for (const stage of scenario.stages) {
      total += (durationSeconds(stage.duration) * (rate + stage.target)) / 2;
      rate = stage.target;
    }
  }
  return total;
}

export interface Phase {
  name: string;
  startS: number;
  endS: number;
  target?: number;
}

/** The planned phases of a shape (ramp/hold per stage), for charts and the live progress line. */
export function plannedPhases(scenarios: Record<string, ScenarioSpec>): Phase[] {
  const phases: Phase[] = [];
  for (const [scenarioName, scenario] of Object.entries(scenarios)) {
    if (scenario.executor === 'ramping-vus' || scenario.executor === 'ramping-arrival-rate') {
      let at = 0;
      let previous = scenario.executor === 'ramping-vus' ? scenario.startVUs : scenario.startRate;
      for (const stage of scenario.stages) {
        const length = durationSeconds(stage.duration);
        const verb = stage.target === previous ? 'hold' : stage.target > previous ? 'ramp up to' : 'ramp down to';
        phases.push({
          name: `${scenarioName}: ${verb} ${stage.target}`,
          startS: at,
          endS: at + length,
          target: stage.target,
        });
        at += length;
        previous = stage.target;
      }
    } else {
      const target = scenario.executor === 'constant-vus' ? scenario.vus : scenario.rate;
      phases.push({
        name: `${scenarioName}: hold ${target}`,
        startS: 0,
        endS: durationSeconds(scenario.duration),
        target,
      });
    }
  }
  return phases;
}

/** Planned length of the whole run in seconds (scenarios run in parallel), graceful stops excluded. */
export function plannedSeconds(scenarios: Record<string, ScenarioSpec>): number {
  return Math.max(0, ...plannedPhases(scenarios).map((phase) => phase.endS));
}
