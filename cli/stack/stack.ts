// The embedded stack: its own redis-server and PostgreSQL on free ports, the schema and seed data, and
// the reference API — or external Redis/PostgreSQL given by REDIS_URL / DATABASE_URL, which are used
// but never signalled. Everything a later command needs to find or stop it is in <stateDir>/state.json.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { SeedInput } from '../../reference-api/src/db/index.ts';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { resolveToxiproxy } from '../toolchain/tools.ts';
import { freePort, SHARED_PORTS, waitForPortRelease } from '../shared/ports.ts';
import { createStackDatabase, pingPostgres, POSTGRES_EXECUTABLES, postgresHome, postgresUrl, startPostgresPrimary, startPostgresReplica, type PostgresLayout } from './postgres.ts';
import { findOurProcesses, isAlive, isOurProcess, stopGroup, terminate, waitUntilReady, type ProcessIdentity } from './processes.ts';
import {
  API_ENTRY,
  API_EXECUTABLES,
  httpOk,
  pingRedis,
  REDIS_EXECUTABLES,
  redisUrl,
  startApi,
  startRedis,
  startToxiproxyServer,
  TOXIPROXY_EXECUTABLES,
  type ApiEnv,
} from './services.ts';
import type { ServiceState, StackState } from '../shared/stack-state.ts';
import { ForeignStateError, parseStackState, readStackState, resolveStateDir, stateFilePath, writeStackState } from './state-file.ts';

export { readStackState, resolveStateDir } from './state-file.ts';

export const DEFAULT_API_WORKERS = 2;

export type ServiceName = 'redis' | 'postgres' | 'replica' | 'toxiproxy' | 'api';

export interface UpOptions {
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
  /** one line per step, for the CLI's progress output */
  onProgress?: (line: string) => void;
}

interface Layout {
  stateDir: string;
  logsDir: string;
  redisDir: string;
  /** the state dir, or where PostgreSQL's dirs go when the `postgres` user cannot reach it */
  pgHome: string;
  postgres: PostgresLayout;
  replica: PostgresLayout;
  logs: Record<ServiceName, string>;
}

function layoutOf(stateDir: string): Layout {
  const logsDir = join(stateDir, 'logs');
  const logs = {
    redis: join(logsDir, 'redis.log'),
    postgres: join(logsDir, 'postgres.log'),
    replica: join(logsDir, 'replica.log'),
    toxiproxy: join(logsDir, 'toxiproxy.log'),
    api: join(logsDir, 'api.log'),
  };
  const pgHome = postgresHome(stateDir);
  const socketDir = join(pgHome, 'sockets');
  return {
    stateDir,
    logsDir,
    redisDir: join(stateDir, 'redis'),
    pgHome,
    postgres: { dataDir: join(pgHome, 'pg'), socketDir, logFile: logs.postgres, stateDir },
    replica: { dataDir: join(pgHome, 'replica'), socketDir, logFile: logs.replica, stateDir },
    logs,
  };
}

/**
 * How each service's processes are recognised as ours — see isOurProcess. Derived from the state dir's
 * layout, never from paths a state file names, so a crafted state file cannot vouch for a foreign process.
 */
export function identityOf(stateDir: string, name: ServiceName): ProcessIdentity {
  const layout = layoutOf(stateDir);
  switch (name) {
    case 'redis':
      return { executables: REDIS_EXECUTABLES, stateDir, workDir: layout.redisDir };
    case 'postgres':
      return { executables: POSTGRES_EXECUTABLES, stateDir, workDir: layout.postgres.dataDir };
    case 'replica':
      return { executables: POSTGRES_EXECUTABLES, stateDir, workDir: layout.replica.dataDir };
    case 'toxiproxy':
      return { executables: TOXIPROXY_EXECUTABLES, stateDir };
    case 'api':
      return { executables: API_EXECUTABLES, stateDir };
  }
}

/** Every live process that is provably part of the stack in this state dir, recorded or not. */
function stackProcesses(stateDir: string): number[] {
  return findOurProcesses(STOP_ORDER.map((name) => identityOf(stateDir, name)));
}

/** SIGINT is PostgreSQL's fast shutdown (what `pg_ctl stop -m fast` sends); the others stop on SIGTERM. */
const STOP_POLICY: Record<ServiceName, { signal: NodeJS.Signals; graceMs: number }> = {
  api: { signal: 'SIGTERM', graceMs: 15_000 },
  toxiproxy: { signal: 'SIGTERM', graceMs: 5_000 },
  replica: { signal: 'SIGINT', graceMs: 30_000 },
  redis: { signal: 'SIGTERM', graceMs: 10_000 },
  postgres: { signal: 'SIGINT', graceMs: 30_000 },
};

/** Dependents first, so the API never sees its databases vanish while it still serves. */
const STOP_ORDER: readonly ServiceName[] = ['api', 'toxiproxy', 'replica', 'redis', 'postgres'];

function serviceOf(state: StackState, name: ServiceName): ServiceState | undefined {
  return state[name];
}

function now(): string {
  return new Date().toISOString();
}

function externalService(url: string, what: string): ServiceState {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`${what} is not a URL: ${url}`, `set it like ${what === 'REDIS_URL' ? 'redis://127.0.0.1:6380' : 'postgres://user@127.0.0.1:5433/booking'}`, ExitCode.badInput);
  }
  const defaultPort = parsed.protocol.startsWith('redis') ? 6379 : 5432;
  return { host: parsed.hostname, port: Number(parsed.port || defaultPort), url, owned: false, startedAt: now() };
}

/** The environment the reference API is (or would be) started with for this stack. */
export function apiEnv(state: StackState, extra: Record<string, string> = {}): ApiEnv {
  return {
    LOG_LEVEL: 'info',
    ...extra,
    HOST: state.api.host,
    PORT: String(state.api.port),
    REDIS_URL: state.redis.url,
    DATABASE_URL: state.postgres.url,
    ADMIN_TOKEN: state.api.adminToken,
    WORKERS: String(state.api.workers),
  };
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

const START_LOCK_WAIT_MS = 180_000;

async function withStartLock<T>(stateDir: string, progress: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  const lock = join(stateDir, 'up.lock');
  const deadline = Date.now() + START_LOCK_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = lockHolder(lock);
    if (holder === undefined) continue; // released between our attempt and this read
    if (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder)) {
      rmSync(lock, { force: true }); // left by a start-up that crashed
      continue;
    }
    if (Date.now() > deadline) {
      throw new UserError(`another \`loadctl up\` (PID ${holder}) has been starting the stack in ${stateDir} for minutes.`, `wait for it, or stop it and remove ${lock}`, ExitCode.environment);
    }
    if (!announced) progress(`another loadctl (PID ${holder}) is starting the stack — waiting for it`);
    announced = true;
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function lockHolder(lock: string): number | undefined {
  try {
    return Number(readFileSync(lock, 'utf8').trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function startOrReuse(stateDir: string, opts: UpOptions, progress: (line: string) => void): Promise<StackState> {
  const withApi = opts.withApi ?? true;
  const startedAt = Date.now();

  const existing = readStateOrDiscard(stateDir, progress);
  if (existing) {
    const report = await status(stateDir);
    // Replica and toxiproxy are on-demand extras; the stack is reusable when its core answers.
    const wanted = report.services.filter((service) => ['redis', 'postgres', ...(withApi ? ['api'] : [])].includes(service.name));
    if (wanted.every((service) => service.healthy)) {
      const workers = opts.apiWorkers !== undefined && opts.apiWorkers !== existing.api.workers ? ` (its API has ${existing.api.workers} workers; \`loadctl down\` first to change that)` : '';
      progress(`stack already running in ${stateDir} — reusing it${workers}`);
      return existing;
    }
    const broken = wanted.filter((service) => !service.healthy).map((service) => `${service.name}: ${service.detail}`);
    progress(`the recorded stack is stale or incomplete (${broken.join('; ')}) — replacing it`);
    await down(stateDir);
  }

  if (withApi && !existsSync(API_ENTRY)) {
    throw new UserError(`the reference API is missing (${API_ENTRY}).`, 'pull the latest main; the API lives in reference-api/', ExitCode.environment);
  }
  // Processes of an earlier stack in this dir that no state file records (a start-up that crashed, a
  // discarded state file) would lose their data dirs below: stop them first. Identity-checked like any signal.
  const leftovers = stackProcesses(stateDir);
  if (leftovers.length > 0) {
    progress(`stopping ${leftovers.length} leftover process(es) of an earlier stack in ${stateDir}`);
    await terminate(leftovers);
  }
  const layout = layoutOf(stateDir);
  prepareStateDir(layout);
  const started: Partial<Record<ServiceName, ServiceState>> = {};
  // Ctrl-C mid-start: nothing is recorded yet, so stop what this start-up launched — found by identity,
  // which also catches a process spawned but not yet ready.
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
  try {
    const externalRedis = opts.redisUrl ?? process.env.REDIS_URL;
    const redis = externalRedis ? externalService(externalRedis, 'REDIS_URL') : undefined;
    if (redis) {
      progress(`using external Redis at ${redis.host}:${redis.port}`);
      await waitUntilReady({ name: `Redis at ${redis.url}`, timeoutMs: 10_000, probe: () => pingRedis(redis.url) });
    }
    started.redis = redis ?? (await launchRedis(layout, progress));

    const externalPostgres = opts.databaseUrl ?? process.env.DATABASE_URL;
    const postgres = externalPostgres ? externalService(externalPostgres, 'DATABASE_URL') : undefined;
    if (postgres) {
      progress(`using external PostgreSQL at ${postgres.host}:${postgres.port}`);
      await waitUntilReady({ name: `PostgreSQL at ${postgres.host}:${postgres.port}`, timeoutMs: 10_000, probe: () => pingPostgres(postgres.url) });
    }
    started.postgres = postgres ?? (await launchPostgres(layout, progress));

    // Loaded only here, so status/down never pay for the API's database code.
    const db = await import('../../reference-api/src/db/index.ts');
    progress('applying migrations and seed data');
    await db.migrate(started.postgres.url);
    await db.seed(started.postgres.url, opts.seedSizes);

    const base: StackState = {
      version: 1,
      stateDir,
      createdAt: now(),
      redis: started.redis,
      postgres: started.postgres,
      api: reservedApi(await freePort(), opts.apiWorkers ?? DEFAULT_API_WORKERS, layout),
    };
    const state = withApi ? await onFreePort(stateDir, 'api', (port) => launchApi(base, port, opts.env, layout, progress)) : base;
    started.api = state.api;
    writeStackState(state);
    progress(`stack is up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (state: ${stateFilePath(stateDir)})`);
    return state;
  } catch (error) {
    // Interrupted: the signal handler is already stopping everything and will exit; the step that just
    // failed did so because of it, so there is nothing to report.
    if (interrupted) return new Promise<never>(() => undefined);
    await stopServices(stateDir, started);
    // A process that never became ready (timed out) is not in `started`; it is still this stack's.
    await terminate(stackProcesses(stateDir));
    throw error;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    process.removeListener('SIGTERM', onInterrupt);
  }
}

/** A corrupt state file describes nothing we may signal: report it and start over. */
function readStateOrDiscard(stateDir: string, progress: (line: string) => void): StackState | undefined {
  try {
    return readStackState(stateDir);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    progress(`${error.message} Discarding it.`);
    rmSync(stateFilePath(stateDir), { force: true });
    return undefined;
  }
}

/** Fresh data dirs and logs; the dir is world-traversable so the `postgres` user can reach its data. */
function prepareStateDir(layout: Layout): void {
  mkdirSync(layout.stateDir, { recursive: true });
  mkdirSync(layout.pgHome, { recursive: true });
  if (process.getuid?.() === 0) for (const dir of new Set([layout.stateDir, layout.pgHome])) chmodSync(dir, 0o755);
  for (const dir of [layout.logsDir, layout.redisDir, layout.postgres.dataDir, layout.replica.dataDir, layout.postgres.socketDir]) {
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(layout.logsDir, { recursive: true });
}

/**
 * Start a service on a free port, retrying on another port when someone took this one between our
 * probe and the service's bind (other test suites start services on free ports at the same time).
 */
async function onFreePort<T>(stateDir: string, name: ServiceName, start: (port: number) => Promise<T>): Promise<T> {
  const attempts = 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      const portTaken = error instanceof UserError && /address already in use|EADDRINUSE/i.test(error.message);
      if (!portTaken || attempt === attempts) throw error;
      await terminate(findOurProcesses([identityOf(stateDir, name)]));
    }
  }
}

function reservedApi(port: number, workers: number, layout: Layout): StackState['api'] {
  return {
    host: '127.0.0.1',
    port,
    url: `http://127.0.0.1:${port}`,
    logFile: layout.logs.api,
    owned: false,
    startedAt: now(),
    adminToken: randomBytes(24).toString('hex'),
    workers,
  };
}

async function launchApi(base: StackState, port: number, env: Record<string, string> | undefined, layout: Layout, progress: (line: string) => void): Promise<StackState> {
  const reserved: StackState = { ...base, api: { ...base.api, port, url: `http://127.0.0.1:${port}` } };
  progress(`starting the API on port ${port} with ${reserved.api.workers} worker(s)`);
  const pid = await startApi({ env: apiEnv(reserved, env), logFile: layout.logs.api, stateDir: base.stateDir });
  return { ...reserved, api: { ...reserved.api, pid, owned: true, startedAt: now() } };
}

async function launchRedis(layout: Layout, progress: (line: string) => void): Promise<ServiceState> {
  return onFreePort(layout.stateDir, 'redis', async (port) => {
    progress(`starting redis-server on port ${port}`);
    const pid = await startRedis({ port, dataDir: layout.redisDir, logFile: layout.logs.redis, stateDir: layout.stateDir });
    return { pid, host: '127.0.0.1', port, url: redisUrl(port), logFile: layout.logs.redis, dataDir: layout.redisDir, owned: true, startedAt: now() };
  });
}

async function launchPostgres(layout: Layout, progress: (line: string) => void): Promise<ServiceState> {
  return onFreePort(layout.stateDir, 'postgres', async (port) => {
    progress(`initialising and starting PostgreSQL on port ${port}`);
    const pid = await startPostgresPrimary(layout.postgres, port);
    await createStackDatabase(port);
    return { pid, host: '127.0.0.1', port, url: postgresUrl(port), logFile: layout.logs.postgres, dataDir: layout.postgres.dataDir, owned: true, startedAt: now() };
  });
}

/**
 * The safety gate before any signal: only services this stack started, never on the shared ports.
 * A state file claiming to own something on 5432/6379 is refused outright.
 */
export function assertSignallable(name: ServiceName, service: ServiceState): void {
  if (SHARED_PORTS.has(service.port)) {
    throw new UserError(
      `refusing to stop ${name}: the state file says it listens on port ${service.port}, which belongs to the machine's shared instance.`,
      'loadctl never touches the shared Redis/PostgreSQL; remove the state file if it was edited by hand',
      ExitCode.badInput,
    );
  }
  if (!service.owned || service.pid === undefined) {
    throw new UserError(`refusing to stop ${name}: this stack did not start it.`, undefined, ExitCode.badInput);
  }
}

export interface StoppedService {
  name: ServiceName;
  pid: number;
  /** false when the process was already gone (crashed, killed) */
  wasRunning: boolean;
  /** processes of its group still running after it had died (API workers, PostgreSQL backends), stopped too */
  orphans: number[];
  /** PIDs that ignored the polite signal and were SIGKILLed */
  killed: number[];
}

async function stopService(stateDir: string, name: ServiceName, service: ServiceState): Promise<StoppedService> {
  assertSignallable(name, service);
  const pid = service.pid as number;
  const identity = identityOf(stateDir, name);
  const wasRunning = isOurProcess(pid, identity);
  const policy = STOP_POLICY[name];
  const { orphans, killed } = await stopGroup({ name, pid, identity, gracefulSignal: policy.signal, graceMs: policy.graceMs });
  return { name, pid, wasRunning, orphans, killed };
}

async function stopServices(stateDir: string, services: Partial<Record<ServiceName, ServiceState>>): Promise<StoppedService[]> {
  const owned = STOP_ORDER.flatMap((name) => {
    const service = services[name];
    return service?.owned && service.pid !== undefined ? [[name, service] as const] : [];
  });
  // Check every service before signalling any, so a crafted file cannot get half of its way.
  for (const [name, service] of owned) assertSignallable(name, service);
  const stopped: StoppedService[] = [];
  for (const [name, service] of owned) stopped.push(await stopService(stateDir, name, service));
  return stopped;
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

export interface ServiceStatus {
  name: ServiceName;
  owned: boolean;
  pid?: number;
  /** the recorded PID is alive and provably ours (always false for external services) */
  running: boolean;
  port: number;
  url: string;
  healthy: boolean;
  /** "ok" or why not */
  detail: string;
  uptimeSeconds?: number;
  logFile?: string;
}

export interface StackStatus {
  stateDir: string;
  state?: StackState;
  services: ServiceStatus[];
}

const HEALTH_PROBES: Record<ServiceName, (service: ServiceState) => Promise<boolean>> = {
  redis: (service) => pingRedis(service.url),
  postgres: (service) => pingPostgres(service.url),
  replica: (service) => pingPostgres(service.url),
  toxiproxy: (service) => httpOk(`${service.url}/version`),
  api: (service) => httpOk(`${service.url}/health/ready`),
};

async function serviceStatus(stateDir: string, name: ServiceName, service: ServiceState): Promise<ServiceStatus> {
  const running = service.owned && service.pid !== undefined && isOurProcess(service.pid, identityOf(stateDir, name));
  const base = { name, owned: service.owned, pid: service.pid, running, port: service.port, url: service.url, logFile: service.logFile };
  if (name === 'api' && !service.owned) return { ...base, healthy: false, detail: 'not started (up without the API)' };
  if (service.owned && !running) {
    return { ...base, healthy: false, detail: service.pid !== undefined && isAlive(service.pid) ? `PID ${service.pid} is not the process we started` : 'not running' };
  }
  const uptimeSeconds = Math.max(0, Math.round((Date.now() - Date.parse(service.startedAt)) / 1000));
  try {
    const healthy = await HEALTH_PROBES[name](service);
    return { ...base, healthy, detail: healthy ? 'ok' : 'not ready', uptimeSeconds };
  } catch (error) {
    return { ...base, healthy: false, detail: `not answering: ${error instanceof Error ? error.message : String(error)}`, uptimeSeconds };
  }
}

/** Each recorded service: is the process ours and alive, does it answer, since when, where it logs. */
export async function status(stateDir?: string): Promise<StackStatus> {
  const dir = resolveStateDir(stateDir);
  const state = readStackState(dir);
  if (!state) return { stateDir: dir, services: [] };
  const recorded = STOP_ORDER.slice()
    .reverse()
    .flatMap((name) => {
      const service = serviceOf(state, name);
      return service ? [[name, service] as const] : [];
    });
  const services = await Promise.all(recorded.map(([name, service]) => serviceStatus(dir, name, service)));
  return { stateDir: dir, state, services };
}

function requireOwned(state: StackState, name: ServiceName): ServiceState {
  const service = serviceOf(state, name);
  if (!service?.owned) {
    throw new UserError(`${name} is external to this stack (given by URL), so loadctl will not restart it.`, 'use the embedded stack (unset REDIS_URL / DATABASE_URL)', ExitCode.badInput);
  }
  return service;
}

/** Stop (if still running) and start the stack's redis-server again: same port, same arguments, empty data. */
export async function restartRedis(state: StackState): Promise<StackState> {
  const redis = requireOwned(state, 'redis');
  await stopService(state.stateDir, 'redis', redis);
  await waitForPortRelease(redis.port);
  const layout = layoutOf(state.stateDir);
  const pid = await startRedis({ port: redis.port, dataDir: redis.dataDir ?? layout.redisDir, logFile: redis.logFile ?? layout.logs.redis, stateDir: state.stateDir });
  const next: StackState = { ...state, redis: { ...redis, pid, startedAt: now() } };
  writeStackState(next);
  return next;
}

/** A streaming replica of the stack's PostgreSQL (pg_basebackup -R), on its own free port; reused when healthy. */
export async function startReplica(state: StackState): Promise<StackState> {
  const primary = requireOwned(state, 'postgres');
  if (state.replica) {
    const current = await serviceStatus(state.stateDir, 'replica', state.replica);
    if (current.healthy) return state;
    await stopReplica(state);
  }
  const layout = layoutOf(state.stateDir);
  const { pid, port } = await onFreePort(state.stateDir, 'replica', async (port) => ({ pid: await startPostgresReplica(layout.replica, primary.port, port), port }));
  const next: StackState = {
    ...state,
    replica: { pid, host: '127.0.0.1', port, url: postgresUrl(port), logFile: layout.replica.logFile, dataDir: layout.replica.dataDir, owned: true, startedAt: now() },
  };
  writeStackState(next);
  return next;
}

export async function stopReplica(state: StackState): Promise<StackState> {
  return stopOptional(state, 'replica');
}

/** toxiproxy's server on a free port (its API only; the faults engineer creates the proxies). */
export async function startToxiproxy(state: StackState): Promise<StackState> {
  if (state.toxiproxy) {
    const current = await serviceStatus(state.stateDir, 'toxiproxy', state.toxiproxy);
    if (current.healthy) return state;
    await stopToxiproxy(state);
  }
  const layout = layoutOf(state.stateDir);
  const { path: binary } = await resolveToxiproxy();
  const { pid, port } = await onFreePort(state.stateDir, 'toxiproxy', async (port) => ({
    pid: await startToxiproxyServer({ binary, port, logFile: layout.logs.toxiproxy, stateDir: state.stateDir }),
    port,
  }));
  const next: StackState = {
    ...state,
    toxiproxy: { pid, host: '127.0.0.1', port, url: `http://127.0.0.1:${port}`, logFile: layout.logs.toxiproxy, owned: true, startedAt: now() },
  };
  writeStackState(next);
  return next;
}

export async function stopToxiproxy(state: StackState): Promise<StackState> {
  return stopOptional(state, 'toxiproxy');
}

async function stopOptional(state: StackState, name: 'replica' | 'toxiproxy'): Promise<StackState> {
  const service = state[name];
  if (!service) return state;
  await stopService(state.stateDir, name, service);
  const next: StackState = { ...state, [name]: undefined };
  writeStackState(next);
  return next;
}
