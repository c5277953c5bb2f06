// Web Vitals, WebSockets and gRPC in the report: k6's percentile method, the ratings' bounds, the sections
// and notes built from samples, and chart labels. The same figures against real k6 runs are checked in
// protocols.int.test.ts and cli/run/browser-report.int.test.ts.
import { describe, expect, it } from 'vitest';
import { Aggregate } from '../aggregate.ts';
import { buildModel } from '../build.ts';
import { k6Percentile } from '../histogram.ts';
import { renderMarkdown } from '../render/markdown.ts';
import { timeLabels } from '../render/mermaid.ts';
import { rateVital } from './browser.ts';

const T0 = Date.UTC(2026, 10, 30, 12, 0, 0, 600);

describe('percentiles and ratings', () => {
  it('interpolates between the closest ranks as k6 does', () => {
    expect(k6Percentile([1, 2, 3, 4], 75)).toBe(3.25);
    expect(k6Percentile([10], 95)).toBe(10);
    // a real browser run's eight LCP samples, of which k6 v2.2.0's summary said p(75) 189,
    // p(95) 202.39999999999998 (202.4 only as printed: k6 takes 0.95 × 7 for the rank, not 7 × 95 / 100)
    const lcp = [80, 84, 124, 128, 148, 188, 192, 208];
    expect(k6Percentile(lcp, 75)).toBe(189);
    expect(k6Percentile(lcp, 95)).toBe(202.39999999999998);
  });

  it('rates each vital on the published bounds, the bound itself still good', () => {
    expect([rateVital('lcp', 2500), rateVital('lcp', 2501), rateVital('lcp', 4001)]).toEqual([
      'good',
      'needs improvement',
      'poor',
    ]);
    expect([rateVital('inp', 200), rateVital('inp', 500), rateVital('inp', 501)]).toEqual([
      'good',
      'needs improvement',
      'poor',
    ]);
    expect([rateVital('cls', 0.1), rateVital('cls', 0.25), rateVital('cls', 0.26)]).toEqual([
      'good',
      'needs improvement',
      'poor',
    ]);
    expect([rateVital('fcp', 1800), rateVital('fcp', 3000), rateVital('fcp', 3001)]).toEqual([
      'good',
      'needs improvement',
      'poor',
    ]);
    expect([rateVital('ttfb', 800), rateVital('ttfb', 1800), rateVital('ttfb', 1801)]).toEqual([
      'good',
      'needs improvement',
      'poor',
    ]);
  });
});

describe('a run with browser, WebSocket and gRPC traffic', () => {
  const aggregate = new Aggregate();
  for (let i = 0; i < 4; i += 1) {
    const at = T0 + i * 1000;
    aggregate.add('iterations', at, 1, { scenario: 'default' });
    aggregate.add('browser_http_req_duration', at, 100 + i, { url: 'http://shop/', status: '200' });
    aggregate.add('browser_web_vital_lcp', at, 1000 + 1000 * i, { url: 'http://shop/' });
    aggregate.add('browser_web_vital_cls', at, 0.3, { url: 'http://shop/cart' });
    aggregate.add('ws_sessions', at, 1, { name: 'chat', status: '101' });
    aggregate.add('ws_connecting', at, 5 + i, { name: 'chat', status: '101' });
    aggregate.add('ws_msgs_sent', at, 1, { name: 'chat' });
    aggregate.add('ws_msgs_received', at, 1, { name: 'chat' });
    aggregate.add('grpc_req_duration', at, 10 * (i + 1), { name: '/shop.Cart/Add', status: i === 3 ? '5' : '0' });
  }
  const model = buildModel({
    files: ['raw.json'],
    aggregate,
    summary: {
      format: 'summary-handle',
      file: 'summary.json',
      metrics: new Map([
        ['browser_web_vital_lcp', { type: 'trend', values: {}, thresholds: [{ expression: 'p(75)<2500', ok: false }] }],
      ]),
      checks: [],
    },
  });

  it('counts page requests as traffic and keeps every vital per page', () => {
    expect(model.overview.requests).toBe(4);
    expect(model.endpoints.map((e) => e.name)).toEqual(['http://shop/']);
    const lcp = model.webVitals?.pages.find((p) => p.page === 'http://shop/')?.vitals.find((v) => v.vital === 'lcp');
    expect(lcp).toMatchObject({
      samples: 4,
      p75: 3250,
      rating: 'needs improvement',
      p95: 3849.9999999999995, // k6 v2.2.0's p(95) of a Trend of 1000, 2000, 3000 and 4000
      p95Rating: 'needs improvement',
    });
    expect(model.webVitals?.allPages.map((v) => v.vital)).toEqual(['lcp', 'cls']);
  });

  it('names the worst vital and page, and reads a vital threshold with its observed p75', () => {
    const note = model.notes.find((n) => n.id === 'web-vitals');
    expect(note?.text).toContain('CLS on http://shop/cart');
    expect(note?.text).toContain('poor');
    expect(model.notes.find((n) => n.id === 'threshold-failed')?.text).toBe(
      'Threshold `p(75)<2500` on `browser_web_vital_lcp` failed (observed 3.25 s).',
    );
  });

  it('has WebSocket and gRPC tables, and gRPC codes other than OK as errors', () => {
    expect(model.websocketTotals).toMatchObject({ sessions: 4, messagesSent: 4, messagesReceived: 4 });
    expect(model.grpc?.[0]).toMatchObject({ method: '/shop.Cart/Add', requests: 4, failed: 1 });
    expect(model.grpc?.[0]?.statuses.map((s) => s.status)).toEqual(['0 OK', '5 NOT_FOUND']);
    expect(model.notes.find((n) => n.id === 'grpc-errors')?.text).toContain('5 NOT_FOUND ×1');
    const markdown = renderMarkdown(model);
    for (const heading of [
      '## Web Vitals',
      '## WebSockets',
      '## gRPC',
      '🔴 poor',
      'WebSocket messages per second',
      'gRPC calls per second',
    ]) {
      expect(markdown).toContain(heading);
    }
  });
});

describe('chart time labels', () => {
  it('are unique and increasing when the first bucket is partial', () => {
    const buckets = [
      { startS: 0, widthS: 0.4 },
      { startS: 0.4, widthS: 1 },
      { startS: 1.4, widthS: 1 },
      { startS: 2.4, widthS: 0.2 },
    ];
    const labels = timeLabels(
      buckets.map((b) => ({ ...b, requests: 0, failed: 0, expectedNon2xx: 0, iterations: 0, dropped: 0 })),
    );
    expect(labels).toEqual(['0s', '1s', '2s', '3s']);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels.map((l) => Number.parseFloat(l))).toEqual(
      [...labels.map((l) => Number.parseFloat(l))].sort((a, b) => a - b),
    );
  });
});
