// k6 prints sizes in SI units (`119 MB`, `354 kB/s`) and large counts sometimes with k/M suffixes. These parse
// them back to numbers (bytes and plain counts); its durations (`312µs`, `1m2.5s`) are scenarios/lib/durations.ts.

const sizeUnitBytes: Record<string, number> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };

/** `119 MB` → 119e6 (k6 uses SI units); `1.2 MB/s` → 1.2e6 per second. */
export function parseSizeBytes(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(B|kB|KB|MB|GB|TB)(?:\/s)?$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (sizeUnitBytes[match[2] ?? ''] ?? Number.NaN);
}

const countSuffix: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9 };

/** `184272`, `1.2k`, `3M`, `1,917.4`, `1917.416667/s` → number. */
export function parseCount(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)([kKMG]?)(?:\/s)?$/.exec(text.trim().replaceAll(',', ''));
  if (!match) return undefined;
  return Number(match[1]) * (countSuffix[match[2] ?? ''] ?? Number.NaN);
}

/** `99.98%` → 0.9998 */
export function parsePercent(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
  return match ? Number(match[1]) / 100 : undefined;
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms === 0) return '0';
  if (ms < 1) return `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 0)} µs`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function formatCount(value: number | undefined, fractionDigits = 0): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits });
}

export function formatPercent(ratio: number | undefined, fractionDigits = 2): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return '—';
  return `${(ratio * 100).toFixed(fractionDigits)} %`;
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}
