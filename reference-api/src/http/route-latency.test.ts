import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RouteLatencyHistogram } from './route-latency.ts';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('RouteLatencyHistogram', () => {
  it('gives the registry exactly what a prom-client Histogram gives for the same observations', async () => {
    const ours = new RouteLatencyHistogram('latency_seconds', 'help', BUCKETS);
    const reference = new client.Histogram({
      name: 'latency_seconds',
      help: 'help',
      labelNames: ['method', 'route', 'status'],
      buckets: BUCKETS,
      registers: [],
    });
    const random = seeded(7);
    const routes = [ours.route('get', '/a'), ours.route('post', '/b/:id'), ours.unmatched('DELETE')];
    for (let i = 0; i < 5000; i++) {
      const route = routes[Math.floor(random() * routes.length)] ?? ours.unmatched('GET');
      const status = [200, 404, 503][Math.floor(random() * 3)] ?? 200;
      // spread over every bucket, on bucket bounds too (le is inclusive), and past the last one
      const seconds = random() < 0.05 ? (BUCKETS[Math.floor(random() * BUCKETS.length)] ?? 1) : random() ** 4 * 20;
      ours.record(route, status, seconds);
      reference.observe({ method: route.method, route: route.route, status: String(status) }, seconds);
    }
    const key = (sample: { metricName?: string; labels: object }) =>
      `${sample.metricName} ${JSON.stringify(Object.entries(sample.labels).sort())}`;
    const byKey = (values: { metricName?: string; labels: object; value: number }[]) =>
      new Map(values.map((sample) => [key(sample), sample.value]));
    const expected = byKey((await reference.get()).values);
    const actual = byKey(ours.get().values);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, value] of expected) expect(actual.get(name), name).toBeCloseTo(value, 9);
  });

  it('prints in the Prometheus text format through a registry, and one route registered twice is one series', async () => {
    const registry = new client.Registry();
    const histogram = new RouteLatencyHistogram('latency_seconds', 'request latency', [0.1, 1]);
    registry.registerMetric(histogram as unknown as client.Metric);
    histogram.record(histogram.route('get', '/x'), 200, 0.05);
    histogram.record(histogram.route('GET', '/x'), 200, 0.5);
    expect(await registry.metrics()).toBe(
      [
        '# HELP latency_seconds request latency',
        '# TYPE latency_seconds histogram',
        'latency_seconds_bucket{le="0.1",method="GET",route="/x",status="200"} 1',
        'latency_seconds_bucket{le="1",method="GET",route="/x",status="200"} 2',
        'latency_seconds_bucket{le="+Inf",method="GET",route="/x",status="200"} 2',
        'latency_seconds_sum{method="GET",route="/x",status="200"} 0.55',
        'latency_seconds_count{method="GET",route="/x",status="200"} 2',
        '',
      ].join('\n'),
    );
    registry.resetMetrics();
    expect(histogram.get().values).toEqual([]);
  });

  it('sums across workers like a prom-client histogram', async () => {
    const worker = () => {
      const histogram = new RouteLatencyHistogram('latency_seconds', 'help', [0.1]);
      histogram.record(histogram.route('get', '/x'), 200, 0.05);
      return histogram.get();
    };
    const merged = client.AggregatorRegistry.aggregate([[worker()], [worker()]] as unknown as Parameters<
      typeof client.AggregatorRegistry.aggregate
    >[0]);
    expect(await merged.metrics()).toContain('latency_seconds_count{method="GET",route="/x",status="200"} 2');
  });
});
