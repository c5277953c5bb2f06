// The stack's monitoring: Prometheus (Debian's `prometheus`) scraping the API, and Redis and PostgreSQL
// through their exporters, each on a free port and owned like the other services; or an external
// Prometheus given by PROMETHEUS_URL (queried, never signalled, and left to scrape what it scrapes).
// Prometheus also receives k6's metrics (remote-write receiver) and evaluates the runbooks' alert rules.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import type { ServiceState, StackState } from '../shared/stack-state.ts';
import { findExecutable } from '../toolchain/executables.ts';
import { externalService, now, onFreePort, type Progress } from './launch.ts';
import type { Layout } from './layout.ts';
import { launchDetached, waitUntilReady } from './processes.ts';
import { httpOk } from './services.ts';
import { readStackState } from './state-file.ts';

/** Scrape and rule evaluation interval: a signal must be able to fire within the drills' 10 s bar. */
export const SCRAPE_INTERVAL = '1s';

export type Monitoring = Pick<StackState, 'prometheus' | 'redisExporter' | 'postgresExporter'>;

export interface MonitoringOptions {
  /** use this Prometheus instead of starting one (default: $PROMETHEUS_URL) */
  prometheusUrl?: string;
  /** Prometheus alerting rules (YAML) the stack's Prometheus evaluates: the runbooks' alerts */
  alertRules?: string;
}

/**
 * Start the exporters and Prometheus for a stack whose Redis, PostgreSQL and API are known. Nothing when
 * Prometheus is not installed: the rest of the stack works without it (`npm run setup` installs it).
 */
export async function startMonitoring(
  state: StackState,
  withApi: boolean,
  opts: MonitoringOptions,
  layout: Layout,
  progress: Progress,
): Promise<Monitoring> {
  if (opts.prometheusUrl) {
    const prometheus = externalService(opts.prometheusUrl.replace(/\/+$/, ''), 'PROMETHEUS_URL', 9090);
    progress(`using external Prometheus at ${prometheus.url}`);
    const probe = () => httpOk(`${prometheus.url}/-/ready`);
    await waitUntilReady({ name: `Prometheus at ${prometheus.url}`, timeoutMs: 10_000, probe });
    return { prometheus };
  }
  const binaries = {
    prometheus: findExecutable('prometheus'),
    redis: findExecutable('prometheus-redis-exporter'),
    postgres: findExecutable('prometheus-postgres-exporter'),
  };
  if (!binaries.prometheus || !binaries.redis || !binaries.postgres) {
    progress('Prometheus or an exporter is not installed (`npm run setup` installs them): starting without monitoring');
    return {};
  }
  mkdirSync(layout.prometheusDir, { recursive: true });
  // The exporters are independent of each other: started side by side to keep `up` short.
  const [redisExporter, postgresExporter] = await Promise.all([
    launchExporter(layout, 'redisExporter', binaries.redis, (address) => ({
      args: ['-redis.addr', state.redis.url, '-web.listen-address', address, '-redis-only-metrics'],
    })),
    launchExporter(layout, 'postgresExporter', binaries.postgres, (address) => ({
      args: [`--web.listen-address=${address}`, '--log.level=warn'],
      env: { DATA_SOURCE_NAME: `${state.postgres.url}?sslmode=disable` },
    })),
  ]);
  const targets = { api: withApi ? state.api : undefined, redisExporter, postgresExporter };
  const prometheus = await onFreePort(layout.stateDir, 'prometheus', async (port) => {
    progress(`starting Prometheus on port ${port} (scrapes every ${SCRAPE_INTERVAL})`);
    writePrometheusConfig(layout, targets, opts.alertRules);
    const pid = await launchDetached({
      name: 'Prometheus',
      command: binaries.prometheus as string,
      args: [
        `--config.file=${join(layout.prometheusDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(layout.prometheusDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-remote-write-receiver',
        '--storage.tsdb.retention.time=1d',
        '--log.level=warn',
      ],
      cwd: layout.prometheusDir,
      logFile: layout.logs.prometheus,
      stateDir: layout.stateDir,
    });
    const url = `http://127.0.0.1:${port}`;
    const probe = () => httpOk(`${url}/-/ready`);
    await waitUntilReady({ name: 'Prometheus', pid, logFile: layout.logs.prometheus, timeoutMs: 30_000, probe });
    return ownedService(pid, port, layout.logs.prometheus, layout.prometheusDir);
  });
  return { prometheus, redisExporter, postgresExporter };
}

function ownedService(pid: number, port: number, logFile: string, dataDir?: string): ServiceState {
  const url = `http://127.0.0.1:${port}`;
  return { pid, host: '127.0.0.1', port, url, logFile, dataDir, owned: true, startedAt: now() };
}

async function launchExporter(
  layout: Layout,
  name: 'redisExporter' | 'postgresExporter',
  command: string,
  invocation: (address: string) => { args: string[]; env?: Record<string, string> },
): Promise<ServiceState> {
  return onFreePort(layout.stateDir, name, async (port) => {
    const { args, env } = invocation(`127.0.0.1:${port}`);
    const logFile = layout.logs[name];
    const pid = await launchDetached({ name, command, args, env, logFile, stateDir: layout.stateDir });
    await waitUntilReady({ name, pid, logFile, timeoutMs: 15_000, probe: () => httpOk(`http://127.0.0.1:${port}/`) });
    return ownedService(pid, port, logFile);
  });
}

/** prometheus.yml: one job per target (job names are what runbook expressions may select on). */
type ScrapeTargets = Record<'api' | 'redisExporter' | 'postgresExporter', ServiceState | undefined>;

function writePrometheusConfig(layout: Layout, targets: ScrapeTargets, alertRules: string | undefined): void {
  const rulesFile = join(layout.prometheusDir, 'rules.yml');
  rmSync(rulesFile, { force: true });
  if (alertRules) writeFileSync(rulesFile, alertRules);
  const job = (jobName: string, service: ServiceState | undefined, extra: Record<string, string> = {}) =>
    service
      ? [{ job_name: jobName, ...extra, static_configs: [{ targets: [`${service.host}:${service.port}`] }] }]
      : [];
  const config = {
    global: { scrape_interval: SCRAPE_INTERVAL, evaluation_interval: SCRAPE_INTERVAL, scrape_timeout: SCRAPE_INTERVAL },
    rule_files: alertRules ? [rulesFile] : [],
    scrape_configs: [
      // the API's /metrics aggregates every worker
      ...job('api', targets.api),
      ...job('redis', targets.redisExporter),
      // the exporter queries PostgreSQL on every scrape: every 2 s keeps its own load on the database low
      ...job('postgres', targets.postgresExporter, { scrape_interval: '2s', scrape_timeout: '2s' }),
    ],
  };
  writeFileSync(join(layout.prometheusDir, 'prometheus.yml'), stringify(config));
}

/** The Prometheus to query: the one given (flag, then $PROMETHEUS_URL), else the recorded stack's. */
export function resolvePrometheusUrl(explicit: string | undefined, stateDir?: string): string {
  const given = explicit ?? process.env.PROMETHEUS_URL;
  if (given) return given.replace(/\/+$/, '');
  const recorded = readStackState(stateDir)?.prometheus;
  if (!recorded) {
    const fix = 'start the stack with `loadctl up`, or pass --prometheus-url URL';
    throw new UserError('no Prometheus to ask: the stack has none.', fix, ExitCode.environment);
  }
  return recorded.url;
}
