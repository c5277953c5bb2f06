// Least-squares line through (t, value) points: the soak test's measure of drift (RSS slope) and the
// steadiness of p95. Pure, so the numbers a soak prints can be checked by hand.
export interface Trend {
  /** value units per second */
  slopePerS: number;
  intercept: number;
  /** coefficient of determination: how much of the variation the line explains (0…1) */
  r2: number;
  points: number;
}

export function linearTrend(points: readonly { t: number; value: number }[]): Trend {
  const n = points.length;
  if (n < 2) return { slopePerS: 0, intercept: points[0]?.value ?? 0, r2: 0, points: n };
  const meanT = points.reduce((sum, p) => sum + p.t, 0) / n;
  const meanV = points.reduce((sum, p) => sum + p.value, 0) / n;
  let covariance = 0;
  let varianceT = 0;
  let varianceV = 0;
  for (const p of points) {
    covariance += (p.t - meanT) * (p.value - meanV);
    varianceT += (p.t - meanT) ** 2;
    varianceV += (p.value - meanV) ** 2;
  }
  const slopePerS = varianceT === 0 ? 0 : covariance / varianceT;
  const r2 = varianceT === 0 || varianceV === 0 ? 0 : (covariance * covariance) / (varianceT * varianceV);
  return { slopePerS, intercept: meanV - slopePerS * meanT, r2, points: n };
}

/** The q-quantile (0…1) of the values, by linear interpolation between closest ranks. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return (sorted[low] ?? 0) + ((sorted[high] ?? 0) - (sorted[low] ?? 0)) * (at - low);
}

/**
 * The lowest value in each window of `windowS` seconds, at the window's start. RSS saws up and down with
 * garbage collection; its floor (what is left after a collection) is what a leak raises, so a line
 * through the floors measures drift with far less noise than a line through every sample.
 */
export function windowFloors(
  points: readonly { t: number; value: number }[],
  windowS: number,
): { t: number; value: number }[] {
  const floors = new Map<number, number>();
  for (const { t, value } of points) {
    const window = Math.floor(t / windowS) * windowS;
    floors.set(window, Math.min(floors.get(window) ?? Number.POSITIVE_INFINITY, value));
  }
  return [...floors].sort(([a], [b]) => a - b).map(([t, value]) => ({ t, value }));
}
