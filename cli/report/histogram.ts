// Latency histograms: HDR (3 significant digits) over integer microseconds, so percentiles stay within 0.1 %
// of k6's own while memory stays fixed however many samples arrive, and histograms from split runs add up.
// Small distributions also keep their samples: there HDR's nearest rank can sit far from k6's interpolated
// percentile (p95 of 50 samples), so up to EXACT_SAMPLES the figures are k6's own, computed k6's way.
import * as hdr from 'hdr-histogram-js';
import type { LatencyBin, LatencyStats } from './model.ts';

/** Quantiles read to draw the distribution: each stands for 1/QUANTILE_STEPS of the requests. */
const QUANTILE_STEPS = 400;

/** Up to this many samples a histogram also keeps them, for percentiles exactly as k6 computes them. */
export const EXACT_SAMPLES = 2048;

/**
 * k6's trend percentile: on the sorted samples, rank (p / 100) × (n − 1), linearly interpolated between the
 * two closest ranks (TrendSink.P in k6's metrics package). The operations run in k6's order, fraction first:
 * (n − 1) × p / 100 rounds differently in the last bit, and k6's figures are to be matched exactly.
 */
export function k6Percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const below = sorted[Math.floor(rank)] ?? Number.NaN;
  const above = sorted[Math.ceil(rank)] ?? Number.NaN;
  return below + (above - below) * (rank - Math.floor(rank));
}

/** A latency distribution in milliseconds: HDR counts plus the exact count, sum, min and max. */
export class LatencyHistogram {
  private readonly histogram: hdr.Histogram;
  count = 0;
  sumMs = 0;
  minMs = Number.POSITIVE_INFINITY;
  maxMs = Number.NEGATIVE_INFINITY;
  /** every sample while there are at most EXACT_SAMPLES, then undefined for good */
  private samples: number[] | undefined = [];
  private sorted = true;

  constructor(histogram?: hdr.Histogram) {
    this.histogram = histogram ?? hdr.build({ bitBucketSize: 32, numberOfSignificantValueDigits: 3, autoResize: true });
  }

  record(ms: number): void {
    this.count += 1;
    this.sumMs += ms;
    if (ms < this.minMs) this.minMs = ms;
    if (ms > this.maxMs) this.maxMs = ms;
    this.histogram.recordValue(ms <= 0 ? 0 : Math.round(ms * 1000));
    if (this.samples) {
      if (this.count > EXACT_SAMPLES) this.samples = undefined;
      else {
        this.samples.push(ms);
        this.sorted = false;
      }
    }
  }

  private keep(more: readonly number[] | undefined): void {
    if (!this.samples) return;
    if (!more || this.count > EXACT_SAMPLES) {
      this.samples = undefined;
      return;
    }
    this.samples.push(...more);
    this.sorted = false;
  }

  merge(other: LatencyHistogram): void {
    this.count += other.count;
    this.sumMs += other.sumMs;
    this.minMs = Math.min(this.minMs, other.minMs);
    this.maxMs = Math.max(this.maxMs, other.maxMs);
    this.histogram.add(other.histogram);
    this.keep(other.samples);
  }

  /** Percentile in ms, clamped to the exact min/max so HDR's bucket rounding never reports beyond them. */
  percentile(p: number): number {
    if (this.samples && this.samples.length > 0) {
      if (!this.sorted) {
        this.samples.sort((a, b) => a - b);
        this.sorted = true;
      }
      return k6Percentile(this.samples, p);
    }
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
    const result = Array.from({ length: bins }, (_, i) => ({
      fromMs: low * ratio ** i,
      toMs: low * ratio ** (i + 1),
      count: 0,
    }));
    for (let step = 1; step <= QUANTILE_STEPS; step += 1) {
      const value = this.percentile((100 * (step - 0.5)) / QUANTILE_STEPS);
      const index = Math.min(bins - 1, Math.max(0, Math.floor(Math.log(Math.max(value, low) / low) / Math.log(ratio))));
      const bin = result[index];
      if (bin) bin.count += this.count / QUANTILE_STEPS;
    }
    return result.map((bin) => ({ ...bin, count: Math.round(bin.count) }));
  }

  toSnapshot(): LatencySnapshot {
    return {
      count: this.count,
      sumMs: this.sumMs,
      minMs: this.minMs,
      maxMs: this.maxMs,
      hdr: hdr.encodeIntoCompressedBase64(this.histogram),
      samples: this.samples,
    };
  }

  static fromSnapshot(snapshot: LatencySnapshot): LatencyHistogram {
    const restored = new LatencyHistogram(hdr.decodeFromCompressedBase64(snapshot.hdr, 32, false));
    restored.count = snapshot.count;
    restored.sumMs = snapshot.sumMs;
    restored.minMs = snapshot.minMs ?? Number.POSITIVE_INFINITY;
    restored.maxMs = snapshot.maxMs ?? Number.NEGATIVE_INFINITY;
    restored.samples = snapshot.samples ? [...snapshot.samples] : undefined;
    restored.sorted = false;
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
  samples?: number[];
}
