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

/**
 * k6's own rendering of a number: at most `digits` decimals, truncated (not rounded) and without trailing
 * zeros, so a figure k6 printed as `p(95)=175.69ms` reads 175.69 here too. toPrecision first: 16.92 × 100 is
 * 1691.999… in binary and must not truncate to 16.91.
 */
export function k6Decimals(value: number, digits = 2): string {
  const scale = 10 ** digits;
  return String(Math.trunc(Number((value * scale).toPrecision(12))) / scale);
}

/** A duration as k6 prints it in its summary (`262.76 µs`, `16.92 ms`, `1.31 s`, `1m2s`), with a space before the unit. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms === 0) return '0';
  if (ms < 0) return `-${formatMs(-ms)}`;
  if (ms < 0.001) return `${Math.trunc(ms * 1e6)} ns`;
  if (ms < 1) return `${k6Decimals(ms * 1000)} µs`;
  if (ms < 1000) return `${k6Decimals(ms)} ms`;
  if (ms < 60_000) return `${k6Decimals(ms / 1000)} s`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = Math.trunc((ms % 60_000) / 1000);
  return `${hours > 0 ? `${hours}h` : ''}${minutes}m${seconds}s`;
}

export function formatCount(value: number | undefined, fractionDigits = 0): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: fractionDigits,
    maximumFractionDigits: fractionDigits,
  });
}

/**
 * A ratio as a percentage, truncated like k6 (`1.21 %` for 5 of 410) with at least `fractionDigits` decimals
 * and, below 1 %, as many as three significant digits need: 36 of 184,272 is 0.0195 %, not 0.01 or 0.02.
 */
export function formatPercent(ratio: number | undefined, fractionDigits = 2): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return '—';
  const percent = ratio * 100;
  const magnitude = percent === 0 ? 0 : Math.floor(Math.log10(Math.abs(percent)));
  const digits = Math.max(fractionDigits, magnitude < 0 ? 2 - magnitude : 0);
  const [whole, fraction = ''] = k6Decimals(percent, digits).split('.');
  const padded = fraction.padEnd(fractionDigits, '0');
  return `${whole}${padded ? `.${padded}` : ''} %`;
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
