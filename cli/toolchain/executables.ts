// Where the system programs the stack needs live, and the user PostgreSQL's run as. PostgreSQL's server
// binaries are usually not on PATH (Debian keeps them in /usr/lib/postgresql/<major>/bin), so that
// directory is searched too; PostgreSQL refuses to run as root, so as root its programs run as `postgres`.
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable called `name` on PATH (or in the extra directories, searched after PATH). */
export function findExecutable(
  name: string,
  extraDirs: readonly string[] = [],
  path = process.env.PATH ?? '',
): string | undefined {
  const dirs = [...path.split(delimiter).filter(Boolean), ...extraDirs];
  return dirs.map((dir) => join(dir, name)).find(isExecutable);
}

/** Debian's versioned PostgreSQL bin dirs, newest major first. */
function debianPostgresBinDirs(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql')
      .filter((entry) => /^\d+$/.test(entry))
      .sort((a, b) => Number(b) - Number(a))
      .map((major) => `/usr/lib/postgresql/${major}/bin`);
  } catch {
    return [];
  }
}

export type PostgresProgram = 'postgres' | 'initdb' | 'pg_basebackup';

/** A PostgreSQL program: $LOADCTL_PG_BIN first, then PATH, then Debian's versioned directories. */
export function findPostgresProgram(name: PostgresProgram): string | undefined {
  const searchPath = [process.env.LOADCTL_PG_BIN, process.env.PATH].filter(Boolean).join(delimiter);
  return findExecutable(name, debianPostgresBinDirs(), searchPath);
}

export interface OsUser {
  uid: number;
  gid: number;
}

/** The user PostgreSQL runs as: `postgres` when we are root, ourselves otherwise (undefined = no switch). */
export function postgresRunAs(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new UserError(
      'PostgreSQL cannot run as root and there is no `postgres` user to run it as.',
      'install PostgreSQL (`apt-get install -y postgresql`), which creates the user',
      ExitCode.environment,
    );
  }
  return { uid: Number(uid), gid: Number(gid) };
}

/** A PostgreSQL program's path, or a UserError saying how to install it. */
export function postgresProgram(name: PostgresProgram): string {
  const path = findPostgresProgram(name);
  if (!path) {
    throw new UserError(
      `PostgreSQL's \`${name}\` was not found.`,
      'install PostgreSQL (`apt-get install -y postgresql`) or set LOADCTL_PG_BIN to its bin directory',
      ExitCode.environment,
    );
  }
  return path;
}
