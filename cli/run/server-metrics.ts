// The server side of a run: every Prometheus endpoint that is known (the embedded or targeted reference API's
// /metrics, and any --metrics-url) scraped once a second into server-metrics.ndjson, one line per scrape holding
// the latest values of every source, so consecutive lines always compare like with like.
import { join } from 'node:path';
import { finiteSamples, scrapeLoop, type PrometheusSamples } from '../observe/prometheus.ts';
import { openLog } from '../k6/process.ts';
import { RunFiles, type ServerMetricsSample } from '../shared/run-dir.ts';

export interface MetricsSource {
  url: string;
  /** an `instance` label for its series (the host:port of --metrics-url sources); none for loadctl's own API */
  instance?: string;
}

/** Process CPU, as prom-client and the Prometheus client libraries name it (summed over a source's series). */
const CPU_METRIC = 'process_cpu_seconds_total';

export function metricsUrlSource(url: string): MetricsSource {
  return { url, instance: new URL(url).host };
}

/** `name{a="b"}` → `name{instance="…",a="b"}` */
export function withInstance(samples: PrometheusSamples, instance: string | undefined): PrometheusSamples {
  if (!instance) return samples;
  const label = `instance="${instance.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return Object.fromEntries(
    Object.entries(samples).map(([key, value]) => {
      const brace = key.indexOf('{');
      return [brace < 0 ? `${key}{${label}}` : `${key.slice(0, brace + 1)}${label},${key.slice(brace + 1)}`, value];
    }),
  );
}

export interface ServerMetricsRecorder {
  /** stops scraping, closes the file; the cores the scraped servers used on average, when they export their CPU */
  stop(): Promise<{ serverCores?: number }>;
}

export function recordServerMetrics(
  sources: readonly MetricsSource[],
  runDir: string,
  info: (line: string) => void,
): ServerMetricsRecorder {
  if (sources.length === 0) return { stop: async () => ({}) };
  const file = openLog(join(runDir, RunFiles.serverMetrics));
  const latest = new Map<MetricsSource, PrometheusSamples>();
  const cpu: { first?: [number, number]; last?: [number, number] } = {};
  const loops = sources.map((source) => {
    let failures = 0;
    return scrapeLoop(
      source.url,
      1000,
      (t, samples) => {
        latest.set(source, withInstance(finiteSamples(samples), source.instance));
        const line: ServerMetricsSample = { t, values: Object.assign({}, ...latest.values()) };
        const seconds = Object.entries(line.values).reduce(
          (sum, [key, value]) => (key.split('{')[0] === CPU_METRIC ? sum + value : sum),
          0,
        );
        if (latest.size === sources.length && Object.keys(line.values).some((key) => key.startsWith(CPU_METRIC))) {
          cpu.first ??= [t, seconds];
          cpu.last = [t, seconds];
        }
        file.write(`${JSON.stringify(line)}\n`);
      },
      {
        onError: (error) =>
          failures++ === 0 && info(`could not sample ${source.url} (${error.message}); continuing without its metrics`),
      },
    );
  });
  return {
    async stop() {
      await Promise.all(loops.map((loop) => loop.stop()));
      await new Promise((done) => file.end(done));
      const { first, last } = cpu;
      return {
        serverCores:
          first && last && last[0] > first[0] ? (last[1] - first[1]) / ((last[0] - first[0]) / 1000) : undefined,
      };
    },
  };
}
