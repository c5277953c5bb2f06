import { describe, expect, it } from 'vitest';
import { scaleFor, topArrivalRate } from './auto-scale.ts';
import { classifyLimit, generatorLimitNote } from './limit.ts';
import {
  attainedUtilisation,
  fitCosts,
  predictCapacity,
  predictions,
  saturationBounds,
  type CostModel,
} from './model.ts';
import { renderCapacityMarkdown } from './render.ts';
import type { CapacityResult } from './result.ts';
import { DEFAULT_BOUNDS, nextRate, sustainedRate, type Tried } from './search.ts';
import { histogramQuantileMs, serverView } from './server-view.ts';
import { sizeFor, seedTargets } from './sizing.ts';
import { describeSlo, judgeStep, parseSlo } from './slo.ts';
import type { Placement, StepMeasurement } from './step-types.ts';

const step = (overrides: Partial<StepMeasurement>): StepMeasurement => ({
  offeredRate: 1000,
  durationS: 6,
  requests: 6000,
  throughput: 1000,
  iterations: 6000,
  dropped: 0,
  p95Ms: 5,
  p99Ms: 9,
  avgIterationMs: 3,
  errorPercent: 0,
  maxVus: 200,
  serverP95Ms: 2,
  cores: { k6: 0.36, api: 0.2, redis: 0.02, postgres: 0.01 },
  runDir: '/tmp/x',
  interrupted: false,
  ...overrides,
});
const sharedTwoCores: Placement = { machineCores: 2, k6Cores: 2, apiWorkers: 2, shared: true };
const slo = parseSlo('p95<200ms,errors<1%');

describe('SLO', () => {
  it('reads latency and error bounds and says them back', () => {
    expect(parseSlo('p95<200ms, p99<1s, errors<0.5%')).toEqual({
      latency: [
        { percentile: 95, maxMs: 200 },
        { percentile: 99, maxMs: 1000 },
      ],
      maxErrorPercent: 0.5,
    });
    expect(describeSlo(slo)).toBe('p95<200ms,errors<1%');
  });
  it('refuses what it cannot read, naming the clause', () => {
    expect(() => parseSlo('p90<200ms')).toThrow(/p90<200ms/);
    expect(() => parseSlo('p95<fast')).toThrow(/duration/);
  });
  it('a step holds only when the SLO held and the asked load was sent', () => {
    expect(judgeStep(step({}), slo)).toEqual({ held: true, breaches: [], sloBroken: false });
    expect(judgeStep(step({ p95Ms: 250 }), slo)).toMatchObject({
      held: false,
      sloBroken: true,
      breaches: ['p95 250 ms ≥ 200 ms'],
    });
    const dropped = judgeStep(step({ iterations: 5000, dropped: 1000, throughput: 830 }), slo);
    expect(dropped).toMatchObject({ held: false, sloBroken: false });
    expect(dropped.breaches).toEqual([
      'k6 dropped 16.7 % of the asked iterations',
      'carried 830/s of the asked 1000/s',
    ]);
    expect(judgeStep(step({ iterations: 5990, dropped: 10 }), slo).held).toBe(true);
  });
});

describe('search', () => {
  const run = (edge: number, steps = 20): Tried[] => {
    const tried: Tried[] = [];
    for (let i = 0; i < steps; i++) {
      const rate = nextRate(tried, DEFAULT_BOUNDS);
      if (rate === undefined) break;
      tried.push({ rate, held: rate <= edge });
    }
    return tried;
  };
  it('doubles until a step breaks, then bisects to within 10 %', () => {
    const tried = run(3000);
    expect(tried.slice(0, 5).map((t) => t.rate)).toEqual([250, 500, 1000, 2000, 4000]);
    const found = sustainedRate(tried) ?? 0;
    expect(found).toBeLessThanOrEqual(3000);
    expect(found).toBeGreaterThan(3000 / 1.1);
    expect(tried.length).toBeLessThanOrEqual(9);
  });
  it('halves when the first step breaks, and gives up below the minimum rate', () => {
    expect(
      run(100)
        .slice(0, 3)
        .map((t) => t.rate),
    ).toEqual([250, 125, 63]);
    expect(sustainedRate(run(0))).toBeUndefined();
  });
  it('stops at the maximum rate when everything holds', () => {
    expect(nextRate([{ rate: 20_000, held: true }], DEFAULT_BOUNDS)).toBeUndefined();
  });
  it('a held rate above a broken one does not count', () => {
    expect(
      sustainedRate([
        { rate: 1000, held: true },
        { rate: 2000, held: false },
        { rate: 3000, held: true },
      ]),
    ).toBe(1000);
  });
});

describe('model', () => {
  const costs = fitCosts([step({})]);
  it('one step: CPU milliseconds per request, proportional', () => {
    expect(costs.perRequestMs.k6).toBeCloseTo(0.36);
    expect(costs.perRequestMs.api).toBeCloseTo(0.2);
    expect(costs.baselineCores.api).toBe(0);
  });
  it('several steps: a baseline plus a cost per request, by least squares', () => {
    const fitted = fitCosts([500, 1000, 2000].map((x) => step({ throughput: x, cores: { api: 0.1 + x * 0.0002 } })));
    expect(fitted.perRequestMs.api).toBeCloseTo(0.2);
    expect(fitted.baselineCores.api).toBeCloseTo(0.1);
  });
  it('bounds by the utilisation law, tightest first, with the formula', () => {
    const [tightest] = saturationBounds(costs, sharedTwoCores);
    expect(tightest?.rate).toBeCloseTo(2000 / 0.59);
    expect(tightest?.formula).toBe('(2) × 1000 / (0.360 ms + 0.200 ms + 0.020 ms + 0.010 ms)');
    const withBaseline: CostModel = { ...costs, baselineCores: { api: 0.2 } };
    expect(saturationBounds(withBaseline, sharedTwoCores)[0]?.rate).toBeCloseTo(1800 / 0.59);
  });
  it('one worker caps the API at one core; k6 capped by taskset is its own bound', () => {
    const slowApi: CostModel = { ...costs, perRequestMs: { ...costs.perRequestMs, api: 1.5 } };
    const oneWorker = saturationBounds(slowApi, { ...sharedTwoCores, apiWorkers: 1 })[0];
    expect(oneWorker?.what).toMatch(/1 API worker/);
    expect(oneWorker?.rate).toBeCloseTo(1000 / 1.5);
    expect(saturationBounds(costs, { ...sharedTwoCores, k6Cores: 1 })[0]?.what).toBe('k6 on 1 core');
  });
  it('predicts another placement at the utilisation the measured search reached', () => {
    const utilisation = attainedUtilisation(2700, costs, sharedTwoCores) ?? 0;
    expect(utilisation).toBeCloseTo(2700 / (2000 / 0.59));
    const slowApi: CostModel = { ...costs, perRequestMs: { ...costs.perRequestMs, api: 1.2 } };
    expect(predictCapacity(slowApi, { ...sharedTwoCores, apiWorkers: 1 }, utilisation)?.rate).toBeCloseTo(
      (1000 / 1.2) * utilisation,
    );
  });
});

describe('sizing', () => {
  it('busy cores X·S, provisioned at 60 %, whole cores', () => {
    const rows = sizeFor(
      { name: 'peak', rate: 5000, derivation: '' },
      { perRequestMs: { api: 0.2, k6: 0.36, redis: 0.02 }, baselineCores: {}, fromRates: [] },
    );
    expect(rows.map((r) => [r.component, r.busyCores, r.cores])).toEqual([
      ['k6', 1.8, 3],
      ['api', 1, 2],
      ['redis', 0.1, 1],
    ]);
    expect(rows[1]?.as).toMatch(/2 workers/);
  });
  it("a closed-loop target's rate by X = N / (Z + R)", () => {
    expect(seedTargets(0.2)[1]?.rate).toBe(2500);
  });
});

describe('server view', () => {
  const sample = (t: number, counts: number[]) => ({
    t,
    values: Object.fromEntries(
      ['0.005', '0.01', '0.1', '+Inf'].map((le, i) => [
        `http_request_duration_seconds_bucket{le="${le}",method="GET",route="/x",status="200"}`,
        counts[i] ?? 0,
      ]),
    ),
  });
  it('interpolates the p95 of the requests between two samples', () => {
    expect(histogramQuantileMs(sample(0, [10, 10, 10, 10]), sample(1, [10, 60, 110, 110]), 0.95)).toBeCloseTo(
      10 + 0.9 * 90,
    );
  });
  it('reads the pool waiting gauge', () => {
    const waiting = { t: 2, values: { 'api_db_pool_connections{pool="primary",state="waiting"}': 3 } };
    expect(serverView([sample(0, [0, 0, 0, 0]), waiting]).poolWaitingMax).toBe(3);
  });
});

describe('who ran out first', () => {
  it('the API, when its own histogram accounts for the latency k6 saw (a slowed API)', () => {
    const broken = step({ p95Ms: 260, serverP95Ms: 240, cores: { k6: 0.3, api: 0.2 } });
    const limit = classifyLimit(broken, judgeStep(broken, slo), sharedTwoCores);
    expect(limit.kind).toBe('system');
    expect(limit.what).toMatch(/API's own latency/);
  });
  it('the API, also when its slow answers kept the VUs busy and k6 dropped iterations', () => {
    const broken = step({ p95Ms: 153, serverP95Ms: 150, dropped: 120, iterations: 5880 });
    expect(classifyLimit(broken, judgeStep(broken, slo), sharedTwoCores).kind).toBe('system');
  });
  it('the database pool, when queries queued for a connection', () => {
    const broken = step({ p95Ms: 260, serverP95Ms: 240, poolWaitingMax: 12 });
    expect(classifyLimit(broken, judgeStep(broken, slo), sharedTwoCores).what).toMatch(/pool/);
  });
  it('the generator, when k6 is pinned to fewer cores and uses them up', () => {
    const broken = step({ p95Ms: 400, serverP95Ms: 3, cores: { k6: 0.97, api: 0.3 } });
    const limit = classifyLimit(broken, judgeStep(broken, slo), { ...sharedTwoCores, k6Cores: 1 });
    expect(limit.kind).toBe('generator');
    expect(limit.advice.join(' ')).toMatch(/never saw the asked load.*|--segments/);
  });
  it('too few VUs, when drops come with latency inside the SLO', () => {
    const broken = step({
      dropped: 800,
      iterations: 5200,
      throughput: 870,
      avgIterationMs: 190,
      p95Ms: 195,
      serverP95Ms: 3,
    });
    expect(classifyLimit(broken, judgeStep(broken, slo), sharedTwoCores).what).toMatch(/too few VUs/);
  });
  it('the shared cores, with k6 named when it used more of them than the system', () => {
    const broken = step({ p95Ms: 400, serverP95Ms: 4, cores: { k6: 1.2, api: 0.7, redis: 0.05 } });
    expect(classifyLimit(broken, judgeStep(broken, slo), sharedTwoCores)).toMatchObject({
      kind: 'generator',
      what: expect.stringMatching(/shared cores/),
    });
  });
  it('none, when every step held', () => {
    expect(classifyLimit(undefined, undefined, sharedTwoCores).kind).toBe('none');
  });
});

describe('capacity.md', () => {
  it('leads with the answer and marks the knee', () => {
    const held = step({});
    const broke = step({
      offeredRate: 2000,
      throughput: 1900,
      p95Ms: 300,
      serverP95Ms: 3,
      cores: { k6: 1.2, api: 0.7 },
    });
    const result: CapacityResult = {
      version: 1,
      workload: 'concerts',
      target: 'http://127.0.0.1:1',
      sloText: 'p95<200ms,errors<1%',
      slo,
      startedAt: '2026-01-01T00:00:00Z',
      loadAverage: [0.5, 0.4, 0.3],
      placement: sharedTwoCores,
      bounds: { maxSteps: 10, maxTimeSeconds: 180, stepSeconds: 6 },
      steps: [
        { ...held, verdict: judgeStep(held, slo) },
        { ...broke, verdict: judgeStep(broke, slo) },
      ],
      sustainedRate: 1000,
      limit: classifyLimit(broke, judgeStep(broke, slo), sharedTwoCores),
      model: {
        costs: fitCosts([held]),
        bounds: saturationBounds(fitCosts([held]), sharedTwoCores),
        utilisation: 0.3,
        predictions: predictions(fitCosts([held]), sharedTwoCores, 0.3),
      },
      stoppedBecause: 'the edge was found',
    };
    const markdown = renderCapacityMarkdown(result);
    expect(markdown).toContain('**Sustained at the SLO: 1,000/s**');
    expect(markdown).toContain('← knee');
    expect(markdown).toContain('X = N / (Z + R)');
    expect(markdown).toMatch(/sustained at the SLO with WORKERS=1: \*\*[\d,]+\/s\*\*/);
    expect(markdown).toMatch(/the full-size peak\) starts dropping iterations: \*\*1,017\/s\*\*/);
    expect(markdown).toMatch(/\| API \| 0\.00 \| 0\.200 ms \| 1\.00 \| 2 \|/);
  });
});

describe('--scale auto', () => {
  it("scales the shape's top rate to 80 % of the sustained rate, never above full size", () => {
    expect(topArrivalRate('peak')).toBe(5000);
    expect(topArrivalRate('journey')).toBeUndefined();
    expect(scaleFor(3000, 5000)).toBe(0.48);
    expect(scaleFor(9000, 5000)).toBe(1);
  });
  it('says when the generator, not the API, was the limit of a run', () => {
    expect(generatorLimitNote(5072, { k6: 1.3, api: 0.55, machine: 2 })).toMatch(
      /load generator was the limit.*never saw the asked rate/,
    );
    expect(generatorLimitNote(0, { k6: 1.3, api: 0.55, machine: 2 })).toBeUndefined();
    expect(generatorLimitNote(14478, { k6: 0.66, api: 0.35, machine: 2 })).toMatch(
      /k6 used 0\.66 .* to the API's 0\.35/,
    );
    expect(generatorLimitNote(10, { k6: 0.2, api: 0.5, machine: 2 })).toBeUndefined();
  });
});
