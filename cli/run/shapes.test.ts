import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { durationSeconds } from '../../scenarios/lib/durations.ts';
import {
  buildShape,
  plannedPhases,
  plannedSeconds,
  scaleScenario,
  SEED_LOAD_STAGES,
  SEED_PEAK_STAGES,
  SHAPE_NAMES,
  shapeDefinition,
} from '../../scenarios/lib/shapes.ts';

describe('shapes', () => {
  it('load and seed reproduce the seed common-options.js verbatim', () => {
    expect(buildShape('load').scenarios.load_test).toMatchObject({
      executor: 'ramping-vus',
      startVUs: 0,
      stages: SEED_LOAD_STAGES,
    });
    const seed = buildShape('seed').scenarios;
    expect(seed.load_test).toMatchObject({
      executor: 'ramping-vus',
      startVUs: 0,
      stages: SEED_LOAD_STAGES,
      env: { THINK_SECONDS: '1', THINK_JITTER: '0' },
    });
    expect(seed.peak_test).toMatchObject({
      executor: 'ramping-arrival-rate',
      startRate: 10,
      timeUnit: '1s',
      preAllocatedVUs: 200,
      maxVUs: 500,
      stages: SEED_PEAK_STAGES,
      env: { THINK_SECONDS: '1', THINK_JITTER: '0' },
    });
    expect(buildShape('journey').scenarios.journey).toMatchObject({ env: { THINK_SECONDS: '1', THINK_JITTER: '0.5' } });
  });

  it('our peak keeps the seed stages, never sleeps, and has VUs for 5000/s at 200 ms', () => {
    const peak = buildShape('peak').scenarios.peak_test!;
    expect(peak).toMatchObject({
      executor: 'ramping-arrival-rate',
      startRate: 10,
      stages: SEED_PEAK_STAGES,
      env: { THINK_SECONDS: '0' },
    });
    expect(peak.executor === 'ramping-arrival-rate' && peak.maxVUs).toBe(1000);
    // 10 s 10→1000 + 20 s 1000→5000 + 30 s 5000→1000 + 10 s 1000→5000 = 5,050 + 60,000 + 90,000 + 30,000 offered
    expect(buildShape('peak').thresholds.dropped_iterations).toEqual(['count<=185']);
  });

  it('scales VUs and rates but never durations, and keeps at least one', () => {
    const scaled = buildShape('seed', { scale: 0.1 }).scenarios;
    expect(scaled.load_test).toMatchObject({
      stages: SEED_LOAD_STAGES.map((s) => ({ duration: s.duration, target: Math.round(s.target * 0.1) })),
    });
    expect(scaled.peak_test).toMatchObject({ startRate: 1, preAllocatedVUs: 20, maxVUs: 50 });
    expect(buildShape('peak').scenarios.peak_test).toMatchObject({ preAllocatedVUs: 250, maxVUs: 1000 });
    expect(buildShape('journey', { scale: 0.0001 }).scenarios.journey).toMatchObject({ vus: 1, duration: '90s' });
    // the final ramp to 0 stays 0
    expect(scaled.load_test!.executor === 'ramping-vus' && scaled.load_test!.stages.at(-1)!.target).toBe(0);
  });

  it('scaling keeps every duration for any factor', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SHAPE_NAMES), fc.double({ min: 0.001, max: 10, noNaN: true }), (shape, factor) => {
        const base = buildShape(shape).scenarios;
        expect(plannedSeconds(buildShape(shape, { scale: factor }).scenarios)).toBe(plannedSeconds(base));
        for (const scenario of Object.values(base))
          expect(Object.keys(scaleScenario(scenario, factor)).sort()).toEqual(Object.keys(scenario).sort());
      }),
    );
  });

  it('--duration replaces steady shapes only', () => {
    expect(buildShape('smoke', { duration: '3s' }).scenarios.smoke).toMatchObject({ duration: '3s' });
    expect(() => buildShape('peak', { duration: '3s' })).toThrow(/steady/);
    expect(() => buildShape('smoke', { scale: 0 })).toThrow(/positive/);
  });

  it('adds the browser to every scenario when asked', () => {
    const { scenarios } = buildShape('seed', { browser: true });
    for (const scenario of Object.values(scenarios))
      expect(scenario).toMatchObject({ options: { browser: { type: 'chromium' } } });
  });

  it('plans phases from the stages', () => {
    expect(plannedPhases(buildShape('load').scenarios).map((p) => [p.name, p.startS, p.endS])).toEqual([
      ['load_test: ramp up to 1000', 0, 10],
      ['load_test: hold 1000', 10, 40],
      ['load_test: ramp up to 3000', 40, 50],
      ['load_test: hold 3000', 50, 80],
      ['load_test: ramp down to 0', 80, 90],
    ]);
    expect(plannedSeconds(buildShape('peak').scenarios)).toBe(70);
    expect(plannedSeconds(buildShape('seed').scenarios)).toBe(90);
  });

  it('reads k6 durations', () => {
    expect(durationSeconds('90s')).toBe(90);
    expect(durationSeconds('1h30m')).toBe(5400);
    expect(durationSeconds('500ms')).toBe(0.5);
    expect(() => durationSeconds('ten seconds')).toThrow(/not a duration/);
    expect(() => durationSeconds('10sx')).toThrow(/not a duration/);
  });

  it('describes every shape', () => {
    for (const name of SHAPE_NAMES) expect(shapeDefinition(name).description.length).toBeGreaterThan(10);
  });
});
