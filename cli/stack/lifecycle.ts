// The embedded stack's lifecycle: up (start, or reuse a healthy recorded stack), down and status. It runs
// its own redis-server and PostgreSQL on free ports, the schema and seed data, and the reference API — or
// uses an external Redis/PostgreSQL given by REDIS_URL / DATABASE_URL, never signalled — and Prometheus with
// the exporters it scrapes (monitoring.ts), or an external one (PROMETHEUS_URL). Everything a later
// command needs to find or stop it is in <stateDir>/state.json.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import type { SeedInput } from '../../reference-api/src/db/index.ts';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { freePort } from '../shared/ports.ts';
import type { ServiceState, StackState } from '../shared/stack-state.ts';
import { serviceStatus, type ServiceStatus } from './health.ts';
import {
  launchApi,
  now,
  onFreePort,
  reservedApi,
  useOrLaunchPostgres,
  useOrLaunchRedis,
  type Progress,
} from './launch.ts';
import { layoutOf, type Layout, type ServiceName } from './layout.ts';
import { startMonitoring, type MonitoringOptions } from './monitoring.ts';
import { terminate } from './processes.ts';
import { API_ENTRY } from './services.ts';
import { withStartLock } from './start-lock.ts';
import {
  ForeignStateError,
  parseStackState,
  readStackState,
  resolveStateDir,
  stateFilePath,
  writeStackState,
} from './state-file.ts';
import { stackProcesses, STOP_ORDER, stopServices, type StoppedService } from './stopping.ts';

export const DEFAULT_API_WORKERS = 2;

export interface UpOptions extends MonitoringOptions {
  stateDir?: string;
  /** API worker processes (default 2) */
  apiWorkers?: number;
  /** start the API (default true). Without it state.api only reserves a port and token: see apiEnv(). */
  withApi?: boolean;
  /** extra environment for the API (HOLD_TTL_SECONDS, QUEUE_ACTIVE_CAPACITY, LOG_LEVEL …) */
  env?: Record<string, string>;
  /** sizes handed to the API's seed(); its defaults when omitted */
  seedSizes?: SeedInput;
  /** use this Redis instead of starting one (default: $REDIS_URL); it is never signalled */
  redisUrl?: string;
  /** use this PostgreSQL database instead of starting one (default: $DATABASE_URL); it is never signalled */
  databaseUrl?: string;
  /** start Prometheus and the exporters, or use $PROMETHEUS_URL (default true) */
  withMonitoring?: boolean;
  /** one line per step, for the CLI's progress output */
  onProgress?: Progress;
}

/**
 * Bring the stack up and wait until every part answers. Idempotent: a healthy stack recorded in the
 * state dir is reused as it is; a stale one (crashed, killed, half-dead) is cleaned up first.
 */
export async function up(opts: UpOptions = {}): Promise<StackState> {
  const stateDir = resolveStateDir(opts.stateDir);
  const progress = opts.onProgress ?? (() => undefined);
  mkdirSync(stateDir, { recursive: true });
  // Two `loadctl run`s at once both call up(): the second waits and then reuses what the first started.
  return withStartLock(stateDir, progress, () => startOrReuse(stateDir, opts, progress));
}

async function startOrReuse(stateDir: string, opts: UpOptions, progress: Progress): Promise<StackState> {
  const startedAt = Date.now();
  const reusable = await reusableStack(stateDir, opts, progress);
  if (reusable) return reusable;
  const state = await startFresh(stateDir, opts, progress);
  progress(`stack is up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (state: ${stateFilePath(stateDir)})`);
  return state;
}

/** The recorded stack when its core answers; a stale or incomplete one is stopped (→ undefined). */
async function reusableStack(stateDir: string, opts: UpOptions, progress: Progress): Promise<StackState | undefined> {
  const existing = readStateOrDiscard(stateDir, progress);
  if (!existing) return undefined;
  const withApi = opts.withApi ?? true;
  const report = await status(stateDir);
  // Replica and toxiproxy are on-demand extras; the stack is reusable when its core answers.
  const withMonitoring = opts.withMonitoring ?? true;
  const core = ['redis', 'postgres', ...(withApi ? ['api'] : []), ...(withMonitoring ? ['prometheus'] : [])];
  const wanted = report.services.filter((service) => core.includes(service.name));
  if (wanted.every((service) => service.healthy)) {
    const workers =
      opts.apiWorkers !== undefined && opts.apiWorkers !== existing.api.workers
        ? ` (its API has ${existing.api.workers} workers; \`loadctl down\` first to change that)`
        : '';
    progress(`stack already running in ${stateDir} — reusing it${workers}`);
    return existing;
  }
  const broken = wanted.filter((service) => !service.healthy).map((service) => `${service.name}: ${service.detail}`);
  progress(`the recorded stack is stale or incomplete (${broken.join('; ')}) — replacing it`);
  await down(stateDir);
  return undefined;
}

/** A corrupt state file describes nothing we may signal: report it and start over. */
function readStateOrDiscard(stateDir: string, progress: Progress): StackState | undefined {
  try {
    return readStackState(stateDir);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    progress(`${error.message} Discarding it.`);
    rmSync(stateFilePath(stateDir), { force: true });
    return undefined;
  }
}

/** Start every core service in a fresh state dir and record them; on failure stop whatever was started. */
async function startFresh(stateDir: string, opts: UpOptions, progress: Progress): Promise<StackState> {
  const withApi = opts.withApi ?? true;
  if (withApi && !existsSync(API_ENTRY)) {
    throw new UserError(
      `the reference API is missing (${API_ENTRY}).`,
      'pull the latest main; the API lives in reference-api/',
      ExitCode.environment,
    );
  }
  await stopLeftovers(stateDir, progress);
  const layout = layoutOf(stateDir);
  prepareStateDir(layout);
  const started: Partial<Record<ServiceName, ServiceState>> = {};
  const interruption = stopStartOnInterrupt(stateDir, progress);
  try {
    started.redis = await useOrLaunchRedis(opts.redisUrl ?? process.env.REDIS_URL, layout, progress);
    started.postgres = await useOrLaunchPostgres(opts.databaseUrl ?? process.env.DATABASE_URL, layout, progress);
    await migrateAndSeed(started.postgres.url, opts.seedSizes, progress);
    const base: StackState = {
      version: 1,
      stateDir,
      createdAt: now(),
      redis: started.redis,
      postgres: started.postgres,
      api: reservedApi(await freePort(), opts.apiWorkers ?? DEFAULT_API_WORKERS, layout),
    };
    const state = withApi
      ? await onFreePort(stateDir, 'api', (port) => launchApi(base, port, opts.env, layout, progress))
      : base;
    started.api = state.api;
    const monitoring =
      (opts.withMonitoring ?? true)
        ? await startMonitoring(state, withApi, monitoringOptions(opts), layout, progress)
        : {};
    Object.assign(started, monitoring);
    const withMonitoringState: StackState = { ...state, ...monitoring };
    writeStackState(withMonitoringState);
    return withMonitoringState;
  } catch (error) {
    // Interrupted: the signal handler is already stopping everything and will exit; the step that just
    // failed did so because of it, so there is nothing to report.
    if (interruption.happened()) return new Promise<never>(() => undefined);
    await stopServices(stateDir, started);
    // A process that never became ready (timed out) is not in `started`; it is still this stack's.
    await terminate(stackProcesses(stateDir));
    throw error;
  } finally {
    interruption.stopListening();
  }
}

function monitoringOptions(opts: UpOptions): MonitoringOptions {
  return { prometheusUrl: opts.prometheusUrl ?? process.env.PROMETHEUS_URL, alertRules: opts.alertRules };
}

/**
 * Processes of an earlier stack in this dir that no state file records (a start-up that crashed, a
 * discarded state file) would lose their data dirs: stop them first. Identity-checked like any signal.
 */
async function stopLeftovers(stateDir: string, progress: Progress): Promise<void> {
  const leftovers = stackProcesses(stateDir);
  if (leftovers.length === 0) return;
  progress(`stopping ${leftovers.length} leftover process(es) of an earlier stack in ${stateDir}`);
  await terminate(leftovers);
}

/** Fresh data dirs and logs; the dir is world-traversable so the `postgres` user can reach its data. */
function prepareStateDir(layout: Layout): void {
  mkdirSync(layout.stateDir, { recursive: true });
  mkdirSync(layout.pgHome, { recursive: true });
  if (process.getuid?.() === 0) for (const dir of new Set([layout.stateDir, layout.pgHome])) chmodSync(dir, 0o755);
  const fresh = [
    layout.logsDir,
    layout.redisDir,
    layout.prometheusDir,
    layout.postgres.dataDir,
    layout.replica.dataDir,
    layout.postgres.socketDir,
  ];
  for (const dir of fresh) {
    rmSync(dir, { recursive: true, force: true });
  }
  // faults recorded against a stack that is gone would be "recovered" against this one
  rmSync(layout.faultsFile, { force: true });
  mkdirSync(layout.logsDir, { recursive: true });
}

/**
 * Ctrl-C mid-start: nothing is recorded yet, so stop what this start-up launched — found by identity,
 * which also catches a process spawned but not yet ready — and exit.
 */
function stopStartOnInterrupt(
  stateDir: string,
  progress: Progress,
): { happened: () => boolean; stopListening: () => void } {
  let interrupted = false;
  const onInterrupt = (signal: NodeJS.Signals) => {
    interrupted = true;
    progress(`${signal}: stopping what was started`);
    // The step in flight loses its connections as we stop the services; that is expected, not a crash.
    process.on('uncaughtException', () => undefined);
    void terminate(stackProcesses(stateDir)).finally(() => process.exit(ExitCode.interrupted));
  };
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  return {
    happened: () => interrupted,
    stopListening: () => {
      process.removeListener('SIGINT', onInterrupt);
      process.removeListener('SIGTERM', onInterrupt);
    },
  };
}

async function migrateAndSeed(
  databaseUrl: string,
  seedSizes: SeedInput | undefined,
  progress: Progress,
): Promise<void> {
  // Loaded only here, so status/down never pay for the API's database code.
  const db = await import('../../reference-api/src/db/index.ts');
  progress('applying migrations and seed data');
  await db.migrate(databaseUrl);
  await db.seed(databaseUrl, seedSizes);
}

export interface DownResult {
  stateDir: string;
  /** false when there was no state file */
  hadStack: boolean;
  stopped: StoppedService[];
  /** processes of this stack no state file recorded (a start-up that crashed), stopped as well */
  leftovers: number[];
}

/**
 * Stop every process the stack started (recorded PIDs whose /proc identity matches, and their process
 * groups) and remove the state file. Works when any of them was already killed, and also stops
 * unrecorded processes that carry this state dir's identity.
 */
export async function down(stateDir?: string): Promise<DownResult> {
  const dir = resolveStateDir(stateDir);
  const file = stateFilePath(dir);
  const hadStack = existsSync(file);
  const state = hadStack ? readStateForDown(file, dir) : undefined;
  const stopped = state ? await stopServices(dir, state) : [];
  const leftovers = stackProcesses(dir);
  await terminate(leftovers);
  rmSync(file, { force: true });
  return { stateDir: dir, hadStack, stopped, leftovers };
}

/** The state to stop; undefined when the file is unreadable — it then names no PID we could verify. */
function readStateForDown(file: string, stateDir: string): StackState | undefined {
  try {
    return parseStackState(JSON.parse(readFileSync(file, 'utf8')), stateDir);
  } catch (error) {
    if (error instanceof ForeignStateError) throw error;
    return undefined;
  }
}

export interface StackStatus {
  stateDir: string;
  state?: StackState;
  services: ServiceStatus[];
}

/** Each recorded service: is the process ours and alive, does it answer, since when, where it logs. */
export async function status(stateDir?: string): Promise<StackStatus> {
  const dir = resolveStateDir(stateDir);
  const state = readStackState(dir);
  if (!state) return { stateDir: dir, services: [] };
  const recorded = STOP_ORDER.slice()
    .reverse()
    .flatMap((name) => {
      const service = state[name];
      return service ? [[name, service] as const] : [];
    });
  const services = await Promise.all(recorded.map(([name, service]) => serviceStatus(dir, name, service)));
  return { stateDir: dir, state, services };
}
