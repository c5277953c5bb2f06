// Latency histograms: HDR (3 significant digits) over integer microseconds, so percentiles stay within 0.1 %
// of k6's own while memory stays fixed however many samples arrive, and histograms from split runs add up.
import * as hdr from 'hdr-histogram-js';
import type { LatencyBin, LatencyStats } from './model.ts';

/** Quantiles read to draw the distribution: each stands for 1/QUANTILE_STEPS of the requests. */
const QUANTILE_STEPS = 400;

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

  /**
   * The distribution in `bins` log-spaced bins from min to max. HDR-js cannot walk its buckets, so counts come
   * from 400 quantiles: each bin's count is within 0.25 % of the requests (enough to draw, not to quote).
   */
  distribution(bins = 40): LatencyBin[] {
    if (this.count === 0) return [];
    const low = Math.max(this.minMs, 0.001);
    const high = Math.max(this.maxMs, low * 1.001);
    const ratio = (high / low) ** (1 / bins);
    const result = Array.from({ length: bins }, (_, i) => ({ fromMs: low * ratio ** i, toMs: low * ratio ** (i + 1), count: 0 }));
    for (let step = 1; step <= QUANTILE_STEPS; step += 1) {
      const value = this.percentile((100 * (step - 0.5)) / QUANTILE_STEPS);
      const index = Math.min(bins - 1, Math.max(0, Math.floor(Math.log(Math.max(value, low) / low) / Math.log(ratio))));
      const bin = result[index];
      if (bin) bin.count += this.count / QUANTILE_STEPS;
    }
    return result.map((bin) => ({ ...bin, count: Math.round(bin.count) }));
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
