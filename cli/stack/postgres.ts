// The stack's own PostgreSQL: a fresh cluster in <stateDir>/pg, and on demand a streaming replica of it.
// PostgreSQL refuses to run as root, so when we are root every PostgreSQL program runs as `postgres`.
import { createHash } from 'node:crypto';
import { appendFileSync, chownSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { postgresProgram, postgresRunAs, type OsUser, type PostgresProgram } from '../toolchain/executables.ts';
import { launchDetached, waitUntilReady } from './processes.ts';

export const POSTGRES_EXECUTABLES = ['postgres'] as const;
export const STACK_DATABASE = 'booking';
/** PostgreSQL's unix socket path must fit in sockaddr_un (107 bytes); longer state dirs use TCP only. */
const MAX_SOCKET_PATH = 100;

/** Whether `user` may traverse every directory above `dir` (by the permission bits that apply to it). */
function ancestorsTraversableBy(user: OsUser, dir: string): boolean {
  for (let current = dirname(resolve(dir)); ; current = dirname(current)) {
    const stat = statSync(current);
    const searchBit = stat.uid === user.uid ? 0o100 : stat.gid === user.gid ? 0o010 : 0o001;
    if ((stat.mode & searchBit) === 0) return false;
    if (dirname(current) === current) return true;
  }
}

/**
 * Where PostgreSQL's directories go: inside the state dir — unless, as root, the `postgres` user cannot
 * reach it (a clone under /root, a 0700 temp dir), then a fixed directory under the system temp dir,
 * derived from the state dir so every later command finds it again.
 */
export function postgresHome(stateDir: string): string {
  const runAs = postgresRunAs();
  if (!runAs || ancestorsTraversableBy(runAs, stateDir)) return stateDir;
  return join(tmpdir(), `loadctl-pg-${createHash('sha256').update(stateDir).digest('hex').slice(0, 12)}`);
}

/** A directory PostgreSQL may write: created empty, mode 0700, owned by the user it runs as. */
function freshPostgresDir(path: string, runAs: OsUser | undefined): void {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path, { recursive: true, mode: 0o700 });
  if (runAs) chownSync(path, runAs.uid, runAs.gid);
}

async function runAsPostgres(
  program: PostgresProgram,
  args: string[],
  runAs: OsUser | undefined,
  logFile: string,
): Promise<void> {
  const result = await execa(postgresProgram(program), args, {
    uid: runAs?.uid,
    gid: runAs?.gid,
    all: true,
    reject: false,
  });
  appendFileSync(logFile, `$ ${program} ${args.join(' ')}\n${result.all ?? ''}\n`);
  if (result.exitCode !== 0) {
    throw new UserError(
      `${program} failed (exit ${result.exitCode}): ${(result.all ?? '').trim().split('\n').slice(-3).join(' ')}`,
      `read ${logFile}`,
      ExitCode.environment,
    );
  }
}

/** Settings for a test box: durable (fsync on — crash safety is verified), modest memory, replication-ready. */
function serverSettings(port: number, socketDir: string): string {
  const socketDirs = join(socketDir, `.s.PGSQL.${port}`).length <= MAX_SOCKET_PATH ? socketDir : '';
  return [
    '',
    '# written by loadctl',
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${socketDirs}'`,
    'max_connections = 200',
    'shared_buffers = 128MB',
    'fsync = on',
    'synchronous_commit = on',
    'full_page_writes = on',
    'wal_level = replica',
    'max_wal_senders = 4',
    'hot_standby = on',
    'logging_collector = off',
    "log_line_prefix = '%m [%p] '",
    '',
  ].join('\n');
}

export interface PostgresLayout {
  dataDir: string;
  socketDir: string;
  logFile: string;
  stateDir: string;
}

/** initdb a fresh cluster, start it, wait until it answers `SELECT 1`. Returns the postmaster's PID. */
export async function startPostgresPrimary(layout: PostgresLayout, port: number): Promise<number> {
  const runAs = postgresRunAs();
  freshPostgresDir(layout.dataDir, runAs);
  freshPostgresDir(layout.socketDir, runAs);
  await runAsPostgres(
    'initdb',
    ['-D', layout.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
    runAs,
    layout.logFile,
  );
  appendFileSync(join(layout.dataDir, 'postgresql.conf'), serverSettings(port, layout.socketDir));
  return launchPostgres(layout, port, 'PostgreSQL', runAs);
}

/** pg_basebackup the primary into a fresh dir with -R (standby config written), then start it on its own port. */
export async function startPostgresReplica(layout: PostgresLayout, primaryPort: number, port: number): Promise<number> {
  const runAs = postgresRunAs();
  freshPostgresDir(layout.dataDir, runAs);
  await runAsPostgres(
    'pg_basebackup',
    [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      layout.dataDir,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
    ],
    runAs,
    layout.logFile,
  );
  // postgresql.auto.conf is read last, so the replica's own port overrides the copied primary's.
  appendFileSync(join(layout.dataDir, 'postgresql.auto.conf'), `port = ${port}\n`);
  return launchPostgres(layout, port, 'PostgreSQL replica', runAs);
}

async function launchPostgres(
  layout: PostgresLayout,
  port: number,
  name: string,
  runAs: OsUser | undefined,
): Promise<number> {
  const pid = await launchDetached({
    name,
    command: postgresProgram('postgres'),
    args: ['-D', layout.dataDir],
    logFile: layout.logFile,
    stateDir: layout.stateDir,
    user: runAs,
  });
  await waitUntilReady({
    name,
    pid,
    logFile: layout.logFile,
    timeoutMs: 60_000,
    probe: () => pingPostgres(postgresUrl(port, 'postgres')),
  });
  return pid;
}

export function postgresUrl(port: number, database: string = STACK_DATABASE): string {
  return `postgres://postgres@127.0.0.1:${port}/${database}`;
}

/** Open a short-lived connection as loadctl, run `run` on it, close it. A dropped connection fails the query, never the process. */
export async function withClient<T>(
  url: string,
  run: (client: pg.Client) => Promise<T>,
  timeoutMs = 3_000,
): Promise<T> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    application_name: 'loadctl',
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function pingPostgres(url: string): Promise<boolean> {
  return withClient(url, async (client) => (await client.query('SELECT 1 AS ok')).rows[0]?.ok === 1);
}

export async function isInRecovery(url: string): Promise<boolean> {
  return withClient(
    url,
    async (client) =>
      (await client.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery')).rows[0]?.recovery === true,
  );
}

/** CREATE DATABASE booking unless it exists (CREATE DATABASE has no IF NOT EXISTS). */
export async function createStackDatabase(port: number): Promise<void> {
  await withClient(postgresUrl(port, 'postgres'), async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [STACK_DATABASE]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${STACK_DATABASE}`);
  });
}
