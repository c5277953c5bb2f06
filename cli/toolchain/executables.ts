// Where the system programs the stack needs live. PostgreSQL's server binaries are usually not on PATH
// (Debian keeps them in /usr/lib/postgresql/<major>/bin), so that directory is searched too.
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable called `name` on PATH (or in the extra directories, searched after PATH). */
export function findExecutable(name: string, extraDirs: readonly string[] = [], path = process.env.PATH ?? ''): string | undefined {
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
