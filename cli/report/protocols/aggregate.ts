// The non-HTTP protocols of a raw stream — Web Vitals, WebSockets, gRPC — as one part of the Aggregate:
// run totals here, and the per-time-slice part (ProtocolBucket) that the timeline buckets carry.
// (Browser page requests are HTTP traffic and go through the Aggregate's own request path.)
import { LatencyHistogram, type LatencySnapshot } from '../histogram.ts';
import type { ReportModel, TimelineBucket } from '../model.ts';
import { VITAL_METRICS, WebVitalSamples, type WebVitalSnapshot } from './browser.ts';
import { GRPC_METRIC, GrpcTraffic, type GrpcSnapshot } from './grpc.ts';
import { WEBSOCKET_METRICS, WebSocketTraffic, type WebSocketSnapshot } from './websocket.ts';

/** The metrics this module reads, for the raw scanner's list of metrics worth parsing. */
export const PROTOCOL_METRICS = [...VITAL_METRICS, ...WEBSOCKET_METRICS, GRPC_METRIC];

export interface ProtocolTags {
  name?: string;
  url?: string;
  status?: string;
}

export interface ProtocolBucketSnapshot {
  wsSent: number;
  wsReceived: number;
  wsConnecting?: LatencySnapshot;
  grpc?: LatencySnapshot;
}

/**
 * One time slice's WebSocket messages and connect times, and gRPC calls. Its histograms exist only once a
 * sample needs them: an HTTP-only run has hundreds of buckets and no use for them.
 */
export class ProtocolBucket {
  wsSent = 0;
  wsReceived = 0;
  wsConnecting: LatencyHistogram | undefined;
  grpc: LatencyHistogram | undefined;

  recordWsConnecting(ms: number): void {
    this.wsConnecting ??= new LatencyHistogram();
    this.wsConnecting.record(ms);
  }

  recordGrpc(ms: number): void {
    this.grpc ??= new LatencyHistogram();
    this.grpc.record(ms);
  }

  merge(other: ProtocolBucket): void {
    this.wsSent += other.wsSent;
    this.wsReceived += other.wsReceived;
    this.wsConnecting = withAdded(this.wsConnecting, other.wsConnecting);
    this.grpc = withAdded(this.grpc, other.grpc);
  }

  /** Only what the run had: an HTTP-only run's timeline stays as it was. */
  timelineFields(run: ProtocolAggregate): Partial<TimelineBucket> {
    return {
      ...(run.hasWebSockets
        ? { wsSent: this.wsSent, wsReceived: this.wsReceived, wsConnectP95: this.wsConnecting?.percentile(95) }
        : {}),
      ...(run.hasGrpc ? { grpcRequests: this.grpc?.count ?? 0, grpcP95: this.grpc?.percentile(95) } : {}),
    };
  }

  toSnapshot(): ProtocolBucketSnapshot {
    const { wsSent, wsReceived, wsConnecting, grpc } = this;
    return { wsSent, wsReceived, wsConnecting: wsConnecting?.toSnapshot(), grpc: grpc?.toSnapshot() };
  }

  static fromSnapshot(s: ProtocolBucketSnapshot): ProtocolBucket {
    const bucket = new ProtocolBucket();
    bucket.wsSent = s.wsSent;
    bucket.wsReceived = s.wsReceived;
    if (s.wsConnecting) bucket.wsConnecting = LatencyHistogram.fromSnapshot(s.wsConnecting);
    if (s.grpc) bucket.grpc = LatencyHistogram.fromSnapshot(s.grpc);
    return bucket;
  }
}

/** `mine` with `other` added into it, created when `other` has something to add and it did not exist yet. */
function withAdded(mine?: LatencyHistogram, other?: LatencyHistogram): LatencyHistogram | undefined {
  if (!other) return mine;
  const into = mine ?? new LatencyHistogram();
  into.merge(other);
  return into;
}

export interface ProtocolSnapshot {
  vitals: WebVitalSnapshot;
  websockets: [string, WebSocketSnapshot][];
  grpc: [string, GrpcSnapshot][];
}

const UNNAMED = '(untagged)';

export class ProtocolAggregate {
  private vitals = new WebVitalSamples();
  private websockets = new WebSocketTraffic();
  private grpc = new GrpcTraffic();

  get hasWebSockets(): boolean {
    return this.websockets.size > 0;
  }

  get hasGrpc(): boolean {
    return this.grpc.size > 0;
  }

  /** One sample of a PROTOCOL_METRICS metric, and its share of the time slice it fell in. */
  add(metric: string, value: number, tags: ProtocolTags, bucket: ProtocolBucket): void {
    if (metric === GRPC_METRIC) {
      this.grpc.add(value, tags.name ?? UNNAMED, tags.status);
      bucket.recordGrpc(value);
    } else if (WEBSOCKET_METRICS.includes(metric)) {
      this.websockets.add(metric, value, tags.name ?? tags.url ?? UNNAMED, tags.status);
      if (metric === 'ws_msgs_sent') bucket.wsSent += value;
      else if (metric === 'ws_msgs_received') bucket.wsReceived += value;
      else if (metric === 'ws_connecting') bucket.recordWsConnecting(value);
    } else this.vitals.add(metric, value, tags.url ?? tags.name);
  }

  merge(other: ProtocolAggregate): void {
    this.vitals.merge(other.vitals);
    this.websockets.merge(other.websockets);
    this.grpc.merge(other.grpc);
  }

  /** The report's protocol sections; each is absent when the run had no such traffic. */
  model(durationS: number): Pick<ReportModel, 'webVitals' | 'websockets' | 'websocketTotals' | 'grpc' | 'grpcTotals'> {
    const websockets = this.websockets.stats(durationS);
    const grpc = this.grpc.stats(durationS);
    return {
      webVitals: this.vitals.stats(),
      websockets: websockets?.byName,
      websocketTotals: websockets?.totals,
      grpc: grpc?.byMethod,
      grpcTotals: grpc?.totals,
    };
  }

  toSnapshot(): ProtocolSnapshot {
    return { vitals: this.vitals.toSnapshot(), websockets: this.websockets.toSnapshot(), grpc: this.grpc.toSnapshot() };
  }

  static fromSnapshot(s: ProtocolSnapshot): ProtocolAggregate {
    const aggregate = new ProtocolAggregate();
    aggregate.vitals = WebVitalSamples.fromSnapshot(s.vitals);
    aggregate.websockets = WebSocketTraffic.fromSnapshot(s.websockets);
    aggregate.grpc = GrpcTraffic.fromSnapshot(s.grpc);
    return aggregate;
  }
}
