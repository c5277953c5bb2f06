import { describe, expect, it } from 'vitest';
import { compareVersions, K6, parseVersion } from './tools.ts';

describe('compareVersions', () => {
  it.each([
    ['2.2.0', '2.2.0', 0],
    ['v2.2.0', '2.2.0', 0],
    ['2.10.0', '2.9.1', 1],
    ['2.2', '2.2.0', 0],
    ['1.9.9', '2.0.0', -1],
    ['2.3.0-rc1', '2.3.0', 0],
  ])('%s vs %s → %i', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
  });

  it('accepts newer k6 than the pin and refuses older', () => {
    expect(compareVersions('2.3.0', K6.pinnedVersion)).toBeGreaterThan(0);
    expect(compareVersions('1.4.2', K6.pinnedVersion)).toBeLessThan(0);
  });
});

describe('parseVersion', () => {
  it.each([
    ['k6 v2.2.0 (go1.26.8, linux/amd64)', '2.2.0'],
    ['toxiproxy-server version 2.5.0', '2.5.0'],
    ['postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)', '15.20'],
    ['Redis server v=7.0.15 sha=00000000:0', '7.0.15'],
    ['go version go1.26.8 linux/amd64', '1.26.8'],
  ])('%s → %s', (output, version) => {
    expect(parseVersion(output)).toBe(version);
  });

  it('finds nothing in a build without a version', () => {
    expect(parseVersion('toxiproxy-server version git')).toBeUndefined();
  });
});
