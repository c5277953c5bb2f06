import { describe, expect, it } from 'vitest';
import { durationSeconds, parseDurationMs } from './durations.ts';

describe('k6 durations', () => {
  it('reads what k6 prints and what we write', () => {
    const cases: [string, number][] = [
      ['1m2.3s', 62_300],
      ['16.92ms', 16.92],
      ['850µs', 0.85],
      ['850μs', 0.85],
      ['850us', 0.85],
      ['1h0m0s', 3_600_000],
      ['1h30m', 5_400_000],
      ['500ms', 500],
      ['90s', 90_000],
      ['0', 0],
      ['1500ns', 0.0015],
    ];
    for (const [text, ms] of cases) expect(parseDurationMs(text), text).toBeCloseTo(ms, 9);
  });

  it('refuses anything else, whole', () => {
    for (const bad of ['', ' 90s', '90s ', '5', '10sx', 'ten seconds', '1m30', 's', '-1s', '1d'])
      expect(parseDurationMs(bad), bad).toBeUndefined();
    expect(() => durationSeconds('10sx')).toThrow("not a duration: '10sx' (use e.g. 30s, 5m, 1h)");
    expect(durationSeconds('1m30s')).toBe(90);
  });
});
