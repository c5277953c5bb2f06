// A small ordered migration runner: applies reference-api/migrations/NNN_name.sql in name order, each in its
// own transaction, recording applied names in schema_migrations. A session-level advisory lock makes
// concurrent runners (two `loadctl up`s, a test and the stack) wait for each other instead of racing.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';

export const MIGRATIONS_DIR = join(import.meta.dirname, '..', '..', 'migrations');
const MIGRATION_LOCK_ID = 7_310_001;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<string[]> {
  return (await readdir(dir)).filter((name) => /^\d{3,}_[\w-]+\.sql$/.test(name)).sort();
}

export async function migrate(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined); // a lost connection fails the awaited query; unheard, the event would kill the process
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((row) => row.name),
    );
    const result: MigrationResult = { applied: [], alreadyApplied: [] };
    for (const name of await listMigrations(dir)) {
      if (done.has(name)) {
        result.alreadyApplied.push(name);
        continue;
      }
      const sql = await readFile(join(dir, name), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${(error as Error).message}`);
      }
      result.applied.push(name);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await client.end();
  }
}
