// Streaming aggregation of k6 samples: per endpoint (`name` tag), scenario, status and time bucket. Memory is
// bounded by the number of distinct names and by MAX_BUCKETS, never by the number of samples, and two
// aggregates merge exactly (counts add, histograms add), so split runs become one report.
import { CustomMetrics, type CustomMetricsSnapshot, isBuiltinMetric } from './custom-metrics.ts';
import { LatencyHistogram, type LatencySnapshot } from './histogram.ts';
import type {
  CheckResult,
  EndpointStats,
  EndpointTimeline,
  LatencyBin,
  Overview,
  ScenarioStats,
  StatusCount,
  TimelineBucket,
  TrafficStats,
} from './model.ts';
import { BROWSER_REQUEST_METRIC } from './protocols/browser.ts';
import {
  PROTOCOL_METRICS,
  ProtocolAggregate,
  ProtocolBucket,
  type ProtocolBucketSnapshot,
  type ProtocolSnapshot,
} from './protocols/aggregate.ts';
import { entryOf } from '../shared/maps.ts';

/** The tags the report uses; everything else k6 attaches (proto, group…) is ignored. */
export interface SampleTags {
  name?: string;
  /** k6/browser tags page requests and Web Vitals with the page's url (and no name) */
  url?: string;
  scenario?: string;
  status?: string;
  expected_response?: string;
  check?: string;
  /** k6 tags setup() and teardown() samples with group ::setup / ::teardown (and no scenario) */
  group?: string;
}

/** Requests of setup() and teardown(): counted apart on the timeline so they do not read as the test's load. */
const isSetupTraffic = (tags: SampleTags) => tags.group === '::setup' || tags.group === '::teardown';

/** One endpoint's requests in one time bucket: enough for its mean and max over time at a few numbers each. */
interface EndpointSlice {
  count: number;
  sumMs: number;
  maxMs: number;
}

/** More buckets than this and the bucket width doubles: a long soak still charts in bounded memory. */
export const MAX_BUCKETS = 360;

class Traffic {
  readonly latency = new LatencyHistogram();
  failed = 0;
  readonly statuses = new Map<string, { count: number; expected: number }>();

  record(ms: number, status: string, failed: boolean, expected: boolean): void {
    this.latency.record(ms);
    if (failed) this.failed += 1;
    const entry = entryOf(this.statuses, status, newStatusCount);
    entry.count += 1;
    if (expected) entry.expected += 1;
  }

  merge(other: Traffic): void {
    this.latency.merge(other.latency);
    this.failed += other.failed;
    for (const [status, entry] of other.statuses) {
      const mine = this.statuses.get(status);
      if (mine) {
        mine.count += entry.count;
        mine.expected += entry.expected;
      } else this.statuses.set(status, { ...entry });
    }
  }

  stats(durationS: number): TrafficStats {
    const requests = this.latency.count;
    return {
      requests,
      rps: durationS > 0 ? requests / durationS : undefined,
      failed: this.failed,
      errorRate: requests > 0 ? this.failed / requests : 0,
      latency: this.latency.stats(),
      statuses: statusList(this.statuses),
    };
  }

  toSnapshot(): TrafficSnapshot {
    return {
      latency: this.latency.toSnapshot(),
      failed: this.failed,
      statuses: [...this.statuses].map(([status, e]) => ({ status, ...e })),
    };
  }

  static fromSnapshot(snapshot: TrafficSnapshot): Traffic {
    const traffic = new Traffic();
    traffic.latency.merge(LatencyHistogram.fromSnapshot(snapshot.latency));
    traffic.failed = snapshot.failed;
    for (const { status, count, expected } of snapshot.statuses) traffic.statuses.set(status, { count, expected });
    return traffic;
  }
}

interface TrafficSnapshot {
  latency: LatencySnapshot;
  failed: number;
  statuses: StatusCount[];
}

function statusList(statuses: Map<string, { count: number; expected: number }>): StatusCount[] {
  return [...statuses]
    .map(([status, e]) => ({ status, count: e.count, expected: e.expected }))
    .sort((a, b) => a.status.localeCompare(b.status));
}

class ScenarioTraffic extends Traffic {
  iterations = 0;
  dropped = 0;
  readonly iterationDuration = new LatencyHistogram();
}

const newTraffic = (): Traffic => new Traffic();
const newScenarioTraffic = (): ScenarioTraffic => new ScenarioTraffic();
const newStatusCount = (): { count: number; expected: number } => ({ count: 0, expected: 0 });
const newCheckCount = (): { passes: number; fails: number } => ({ passes: 0, fails: 0 });

class Bucket {
  readonly latency = new LatencyHistogram();
  failed = 0;
  expectedNon2xx = 0;
  iterations = 0;
  dropped = 0;
  vus: number | undefined;
  protocols = new ProtocolBucket();
  setupRequests = 0;
  readonly endpoints = new Map<string, EndpointSlice>();

  merge(other: Bucket): void {
    this.protocols.merge(other.protocols);
    this.latency.merge(other.latency);
    this.setupRequests += other.setupRequests;
    for (const [name, slice] of other.endpoints) this.recordEndpoint(name, slice.sumMs, slice.maxMs, slice.count);
    this.failed += other.failed;
    this.expectedNon2xx += other.expectedNon2xx;
    this.iterations += other.iterations;
    this.dropped += other.dropped;
    if (other.vus !== undefined) this.vus = Math.max(this.vus ?? 0, other.vus);
  }

  recordEndpoint(name: string, sumMs: number, maxMs: number, count = 1): void {
    const slice = this.endpoints.get(name);
    if (!slice) this.endpoints.set(name, { count, sumMs, maxMs });
    else {
      slice.count += count;
      slice.sumMs += sumMs;
      if (maxMs > slice.maxMs) slice.maxMs = maxMs;
    }
  }
}

const UNNAMED = '(untagged)';

export class Aggregate {
  firstMs = Number.POSITIVE_INFINITY;
  lastMs = Number.NEGATIVE_INFINITY;
  readonly overall = new Traffic();
  readonly endpoints = new Map<string, Traffic>();
  readonly scenarios = new Map<string, ScenarioTraffic>();
  readonly iterationDuration = new LatencyHistogram();
  iterations = 0;
  dropped = 0;
  vusMax: number | undefined;
  dataReceived = 0;
  dataSent = 0;
  readonly checks = new Map<string, { passes: number; fails: number }>();
  /** threshold expressions declared in the stream's Metric lines (their verdicts live in the summary) */
  readonly declaredThresholds = new Map<string, string[]>();
  /** sub-metrics the stream lists: k6 makes them for thresholds, but writes their expressions nowhere in it */
  readonly declaredSubmetrics = new Set<string>();
  protocols = new ProtocolAggregate();
  custom = new CustomMetrics();
  /** lines that were not k6 JSON (a damaged or spliced file): skipped and counted, the first one named */
  unreadable: { lines: number; first?: string } = { lines: 0 };
  /** why the stream ended early (a truncated gzip), when it did */
  truncated: string | undefined;
  bucketWidthS = 1;
  private buckets = new Map<number, Bucket>();
  private minBucket = Number.POSITIVE_INFINITY;
  private maxBucket = Number.NEGATIVE_INFINITY;

  /** One k6 sample. Metrics the report does not use are ignored here, not by the caller. */
  add(metric: string, timeMs: number, value: number, tags: SampleTags): void {
    switch (metric) {
      // a page request Chromium made (k6/browser) is a request like any other
      case BROWSER_REQUEST_METRIC:
      case 'http_req_duration': {
        this.seen(timeMs);
        const status = tags.status ?? '0';
        // k6 sets expected_response on every HTTP sample unless the script removed the response callback;
        // then fall back to the usual reading of the status code.
        const expected =
          tags.expected_response !== undefined ? tags.expected_response === 'true' : isSuccessStatus(status);
        const failed = !expected;
        this.overall.record(value, status, failed, expected);
        this.endpoint(tags.name ?? tags.url ?? UNNAMED).record(value, status, failed, expected);
        this.scenario(tags.scenario).record(value, status, failed, expected);
        const bucket = this.bucket(timeMs);
        if (isSetupTraffic(tags)) {
          bucket.setupRequests += 1;
          return;
        }
        bucket.latency.record(value);
        bucket.recordEndpoint(tags.name ?? UNNAMED, value, value);
        if (failed) bucket.failed += 1;
        else if (!status.startsWith('2')) bucket.expectedNon2xx += 1;
        return;
      }
      case 'iterations':
        this.seen(timeMs);
        this.iterations += value;
        this.scenario(tags.scenario).iterations += value;
        this.bucket(timeMs).iterations += value;
        return;
      case 'iteration_duration':
        this.iterationDuration.record(value);
        this.scenario(tags.scenario).iterationDuration.record(value);
        return;
      case 'dropped_iterations':
        this.seen(timeMs);
        this.dropped += value;
        this.scenario(tags.scenario).dropped += value;
        this.bucket(timeMs).dropped += value;
        return;
      case 'vus': {
        this.seen(timeMs);
        const bucket = this.bucket(timeMs);
        bucket.vus = Math.max(bucket.vus ?? 0, value);
        return;
      }
      case 'vus_max':
        this.vusMax = Math.max(this.vusMax ?? 0, value);
        return;
      // Chromium's traffic (k6/browser) is data in and out like k6's own
      case 'browser_data_received':
      case 'data_received':
        this.dataReceived += value;
        return;
      case 'browser_data_sent':
      case 'data_sent':
        this.dataSent += value;
        return;
      case 'checks': {
        const name = tags.check ?? UNNAMED;
        const entry = entryOf(this.checks, name, newCheckCount);
        if (value !== 0) entry.passes += 1;
        else entry.fails += 1;
        return;
      }
      default:
        if (PROTOCOL_METRICS.includes(metric)) {
          this.seen(timeMs);
          this.protocols.add(metric, value, tags, this.bucket(timeMs).protocols);
        } else if (!isBuiltinMetric(metric)) this.custom.add(metric, timeMs, value);
        return;
    }
  }

  declareThresholds(metric: string, expressions: string[]): void {
    if (expressions.length > 0) this.declaredThresholds.set(metric, expressions);
  }

  /** A line that is not k6 output: the report goes on without it and says how many there were. */
  skipLine(where: string, problem: string): void {
    this.unreadable.lines += 1;
    this.unreadable.first ??= `${where}: ${problem}`;
  }

  private seen(timeMs: number): void {
    if (timeMs < this.firstMs) this.firstMs = timeMs;
    if (timeMs > this.lastMs) this.lastMs = timeMs;
  }

  private endpoint(name: string): Traffic {
    return entryOf(this.endpoints, name, newTraffic);
  }

  private scenario(name: string | undefined): ScenarioTraffic {
    const key = name ?? 'default';
    return entryOf(this.scenarios, key, newScenarioTraffic);
  }

  private bucket(timeMs: number): Bucket {
    // Buckets are aligned to absolute time, so aggregates of split runs line up bucket for bucket.
    const index = Math.floor(timeMs / (this.bucketWidthS * 1000));
    let bucket = this.buckets.get(index);
    if (!bucket) {
      bucket = new Bucket();
      this.buckets.set(index, bucket);
      if (index < this.minBucket) this.minBucket = index;
      if (index > this.maxBucket) this.maxBucket = index;
      if (this.maxBucket - this.minBucket + 1 > MAX_BUCKETS) {
        while (this.maxBucket - this.minBucket + 1 > MAX_BUCKETS) this.coarsen(this.bucketWidthS * 2);
        return this.bucket(timeMs);
      }
    }
    return bucket;
  }

  private coarsen(widthS: number): void {
    const factor = widthS / this.bucketWidthS;
    const previous = this.buckets;
    this.buckets = new Map();
    this.bucketWidthS = widthS;
    this.minBucket = Number.POSITIVE_INFINITY;
    this.maxBucket = Number.NEGATIVE_INFINITY;
    for (const [index, bucket] of previous) this.mergeBucket(Math.floor(index / factor), bucket);
  }

  private mergeBucket(index: number, bucket: Bucket): void {
    const mine = this.buckets.get(index);
    if (mine) mine.merge(bucket);
    else this.buckets.set(index, bucket);
    this.minBucket = Math.min(this.minBucket, index);
    this.maxBucket = Math.max(this.maxBucket, index);
  }

  /** Adds another aggregate into this one (split runs, worker threads). */
  merge(other: Aggregate): void {
    this.firstMs = Math.min(this.firstMs, other.firstMs);
    this.lastMs = Math.max(this.lastMs, other.lastMs);
    this.overall.merge(other.overall);
    for (const [name, traffic] of other.endpoints) this.endpoint(name).merge(traffic);
    for (const [name, traffic] of other.scenarios) {
      const mine = this.scenario(name);
      mine.merge(traffic);
      mine.iterations += traffic.iterations;
      mine.dropped += traffic.dropped;
      mine.iterationDuration.merge(traffic.iterationDuration);
    }
    this.iterationDuration.merge(other.iterationDuration);
    this.iterations += other.iterations;
    this.dropped += other.dropped;
    if (other.vusMax !== undefined) this.vusMax = Math.max(this.vusMax ?? 0, other.vusMax);
    this.dataReceived += other.dataReceived;
    this.dataSent += other.dataSent;
    for (const [name, entry] of other.checks) {
      const mine = this.checks.get(name);
      if (mine) {
        mine.passes += entry.passes;
        mine.fails += entry.fails;
      } else this.checks.set(name, { ...entry });
    }
    for (const [metric, expressions] of other.declaredThresholds) this.declaredThresholds.set(metric, expressions);
    for (const name of other.declaredSubmetrics) this.declaredSubmetrics.add(name);
    this.protocols.merge(other.protocols);
    this.custom.merge(other.custom);
    this.unreadable = {
      lines: this.unreadable.lines + other.unreadable.lines,
      first: this.unreadable.first ?? other.unreadable.first,
    };
    this.truncated ??= other.truncated;
    const width = Math.max(this.bucketWidthS, other.bucketWidthS);
    if (width > this.bucketWidthS) this.coarsen(width);
    const factor = width / other.bucketWidthS;
    for (const [index, bucket] of other.buckets) {
      const copy = new Bucket();
      copy.merge(bucket);
      this.mergeBucket(Math.floor(index / factor), copy);
    }
    while (this.maxBucket - this.minBucket + 1 > MAX_BUCKETS) this.coarsen(this.bucketWidthS * 2);
  }

  get durationS(): number {
    return this.lastMs > this.firstMs ? (this.lastMs - this.firstMs) / 1000 : 0;
  }

  /** `durationS` divides counts into rates: k6's test run duration where known, else the samples' span. */
  overview(durationS = this.durationS): Overview {
    const checks = [...this.checks.values()].reduce(
      (sum, c) => ({ passes: sum.passes + c.passes, fails: sum.fails + c.fails }),
      { passes: 0, fails: 0 },
    );
    return {
      ...this.overall.stats(durationS),
      durationS,
      iterations: this.iterations,
      iterationRate: durationS > 0 ? this.iterations / durationS : undefined,
      droppedIterations: this.dropped,
      iterationDuration: this.iterationDuration.stats(),
      vusMax: this.vusMax,
      dataReceivedBytes: this.dataReceived,
      dataSentBytes: this.dataSent,
      checks: this.checks.size > 0 ? checks : undefined,
    };
  }

  endpointStats(durationS = this.durationS): EndpointStats[] {
    return [...this.endpoints]
      .map(([name, traffic]) => ({ name, ...traffic.stats(durationS) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  scenarioStats(durationS = this.durationS): ScenarioStats[] {
    return [...this.scenarios]
      .map(([name, traffic]) => ({
        name,
        ...traffic.stats(durationS),
        iterations: traffic.iterations,
        iterationRate: durationS > 0 ? traffic.iterations / durationS : undefined,
        droppedIterations: traffic.dropped,
        iterationDuration: traffic.iterationDuration.stats(),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  statusStats(): StatusCount[] {
    return statusList(this.overall.statuses);
  }

  checkResults(): CheckResult[] {
    return [...this.checks].map(([name, c]) => ({ name, ...c })).sort((a, b) => a.name.localeCompare(b.name));
  }

  timeline(): TimelineBucket[] {
    if (this.buckets.size === 0 || !Number.isFinite(this.firstMs)) return [];
    const widthMs = this.bucketWidthS * 1000;
    const result: TimelineBucket[] = [];
    for (let index = this.minBucket; index <= this.maxBucket; index += 1) {
      const bucket = this.buckets.get(index) ?? new Bucket();
      const fromMs = Math.max(index * widthMs, this.firstMs);
      const toMs = Math.min((index + 1) * widthMs, Math.max(this.lastMs, fromMs + 1));
      const latency = bucket.latency.count > 0 ? bucket.latency : undefined;
      result.push({
        startS: (fromMs - this.firstMs) / 1000,
        // the first and last buckets are partial: rates use the time they really cover
        widthS: Math.max(toMs - fromMs, 1) / 1000,
        requests: bucket.latency.count,
        failed: bucket.failed,
        expectedNon2xx: bucket.expectedNon2xx,
        med: latency?.percentile(50),
        p95: latency?.percentile(95),
        p99: latency?.percentile(99),
        iterations: bucket.iterations,
        dropped: bucket.dropped,
        vus: bucket.vus,
        ...bucket.protocols.timelineFields(this.protocols),
        ...(bucket.setupRequests > 0 ? { setupRequests: bucket.setupRequests } : {}),
      });
    }
    return result;
  }

  /** Web Vitals, WebSockets and gRPC: absent sections when the run had none. */
  protocolSections(durationS = this.durationS): ReturnType<ProtocolAggregate['model']> {
    return this.protocols.model(durationS);
  }

  /** Per endpoint, its mean and max latency per time bucket (the test's load, setup() apart). */
  endpointTimeline(): EndpointTimeline[] {
    const timeline = this.timeline();
    return [...this.endpoints.keys()]
      .sort()
      .map((name) => ({
        name,
        points: timeline.flatMap((slot, offset) => {
          const slice = this.buckets.get(this.minBucket + offset)?.endpoints.get(name);
          return slice
            ? [
                {
                  startS: slot.startS,
                  widthS: slot.widthS,
                  requests: slice.count,
                  avg: slice.sumMs / slice.count,
                  max: slice.maxMs,
                },
              ]
            : [];
        }),
      }))
      .filter((endpoint) => endpoint.points.length > 0);
  }

  /** The whole run's latency distribution in log-spaced bins. */
  latencyDistribution(): LatencyBin[] {
    return this.overall.latency.distribution();
  }

  toSnapshot(): AggregateSnapshot {
    return {
      firstMs: this.firstMs,
      lastMs: this.lastMs,
      overall: this.overall.toSnapshot(),
      endpoints: [...this.endpoints].map(([name, t]) => [name, t.toSnapshot()]),
      scenarios: [...this.scenarios].map(([name, t]) => [
        name,
        {
          traffic: t.toSnapshot(),
          iterations: t.iterations,
          dropped: t.dropped,
          iterationDuration: t.iterationDuration.toSnapshot(),
        },
      ]),
      iterationDuration: this.iterationDuration.toSnapshot(),
      iterations: this.iterations,
      dropped: this.dropped,
      vusMax: this.vusMax,
      dataReceived: this.dataReceived,
      dataSent: this.dataSent,
      checks: [...this.checks],
      declaredThresholds: [...this.declaredThresholds],
      declaredSubmetrics: [...this.declaredSubmetrics],
      protocols: this.protocols.toSnapshot(),
      custom: this.custom.toSnapshot(),
      unreadable: this.unreadable,
      truncated: this.truncated,
      bucketWidthS: this.bucketWidthS,
      buckets: [...this.buckets].map(([index, b]) => [
        index,
        {
          latency: b.latency.toSnapshot(),
          failed: b.failed,
          expectedNon2xx: b.expectedNon2xx,
          iterations: b.iterations,
          dropped: b.dropped,
          vus: b.vus,
          protocols: b.protocols.toSnapshot(),
          setupRequests: b.setupRequests,
          endpoints: [...b.endpoints],
        },
      ]),
    };
  }

  static fromSnapshot(s: AggregateSnapshot): Aggregate {
    const aggregate = new Aggregate();
    aggregate.firstMs = s.firstMs;
    aggregate.lastMs = s.lastMs;
    aggregate.overall.merge(Traffic.fromSnapshot(s.overall));
    for (const [name, t] of s.endpoints) aggregate.endpoint(name).merge(Traffic.fromSnapshot(t));
    for (const [name, t] of s.scenarios) {
      const scenario = aggregate.scenario(name);
      scenario.merge(Traffic.fromSnapshot(t.traffic));
      scenario.iterations = t.iterations;
      scenario.dropped = t.dropped;
      scenario.iterationDuration.merge(LatencyHistogram.fromSnapshot(t.iterationDuration));
    }
    aggregate.iterationDuration.merge(LatencyHistogram.fromSnapshot(s.iterationDuration));
    aggregate.iterations = s.iterations;
    aggregate.dropped = s.dropped;
    aggregate.vusMax = s.vusMax;
    aggregate.dataReceived = s.dataReceived;
    aggregate.dataSent = s.dataSent;
    for (const [name, c] of s.checks) aggregate.checks.set(name, { ...c });
    for (const [metric, expressions] of s.declaredThresholds) aggregate.declaredThresholds.set(metric, expressions);
    for (const name of s.declaredSubmetrics) aggregate.declaredSubmetrics.add(name);
    aggregate.protocols = ProtocolAggregate.fromSnapshot(s.protocols);
    aggregate.custom = CustomMetrics.fromSnapshot(s.custom);
    aggregate.unreadable = { ...s.unreadable };
    aggregate.truncated = s.truncated;
    aggregate.bucketWidthS = s.bucketWidthS;
    for (const [index, b] of s.buckets) {
      const bucket = new Bucket();
      bucket.latency.merge(LatencyHistogram.fromSnapshot(b.latency));
      Object.assign(bucket, {
        failed: b.failed,
        expectedNon2xx: b.expectedNon2xx,
        iterations: b.iterations,
        dropped: b.dropped,
        vus: b.vus,
        setupRequests: b.setupRequests,
      });
      bucket.protocols = ProtocolBucket.fromSnapshot(b.protocols);
      for (const [name, slice] of b.endpoints) bucket.endpoints.set(name, { ...slice });
      aggregate.mergeBucket(index, bucket);
    }
    return aggregate;
  }
}

function isSuccessStatus(status: string): boolean {
  const code = Number(status);
  return code >= 200 && code < 400;
}

export interface AggregateSnapshot {
  firstMs: number;
  lastMs: number;
  overall: TrafficSnapshot;
  endpoints: [string, TrafficSnapshot][];
  scenarios: [
    string,
    { traffic: TrafficSnapshot; iterations: number; dropped: number; iterationDuration: LatencySnapshot },
  ][];
  iterationDuration: LatencySnapshot;
  iterations: number;
  dropped: number;
  vusMax: number | undefined;
  dataReceived: number;
  dataSent: number;
  checks: [string, { passes: number; fails: number }][];
  declaredThresholds: [string, string[]][];
  declaredSubmetrics: string[];
  protocols: ProtocolSnapshot;
  custom: CustomMetricsSnapshot;
  unreadable: { lines: number; first?: string };
  truncated: string | undefined;
  bucketWidthS: number;
  buckets: [
    number,
    {
      latency: LatencySnapshot;
      failed: number;
      expectedNon2xx: number;
      iterations: number;
      dropped: number;
      vus: number | undefined;
      protocols: ProtocolBucketSnapshot;
      setupRequests: number;
      endpoints: [string, EndpointSlice][];
    },
  ][];
}
