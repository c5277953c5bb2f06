// How each non-PostgreSQL service of the stack is started and how we ask it whether it is ready.
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Redis } from 'ioredis';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { findExecutable } from '../toolchain/executables.ts';
import { launchDetached, waitUntilReady } from './processes.ts';
import { REPO_ROOT } from '../shared/paths.ts';

export const REDIS_EXECUTABLES = ['redis-server'] as const;
export const API_EXECUTABLES = [basename(process.execPath)] as const;
export const TOXIPROXY_EXECUTABLES = ['toxiproxy-server'] as const;
export const PROMETHEUS_EXECUTABLES = ['prometheus'] as const;
export const REDIS_EXPORTER_EXECUTABLES = ['prometheus-redis-exporter'] as const;
export const POSTGRES_EXPORTER_EXECUTABLES = ['prometheus-postgres-exporter'] as const;

export const API_ENTRY = join(REPO_ROOT, 'reference-api', 'src', 'server.ts');

export function redisUrl(port: number): string {
  return `redis://127.0.0.1:${port}`;
}

/** The exact redis-server arguments; restartRedis reuses them so a restarted Redis is the same Redis. */
export function redisArgs(port: number, dataDir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dataDir,
    '--daemonize',
    'no',
    '--logfile',
    '',
  ];
}

export async function startRedis(opts: {
  port: number;
  dataDir: string;
  logFile: string;
  stateDir: string;
}): Promise<number> {
  const command = findExecutable('redis-server');
  if (!command)
    throw new UserError(
      'redis-server was not found on PATH.',
      'install it: `apt-get install -y redis-server`',
      ExitCode.environment,
    );
  mkdirSync(opts.dataDir, { recursive: true });
  const pid = await launchDetached({
    name: 'redis-server',
    command,
    args: redisArgs(opts.port, opts.dataDir),
    logFile: opts.logFile,
    stateDir: opts.stateDir,
  });
  await waitUntilReady({
    name: 'redis-server',
    pid,
    logFile: opts.logFile,
    timeoutMs: 15_000,
    probe: () => pingRedis(redisUrl(opts.port)),
  });
  return pid;
}

export async function pingRedis(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectTimeout: 2_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } finally {
    client.disconnect();
  }
}

/** The environment the reference API reads (see the API process contract). */
export interface ApiEnv {
  HOST: string;
  PORT: string;
  REDIS_URL: string;
  DATABASE_URL: string;
  ADMIN_TOKEN: string;
  WORKERS: string;
  [name: string]: string;
}

export async function startApi(opts: { env: ApiEnv; logFile: string; stateDir: string }): Promise<number> {
  const pid = await launchDetached({
    name: 'API',
    command: process.execPath,
    args: ['--import', 'tsx', API_ENTRY],
    cwd: REPO_ROOT,
    env: opts.env,
    logFile: opts.logFile,
    stateDir: opts.stateDir,
  });
  const url = `http://${opts.env.HOST}:${opts.env.PORT}`;
  await waitUntilReady({
    name: 'API',
    pid,
    logFile: opts.logFile,
    timeoutMs: 90_000,
    probe: () => httpOk(`${url}/health/ready`),
  });
  return pid;
}

export async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.body?.cancel();
  return response.ok;
}

export async function startToxiproxyServer(opts: {
  binary: string;
  port: number;
  logFile: string;
  stateDir: string;
}): Promise<number> {
  const pid = await launchDetached({
    name: 'toxiproxy',
    command: opts.binary,
    args: ['-host', '127.0.0.1', '-port', String(opts.port)],
    logFile: opts.logFile,
    stateDir: opts.stateDir,
  });
  await waitUntilReady({
    name: 'toxiproxy',
    pid,
    logFile: opts.logFile,
    timeoutMs: 15_000,
    probe: () => httpOk(`http://127.0.0.1:${opts.port}/version`),
  });
  return pid;
}
