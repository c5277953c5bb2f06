// The chart fixes shared by the SVG and HTML charts: setup() traffic apart (the y-axis is the test's load),
// no trailing partial second drawn as a drop, and marker labels that never overlap.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_START, makeFixtureRunDir } from '../fixtures/make-run-dir.ts';
import { loadReportModel } from '../index.ts';
import type { TimelineBucket } from '../model.ts';
import { chartSpecs } from './charts.ts';
import { markers, perSecond, rateBuckets } from './series.ts';

const bucket = (startS: number, widthS: number, requests: number): TimelineBucket => ({
  startS,
  widthS,
  requests,
  failed: 0,
  expectedNon2xx: 0,
  iterations: 0,
  dropped: 0,
});
const at = (offsetS: number) => new Date(Date.parse(FIXTURE_START) + offsetS * 1000).toISOString();

describe('chart series', () => {
  it('keeps setup() requests out of the load and shows them as a window of their own', async () => {
    const dir = makeFixtureRunDir(path.join(mkdtempSync(path.join(tmpdir(), 'loadctl-series-')), 'run'), {
      setupRequests: 300,
    });
    const model = await loadReportModel(dir);
    expect(model.timeline.reduce((sum, b) => sum + (b.setupRequests ?? 0), 0)).toBe(300);
    const throughput = chartSpecs(model).find((c) => c.id === 'throughput');
    const values = JSON.stringify(throughput?.spec);
    // 300 requests in 0.3 s would be a 1000/s spike; the requests/s series stays at the load's ~150/s
    const peak = Math.max(...perSecond(model.timeline, 'requests/s', (b) => b.requests).map((p) => p.value));
    expect(peak).toBeLessThan(200);
    expect(values).toContain('setup(): 300 requests');
  });

  it('does not draw the trailing partial second as a drop', () => {
    const timeline = [bucket(0, 1, 100), bucket(1, 1, 100), bucket(2, 1, 100), bucket(3, 0.1, 2)];
    expect(rateBuckets(timeline)).toHaveLength(3);
    expect(rateBuckets([...timeline.slice(0, 3), bucket(3, 0.8, 80)])).toHaveLength(4);
  });

  it('puts labels that would overlap into separate lanes', async () => {
    const dir = makeFixtureRunDir(path.join(mkdtempSync(path.join(tmpdir(), 'loadctl-series-')), 'run'), {
      phases: [
        { name: 'ramp to 4 VUs', startS: 0, endS: 2 },
        { name: 'hold 4 VUs', startS: 0.1, endS: 3 },
      ],
      events: [
        { at: at(1), kind: 'fault-injected', name: 'cache-failure' },
        { at: at(2), kind: 'fault-recovered', name: 'cache-failure' },
        { at: at(1.05), kind: 'mitigation', name: 'scale api to 3' },
        { at: at(1.1), kind: 'signal-fired', name: 'CacheHitRatioLow' },
      ],
    });
    const found = markers(await loadReportModel(dir), 760);
    expect(found).toHaveLength(5);
    const end = Math.max(...found.map((m) => m.to));
    const span = (m: (typeof found)[number]) =>
      [(m.from / end) * 760, (m.from / end) * 760 + m.label.length * 6] as const;
    for (const a of found) {
      for (const b of found) {
        if (a === b || a.lane !== b.lane) continue;
        const [[a0, a1], [b0, b1]] = [span(a), span(b)];
        expect(a1 <= b0 || b1 <= a0, `${a.label} / ${b.label}`).toBe(true);
      }
    }
  });
});
