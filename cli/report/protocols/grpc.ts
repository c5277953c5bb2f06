// gRPC calls (k6/net/grpc) by method: the `name` tag k6 sets to /package.Service/Method. k6 emits one
// grpc_req_duration sample per call with the call's status code, so that one metric gives the count, the
// statuses and the latency. Mergeable like the rest.
import { LatencyHistogram, type LatencySnapshot } from '../histogram.ts';
import type { GrpcMethodStats } from '../model.ts';
import { entryOf } from '../../shared/maps.ts';

export const GRPC_METRIC = 'grpc_req_duration';

/** The status codes of the gRPC spec (doc/statuscodes.md), by number. */
const CODE_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

/** `5` → `5 NOT_FOUND`; a code k6 did not get (no status tag) stays as it is. */
export function grpcStatusLabel(code: string): string {
  const name = CODE_NAMES[Number(code)];
  return code !== '' && name ? `${code} ${name}` : code;
}

export interface GrpcSnapshot {
  latency: LatencySnapshot;
  statuses: [string, number][];
}

class Calls {
  readonly latency = new LatencyHistogram();
  readonly statuses = new Map<string, number>();

  merge(other: Calls): void {
    this.latency.merge(other.latency);
    for (const [status, count] of other.statuses) this.statuses.set(status, (this.statuses.get(status) ?? 0) + count);
  }

  stats(method: string, durationS: number): GrpcMethodStats {
    const statuses = [...this.statuses]
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([status, count]) => ({ status: grpcStatusLabel(status), count, expected: status === '0' ? count : 0 }));
    const requests = this.latency.count;
    return {
      method,
      requests,
      rps: durationS > 0 ? requests / durationS : undefined,
      failed: requests - (this.statuses.get('0') ?? 0),
      statuses,
      latency: this.latency.stats(),
    };
  }
}

export class GrpcTraffic {
  get size(): number {
    return this.byMethod.size;
  }

  private readonly byMethod = new Map<string, Calls>();

  add(value: number, method: string, status: string | undefined): void {
    const calls = this.calls(method);
    calls.latency.record(value);
    const code = status ?? '';
    calls.statuses.set(code, (calls.statuses.get(code) ?? 0) + 1);
  }

  private calls(method: string): Calls {
    return entryOf(this.byMethod, method, () => new Calls());
  }

  merge(other: GrpcTraffic): void {
    for (const [method, calls] of other.byMethod) this.calls(method).merge(calls);
  }

  toSnapshot(): [string, GrpcSnapshot][] {
    return [...this.byMethod].map(([method, calls]) => [
      method,
      { latency: calls.latency.toSnapshot(), statuses: [...calls.statuses] },
    ]);
  }

  static fromSnapshot(snapshot: [string, GrpcSnapshot][]): GrpcTraffic {
    const traffic = new GrpcTraffic();
    for (const [method, s] of snapshot) {
      const calls = traffic.calls(method);
      calls.latency.merge(LatencyHistogram.fromSnapshot(s.latency));
      for (const [status, count] of s.statuses) calls.statuses.set(status, count);
    }
    return traffic;
  }

  /** Per method, and the totals over all methods (what k6's summary shows); undefined when there was none. */
  stats(durationS: number): { byMethod: GrpcMethodStats[]; totals: GrpcMethodStats } | undefined {
    if (this.byMethod.size === 0) return undefined;
    const all = new Calls();
    for (const calls of this.byMethod.values()) all.merge(calls);
    const byMethod = [...this.byMethod]
      .map(([method, calls]) => calls.stats(method, durationS))
      .sort((a, b) => a.method.localeCompare(b.method));
    return { byMethod, totals: all.stats('all methods', durationS) };
  }
}
