import { describe, expect, it } from 'vitest';
import { buildK6Args, executionSegment, k6Environment } from './args.ts';
import { loadctlExitCode } from './exit-codes.ts';
import { ExitCode } from '../shared/exit-codes.ts';

const base = {
  script: '/repo/scenarios/workloads/concerts.ts',
  baseUrl: 'http://127.0.0.1:9000',
  shape: 'peak',
  scale: 0.5,
  summaryFile: '/r/summary.json',
  rawFile: '/r/raw.json.gz',
  apiAddress: '127.0.0.1:6565',
};

describe('k6 arguments', () => {
  it('builds a plain run', () => {
    expect(buildK6Args(base)).toEqual([
      'run',
      '--no-color',
      '--quiet',
      '--address',
      '127.0.0.1:6565',
      '--out',
      'json=/r/raw.json.gz',
      '-e',
      'BASE_URL=http://127.0.0.1:9000',
      '-e',
      'SHAPE=peak',
      '-e',
      'SCALE=0.5',
      '-e',
      'SUMMARY_FILE=/r/summary.json',
      '/repo/scenarios/workloads/concerts.ts',
    ]);
  });

  it('passes a duration and a segment with the shared sequence', () => {
    const args = buildK6Args({ ...base, duration: '5s', segment: { index: 1, count: 3 } });
    expect(args).toContain('DURATION=5s');
    expect(args.slice(args.indexOf('--execution-segment'), -1)).toEqual([
      '--execution-segment',
      '1/3:2/3',
      '--execution-segment-sequence',
      '0,1/3,2/3,1',
    ]);
  });

  it('also writes to Prometheus when the stack has one: the output, its URL and trend stats in the environment', () => {
    const url = 'http://127.0.0.1:9090/api/v1/write';
    const args = buildK6Args({ ...base, prometheusRemoteWrite: url });
    expect(args.slice(args.indexOf('json=/r/raw.json.gz') + 1, args.indexOf('-e'))).toEqual([
      '--out',
      'experimental-prometheus-rw',
    ]);
    expect(k6Environment({ prometheusRemoteWrite: url })).toMatchObject({
      K6_PROMETHEUS_RW_SERVER_URL: url,
      K6_PROMETHEUS_RW_TREND_STATS: 'p(95),p(99),avg',
    });
    expect(k6Environment()).not.toHaveProperty('K6_PROMETHEUS_RW_SERVER_URL');
  });

  it('cuts segments that tile 0..1', () => {
    expect([0, 1].map((index) => executionSegment({ index, count: 2 }).segment)).toEqual(['0:1/2', '1/2:1']);
    expect(executionSegment({ index: 0, count: 1 })).toEqual({ segment: '0:1', sequence: '0,1' });
    expect(() => executionSegment({ index: 2, count: 2 })).toThrow();
  });

  it('maps k6 exit codes', () => {
    expect(loadctlExitCode([0], false)).toBe(ExitCode.ok);
    expect(loadctlExitCode([99], false)).toBe(ExitCode.thresholdsFailed);
    expect(loadctlExitCode([0, 99], false)).toBe(ExitCode.thresholdsFailed);
    expect(loadctlExitCode([99, 107], false)).toBe(ExitCode.environment);
    for (const code of [104, 105, 107, 108, 110, 1]) expect(loadctlExitCode([code], false)).toBe(ExitCode.environment);
    expect(loadctlExitCode([105], true)).toBe(ExitCode.interrupted);
  });
});
