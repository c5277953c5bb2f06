// Durations the way k6 writes and reads them (Go's time.ParseDuration): `500ms`, `90s`, `1m30s`, `1h0m0s`,
// `312µs`, or a bare `0`. The one grammar for the shapes' stages, --duration, runbook windows, the CLI's time
// options and the durations k6 prints in its text summary. Pure, with no node: imports: k6 runs it too.

// µ is U+00B5 in what k6 prints; U+03BC (Greek mu) is read too
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/g;

/** `1m2.5s` → 62500; undefined when the text is not one whole duration. */
export function parseDurationMs(text: string): number | undefined {
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text) === 0 ? 0 : undefined;
  const parts = [...text.matchAll(PART)];
  // the parts must tile the text: '10sx' or 'ten seconds' is no duration
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) return undefined;
  return parts.reduce((total, part) => total + Number(part[1]) * (UNIT_MS[part[2] ?? ''] ?? Number.NaN), 0);
}

/** Seconds in a duration; throws, naming the text, when it is not one. */
export function durationSeconds(text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined) throw new Error(`not a duration: '${text}' (use e.g. 30s, 5m, 1h)`);
  return ms / 1000;
}
