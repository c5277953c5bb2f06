import { describe, expect, it } from 'vitest';
import { formatUptime } from './status.ts';

describe('formatUptime', () => {
  it.each([
    [undefined, '-'],
    [0, '0s'],
    [59, '59s'],
    [3725, '1h 2m 5s'],
    [120, '2m 0s'],
  ])('%s → %s', (seconds, text) => {
    expect(formatUptime(seconds)).toBe(text);
  });
});
