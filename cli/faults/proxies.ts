// Routing the API through toxiproxy, which the network fault needs: `loadctl fault proxy on` starts
// toxiproxy, creates one proxy per store, and restarts the API with REDIS_URL / DATABASE_URL pointing
// at the proxies (every other setting the API ran with is kept). `proxy off` routes it directly again.
import { readFileSync } from 'node:fs';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { freePort } from '../shared/ports.ts';
import { isOurProcess, STACK_MARKER_ENV, stopGroup } from '../stack/processes.ts';
import { startApi, type ApiEnv } from '../stack/services.ts';
import { identityOf } from '../stack/layout.ts';
import { startToxiproxy, stopToxiproxy } from '../stack/extras.ts';
import { writeStackState } from '../stack/state-file.ts';
import type { StackState } from '../shared/stack-state.ts';
import { requireOwned } from '../stack/stopping.ts';

export const PROXY_NAMES = { redis: 'loadctl-redis', postgres: 'loadctl-postgres' } as const;

type Proxy = { name: string; listen: string; upstream: string };

/** one call to toxiproxy's HTTP API; a refusal becomes a UserError naming the call */
export async function toxiproxyCall<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  if (!response.ok)
    throw new UserError(
      `toxiproxy ${method} ${path} answered ${response.status}: ${text.trim()}`,
      undefined,
      ExitCode.environment,
    );
  return JSON.parse(text || '{}') as T;
}

function withPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.port = String(port);
  return parsed.toString().replace(/\/$/, '');
}

/** the environment the running API was started with (its own /proc entry), minus the stack marker */
function runningApiEnv(state: StackState): Record<string, string> {
  const api = requireOwned(state.api, 'API', 'network');
  if (api.pid === undefined || !isOurProcess(api.pid, identityOf(state.stateDir, 'api'))) {
    throw new UserError('the stack API is not running.', 'start it with `loadctl up`', ExitCode.environment);
  }
  const pairs = readFileSync(`/proc/${api.pid}/environ`, 'utf8')
    .split('\0')
    .filter(Boolean)
    .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)] as const);
  return Object.fromEntries(pairs.filter(([name]) => name !== STACK_MARKER_ENV));
}

async function restartApi(state: StackState, urls: { REDIS_URL: string; DATABASE_URL: string }): Promise<StackState> {
  const api = state.api;
  const env = { ...runningApiEnv(state), ...urls } as ApiEnv;
  await stopGroup({
    name: 'API',
    pid: api.pid as number,
    identity: identityOf(state.stateDir, 'api'),
    gracefulSignal: 'SIGTERM',
    graceMs: 15_000,
  });
  const pid = await startApi({
    env,
    logFile: api.logFile ?? `${state.stateDir}/logs/api.log`,
    stateDir: state.stateDir,
  });
  const next: StackState = { ...state, api: { ...api, pid, startedAt: new Date().toISOString() } };
  writeStackState(next);
  return next;
}

export async function proxyOn(state: StackState): Promise<{ state: StackState; summary: string }> {
  const redis = requireOwned(state.redis, 'Redis', 'network');
  const postgres = requireOwned(state.postgres, 'PostgreSQL', 'network');
  const withProxy = await startToxiproxy(state);
  const base = withProxy.toxiproxy?.url as string;
  const existing = await toxiproxyCall<Record<string, Proxy>>(base, 'GET', '/proxies');
  const listenPort = async (name: string, upstreamPort: number): Promise<number> => {
    const found = existing[name];
    if (found) return Number(found.listen.split(':').at(-1));
    const port = await freePort();
    await toxiproxyCall(base, 'POST', '/proxies', {
      name,
      listen: `127.0.0.1:${port}`,
      upstream: `127.0.0.1:${upstreamPort}`,
      enabled: true,
    });
    return port;
  };
  const redisPort = await listenPort(PROXY_NAMES.redis, redis.port);
  const postgresPort = await listenPort(PROXY_NAMES.postgres, postgres.port);
  const next = await restartApi(withProxy, {
    REDIS_URL: withPort(redis.url, redisPort),
    DATABASE_URL: withPort(postgres.url, postgresPort),
  });
  return {
    state: next,
    summary: `API restarted through toxiproxy: Redis via port ${redisPort}, PostgreSQL via port ${postgresPort}`,
  };
}

export async function proxyOff(state: StackState): Promise<{ state: StackState; summary: string }> {
  const next = await restartApi(state, { REDIS_URL: state.redis.url, DATABASE_URL: state.postgres.url });
  return { state: await stopToxiproxy(next), summary: 'API restarted with direct connections; toxiproxy stopped' };
}
