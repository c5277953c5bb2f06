// Starting the stack's core services, each on a free port, or using an external Redis/PostgreSQL given by
// URL (used, never signalled), and the API's environment derived from them.
import { randomBytes } from 'node:crypto';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { freePort } from '../shared/ports.ts';
import type { ServiceState, StackState } from '../shared/stack-state.ts';
import { identityOf, type Layout, type ServiceName } from './layout.ts';
import { createStackDatabase, pingPostgres, postgresUrl, startPostgresPrimary } from './postgres.ts';
import { findOurProcesses, terminate, waitUntilReady } from './processes.ts';
import { pingRedis, redisUrl, startApi, startRedis, type ApiEnv } from './services.ts';

export type Progress = (line: string) => void;

/** When a service was started, as recorded in the state file. */
export function now(): string {
  return new Date().toISOString();
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
 * Start a service on a free port, retrying on another port when someone took this one between our
 * probe and the service's bind (other test suites start services on free ports at the same time).
 */
export async function onFreePort<T>(
  stateDir: string,
  name: ServiceName,
  start: (port: number) => Promise<T>,
): Promise<T> {
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

const EXAMPLE_URLS = {
  REDIS_URL: 'redis://127.0.0.1:6380',
  DATABASE_URL: 'postgres://user@127.0.0.1:5433/booking',
  PROMETHEUS_URL: 'http://127.0.0.1:9090',
} as const;

/** A service the stack uses but did not start (given by URL): recorded as not owned, never signalled. */
export function externalService(url: string, what: keyof typeof EXAMPLE_URLS, defaultPort: number): ServiceState {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`${what} is not a URL: ${url}`, `set it like ${EXAMPLE_URLS[what]}`, ExitCode.badInput);
  }
  return { host: parsed.hostname, port: Number(parsed.port || defaultPort), url, owned: false, startedAt: now() };
}

/** The external service at `externalUrl` (from the env var `variable`) once it answers, or one we launch. */
async function useOrLaunch(
  what: {
    label: string;
    variable: keyof typeof EXAMPLE_URLS;
    defaultPort: number;
    ping: (url: string) => Promise<boolean>;
  },
  externalUrl: string | undefined,
  launch: () => Promise<ServiceState>,
  progress: Progress,
): Promise<ServiceState> {
  if (!externalUrl) return launch();
  const service = externalService(externalUrl, what.variable, what.defaultPort);
  progress(`using external ${what.label} at ${service.host}:${service.port}`);
  await waitUntilReady({
    name: `${what.label} at ${service.host}:${service.port}`,
    timeoutMs: 10_000,
    probe: () => what.ping(service.url),
  });
  return service;
}

/** The external Redis at `externalUrl` once it answers, or our own redis-server. */
export function useOrLaunchRedis(
  externalUrl: string | undefined,
  layout: Layout,
  progress: Progress,
): Promise<ServiceState> {
  const redis = { label: 'Redis', variable: 'REDIS_URL', defaultPort: 6379, ping: pingRedis } as const;
  return useOrLaunch(redis, externalUrl, () => launchRedis(layout, progress), progress);
}

/** The external PostgreSQL at `externalUrl` once it answers, or our own fresh cluster. */
export function useOrLaunchPostgres(
  externalUrl: string | undefined,
  layout: Layout,
  progress: Progress,
): Promise<ServiceState> {
  const postgres = { label: 'PostgreSQL', variable: 'DATABASE_URL', defaultPort: 5432, ping: pingPostgres } as const;
  return useOrLaunch(postgres, externalUrl, () => launchPostgres(layout, progress), progress);
}

async function launchRedis(layout: Layout, progress: Progress): Promise<ServiceState> {
  return onFreePort(layout.stateDir, 'redis', async (port) => {
    progress(`starting redis-server on port ${port}`);
    const pid = await startRedis({
      port,
      dataDir: layout.redisDir,
      logFile: layout.logs.redis,
      stateDir: layout.stateDir,
    });
    return {
      pid,
      host: '127.0.0.1',
      port,
      url: redisUrl(port),
      logFile: layout.logs.redis,
      dataDir: layout.redisDir,
      owned: true,
      startedAt: now(),
    };
  });
}

async function launchPostgres(layout: Layout, progress: Progress): Promise<ServiceState> {
  return onFreePort(layout.stateDir, 'postgres', async (port) => {
    progress(`initialising and starting PostgreSQL on port ${port}`);
    const pid = await startPostgresPrimary(layout.postgres, port);
    await createStackDatabase(port);
    return {
      pid,
      host: '127.0.0.1',
      port,
      url: postgresUrl(port),
      logFile: layout.logs.postgres,
      dataDir: layout.postgres.dataDir,
      owned: true,
      startedAt: now(),
    };
  });
}

/** The API's port and admin token, reserved but not started (owned: false until launchApi). */
export function reservedApi(port: number, workers: number, layout: Layout): StackState['api'] {
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

export async function launchApi(
  base: StackState,
  port: number,
  env: Record<string, string> | undefined,
  layout: Layout,
  progress: Progress,
): Promise<StackState> {
  const reserved: StackState = { ...base, api: { ...base.api, port, url: `http://127.0.0.1:${port}` } };
  progress(`starting the API on port ${port} with ${reserved.api.workers} worker(s)`);
  const pid = await startApi({ env: apiEnv(reserved, env), logFile: layout.logs.api, stateDir: base.stateDir });
  return { ...reserved, api: { ...reserved.api, pid, owned: true, startedAt: now() } };
}
