import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linearTrend, quantile, windowFloors } from './trend.ts';

describe('linearTrend', () => {
  it('recovers the slope and intercept of an exact line', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.double({ min: -1e4, max: 1e4, noNaN: true }),
        (slope, intercept) => {
          const points = Array.from({ length: 20 }, (_, i) => ({ t: i * 5, value: intercept + slope * i * 5 }));
          const trend = linearTrend(points);
          expect(trend.slopePerS).toBeCloseTo(slope, 6);
          expect(trend.intercept).toBeCloseTo(intercept, 4);
        },
      ),
    );
  });

  it('is flat with r² 0 for constant values, and reports noise as a low r²', () => {
    expect(linearTrend([0, 1, 2, 3].map((t) => ({ t, value: 7 })))).toMatchObject({ slopePerS: 0, r2: 0 });
    const zigzag = linearTrend(Array.from({ length: 100 }, (_, t) => ({ t, value: t % 2 === 0 ? 10 : -10 })));
    expect(Math.abs(zigzag.slopePerS)).toBeLessThan(0.01);
    expect(zigzag.r2).toBeLessThan(0.01);
  });
});

describe('quantile', () => {
  it('interpolates between ranks', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([10, 20], 0.95)).toBeCloseTo(19.5);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('windowFloors', () => {
  it('keeps the lowest value of each window, so a GC sawtooth on a flat floor has no slope', () => {
    const sawtooth = Array.from({ length: 600 }, (_, t) => ({ t, value: 400 + (t % 20) * 3 }));
    const floors = windowFloors(sawtooth, 30);
    expect(floors).toHaveLength(20);
    expect(floors.every((floor) => floor.value === 400)).toBe(true);
    expect(linearTrend(floors).slopePerS).toBe(0);
  });
});
