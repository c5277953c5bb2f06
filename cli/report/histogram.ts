// Latency histograms: HDR (3 significant digits) over integer microseconds, so percentiles stay within 0.1 %
// of k6's own while memory stays fixed however many samples arrive, and histograms from split runs add up.
import * as hdr from 'hdr-histogram-js';
import type { LatencyStats } from './model.ts';

/** A latency distribution in milliseconds: HDR counts plus the exact count, sum, min and max. */
export class LatencyHistogram {
  private readonly histogram: hdr.Histogram;
  count = 0;
  sumMs = 0;
  minMs = Number.POSITIVE_INFINITY;
  maxMs = Number.NEGATIVE_INFINITY;

  constructor(histogram?: hdr.Histogram) {
    this.histogram = histogram ?? hdr.build({ bitBucketSize: 32, numberOfSignificantValueDigits: 3, autoResize: true });
  }

  record(ms: number): void {
    this.count += 1;
    this.sumMs += ms;
    if (ms < this.minMs) this.minMs = ms;
    if (ms > this.maxMs) this.maxMs = ms;
    this.histogram.recordValue(ms <= 0 ? 0 : Math.round(ms * 1000));
  }

  merge(other: LatencyHistogram): void {
    this.count += other.count;
    this.sumMs += other.sumMs;
    this.minMs = Math.min(this.minMs, other.minMs);
    this.maxMs = Math.max(this.maxMs, other.maxMs);
    this.histogram.add(other.histogram);
  }

  /** Percentile in ms, clamped to the exact min/max so HDR's bucket rounding never reports beyond them. */
  percentile(p: number): number {
    const value = this.histogram.getValueAtPercentile(p) / 1000;
    return Math.min(this.maxMs, Math.max(this.minMs, value));
  }

  stats(): LatencyStats | undefined {
    if (this.count === 0) return undefined;
    return {
      avg: this.sumMs / this.count,
      min: this.minMs,
      med: this.percentile(50),
      p90: this.percentile(90),
      p95: this.percentile(95),
      p99: this.percentile(99),
      max: this.maxMs,
    };
  }

  toSnapshot(): LatencySnapshot {
    return { count: this.count, sumMs: this.sumMs, minMs: this.minMs, maxMs: this.maxMs, hdr: hdr.encodeIntoCompressedBase64(this.histogram) };
  }

  static fromSnapshot(snapshot: LatencySnapshot): LatencyHistogram {
    const restored = new LatencyHistogram(hdr.decodeFromCompressedBase64(snapshot.hdr, 32, false));
    restored.count = snapshot.count;
    restored.sumMs = snapshot.sumMs;
    restored.minMs = snapshot.minMs ?? Number.POSITIVE_INFINITY;
    restored.maxMs = snapshot.maxMs ?? Number.NEGATIVE_INFINITY;
    return restored;
  }
}

/** Structured-clone friendly form (worker threads); infinities survive structured clone. */
export interface LatencySnapshot {
  count: number;
  sumMs: number;
  minMs: number;
  maxMs: number;
  hdr: string;
}
