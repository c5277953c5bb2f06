// PostgreSQL pools: the primary (all writes, and reads unless routed elsewhere) and an optional read
// replica for catalogue reads (the db-overload runbook's mitigation). Timeouts are explicit so a dead or
// saturated database fails a request in seconds instead of hanging it (pg's defaults wait forever).
import pg from 'pg';
import type { Logger } from 'pino';
import { dbErrors, dbPoolConnections, dbPoolMax, dbQueryDuration, onScrape } from '../metrics.ts';
import { ApiError, DependencyError } from '../http/errors.ts';

/** bigint columns (ids, money) as JS numbers: every value we store is far below 2^53 */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

const TRANSACTION_ATTEMPTS = 3;

export interface DbOptions {
  url: string;
  poolMax: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
}

export type Queryable = Pick<pg.PoolClient, 'query'>;

function makePool(url: string, max: number, opts: DbOptions, log: Logger, name: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: opts.statementTimeoutMs,
    idle_in_transaction_session_timeout: opts.statementTimeoutMs * 2,
    application_name: `reference-api:${name}`,
    types,
  });
  // pg emits 'error' on a client whose connection dies (pg_terminate_backend, network cut, server restart) even
  // while it is checked out, and pg-pool listens only while it is idle: an unheard 'error' event kills the
  // process. So every connection gets a permanent listener. The pool then drops the dead client (it is no
  // longer queryable) and opens a fresh one at the next checkout; the request that was using it fails alone.
  pool.on('connect', (client) => client.on('error', (error: Error) => onConnectionLost(error, name, log)));
  pool.on('error', () => undefined); // the idle client's error, already counted and logged by its own listener
  return pool;
}

function onConnectionLost(error: Error, pool: string, log: Logger): void {
  dbErrors.inc({ op: 'connection-lost' });
  log.warn({ err: error, pool }, 'PostgreSQL connection lost; the pool replaces it');
}

/** A standalone pg.Client (not pooled) that survives its connection dying: the error is logged and counted, and the awaiting query fails. */
export function guardClient(client: pg.Client, name: string, log: Logger): pg.Client {
  client.on('error', (error: Error) => onConnectionLost(error, name, log));
  return client;
}

/** pg errors that mean the database (not the request) is the problem: connection trouble, timeouts, overload */
function isOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string')
    return (
      code.startsWith('08') ||
      code.startsWith('53') ||
      code.startsWith('57') ||
      code === 'ECONNREFUSED' ||
      code === 'ECONNRESET'
    );
  return /timeout|terminated|Connection|connect/i.test(error.message);
}

export class Db {
  private readonly primary: pg.Pool;
  private replica: { url: string; pool: pg.Pool } | undefined;

  constructor(
    private readonly opts: DbOptions,
    private readonly log: Logger,
  ) {
    this.primary = makePool(opts.url, opts.poolMax, opts, log, 'primary');
    dbPoolMax.set(opts.poolMax);
    onScrape(() => {
      for (const [name, pool] of [
        ['primary', this.primary],
        ['replica', this.replica?.pool],
      ] as const) {
        dbPoolConnections.set({ pool: name, state: 'total' }, pool?.totalCount ?? 0);
        dbPoolConnections.set({ pool: name, state: 'idle' }, pool?.idleCount ?? 0);
        dbPoolConnections.set({ pool: name, state: 'waiting' }, pool?.waitingCount ?? 0);
      }
    });
  }

  get poolMax(): number {
    return this.primary.options.max;
  }

  /** Resize the primary pool: growth is immediate, shrinking happens as surplus connections go idle. */
  setPoolMax(max: number): void {
    this.primary.options.max = max;
    dbPoolMax.set(max);
  }

  get replicaUrl(): string | null {
    return this.replica?.url ?? null;
  }

  async setReplica(url: string | null): Promise<void> {
    if ((this.replica?.url ?? null) === url) return;
    const previous = this.replica;
    this.replica = url ? { url, pool: makePool(url, this.opts.poolMax, this.opts, this.log, 'replica') } : undefined;
    await previous?.pool.end();
  }

  /** Run `work` with the primary pool; failures from an unreachable/overloaded database become a 503. */
  async write<T>(op: string, work: (db: pg.Pool) => Promise<T>): Promise<T> {
    return this.timed(op, () => work(this.primary));
  }

  /** Catalogue reads: the replica when one is routed, else the primary. */
  async read<T>(op: string, work: (db: pg.Pool) => Promise<T>): Promise<T> {
    return this.timed(op, () => work(this.replica?.pool ?? this.primary));
  }

  /**
   * One transaction on one connection: BEGIN … COMMIT, ROLLBACK on any throw. A deadlock or serialization
   * failure (which PostgreSQL resolves by aborting one side) is retried a few times.
   */
  async transaction<T>(op: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transactionOnce(op, work);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (attempt >= TRANSACTION_ATTEMPTS || (code !== '40P01' && code !== '40001')) throw error;
        this.log.debug({ op, attempt, code }, 'transaction conflict, retrying');
      }
    }
  }

  private async transactionOnce<T>(op: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.timed(op, async () => {
      const client = await this.primary.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // a connection that cannot even roll back (e.g. terminated) must not go back into the pool
        await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      } finally {
        client.release(broken);
      }
    });
  }

  async ping(): Promise<boolean> {
    try {
      await this.primary.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.primary.end(), this.replica?.pool.end()]);
  }

  private async timed<T>(op: string, work: () => Promise<T>): Promise<T> {
    const end = dbQueryDuration.startTimer({ op });
    try {
      return await work();
    } catch (error) {
      if (error instanceof ApiError) throw error; // a domain refusal decided inside a transaction
      dbErrors.inc({ op });
      throw isOutage(error) ? new DependencyError('PostgreSQL', error) : error;
    } finally {
      end();
    }
  }
}
