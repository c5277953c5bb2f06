// Server-side signals beside k6's: the API's /metrics samples (server-metrics.ndjson) reduced to the series a
// reader needs next to latency: cache hit ratio, pool waiting, event-loop lag and RSS. Metric names are
// matched by pattern so the report survives renames in the API's instrumentation.
import { ServerMetricsSample } from '../shared/run-dir.ts';
import type { ServerSignal } from './model.ts';
import { ReportInputError } from './inputs/input-error.ts';

function sumMatching(values: Record<string, number>, pattern: RegExp): number | undefined {
  let total: number | undefined;
  for (const [key, value] of Object.entries(values))
    if (pattern.test(key.split('{')[0] ?? '')) total = (total ?? 0) + value;
  return total;
}

export function parseServerMetrics(text: string, file: string): ServerMetricsSample[] {
  return text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), index }))
    .filter(({ line }) => line !== '')
    .map(({ line, index }) => {
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new ReportInputError(file, `line ${index + 1}`, 'not valid JSON; expected {"t":…,"values":{…}}');
      }
      const parsed = ServerMetricsSample.safeParse(json);
      if (!parsed.success)
        throw new ReportInputError(
          file,
          `line ${index + 1}`,
          'expected {"t": number, "values": {"name{labels}": number}}',
        );
      return parsed.data;
    });
}

/** `startMs` is the first k6 sample, so both sides share one time axis. */
export function serverSignals(samples: ServerMetricsSample[], startMs: number | undefined): ServerSignal[] {
  if (samples.length === 0) return [];
  const toMs = (t: number) => (t < 1e11 ? t * 1000 : t);
  const origin = startMs ?? toMs(samples[0]?.t ?? 0);
  const at = (sample: ServerMetricsSample) => (toMs(sample.t) - origin) / 1000;
  const signals: ServerSignal[] = [];
  const ratio: ServerSignal = { id: 'cache-hit-ratio', title: 'Cache hit ratio', unit: '%', points: [] };
  for (let i = 1; i < samples.length; i += 1) {
    const [prev, cur] = [samples[i - 1], samples[i]];
    if (!prev || !cur) continue;
    const hits =
      (sumMatching(cur.values, /cache.*hits?(_total)?$/) ?? 0) -
      (sumMatching(prev.values, /cache.*hits?(_total)?$/) ?? 0);
    const misses =
      (sumMatching(cur.values, /cache.*miss(es)?(_total)?$/) ?? 0) -
      (sumMatching(prev.values, /cache.*miss(es)?(_total)?$/) ?? 0);
    if (hits + misses > 0) ratio.points.push({ tS: at(cur), value: (100 * hits) / (hits + misses) });
  }
  signals.push(ratio);
  const gauges: [ServerSignal['id'], string, string, RegExp, number][] = [
    ['pool-waiting', 'DB pool waiting clients', 'clients', /pool.*wait/, 1],
    ['event-loop-lag', 'Event-loop lag', 'ms', /event_?loop_?lag(_seconds)?$/, 1000],
    ['rss', 'Resident memory', 'MB', /resident_memory_bytes$|_rss_bytes$/, 1e-6],
  ];
  for (const [id, title, unit, pattern, scale] of gauges) {
    const points = samples.flatMap((s) => {
      const value = sumMatching(s.values, pattern);
      return value === undefined ? [] : [{ tS: at(s), value: value * scale }];
    });
    signals.push({ id, title, unit, points });
  }
  return signals.filter((s) => s.points.length > 0);
}
