// Redis connections behind a circuit breaker. Client options make a dead Redis fail fast instead of
// queueing commands offline and retrying for seconds (ioredis's defaults); the breaker then stops
// trying at all for a moment, so callers fall back (catalogue → PostgreSQL) in microseconds, and lets
// one trial command through every BREAKER_RESET_MS so service recovers without a restart.
import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import CircuitBreaker from 'opossum';
import type { Logger } from 'pino';
import { breakerState, redisErrors } from '../metrics.ts';

const BREAKER_RESET_MS = 2000;

export class RedisUnavailable extends Error {}

/** A Lua script run by SHA (EVALSHA), loaded on first use or after a Redis restart (NOSCRIPT). */
export class LuaScript {
  private readonly sha: string;
  constructor(
    readonly name: string,
    private readonly source: string,
    private readonly numKeys: number,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    if (keys.length !== this.numKeys) throw new Error(`${this.name} takes ${this.numKeys} keys, got ${keys.length}`);
    try {
      return await redis.evalsha(this.sha, this.numKeys, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, this.numKeys, ...keys, ...args);
    }
  }
}

export function redisOptions(timeoutMs: number): RedisOptions {
  return {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    // keep reconnecting forever, at most every 2 s, so Redis coming back is noticed without a restart
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    lazyConnect: false,
  };
}

export class RedisStore {
  readonly client: Redis;
  /** pub/sub needs its own connection; it queues its SUBSCRIBE until connected and resubscribes after reconnects */
  readonly subscriber: Redis;
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;

  constructor(url: string, timeoutMs: number, log: Logger) {
    this.client = new Redis(url, { ...redisOptions(timeoutMs), connectionName: 'reference-api' });
    this.subscriber = new Redis(url, {
      ...redisOptions(timeoutMs),
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      connectionName: 'reference-api-sub',
    });
    for (const connection of [this.client, this.subscriber])
      connection.on('error', (error: Error) => log.debug({ err: error }, 'redis connection error'));
    this.breaker = new CircuitBreaker((operation: () => Promise<unknown>) => operation(), {
      name: 'redis',
      timeout: timeoutMs * 2,
      errorThresholdPercentage: 50,
      volumeThreshold: 5,
      rollingCountTimeout: 5000,
      resetTimeout: BREAKER_RESET_MS,
    });
    const setState = (value: number, message: string) => () => {
      breakerState.set({ breaker: 'redis' }, value);
      log.info({ breaker: 'redis' }, message);
    };
    breakerState.set({ breaker: 'redis' }, 0);
    this.breaker.on('open', setState(2, 'redis circuit opened: falling back'));
    this.breaker.on('halfOpen', setState(1, 'redis circuit half-open: trying one command'));
    this.breaker.on('close', setState(0, 'redis circuit closed: redis is back'));
  }

  /** True unless the breaker is open or the connection is down: a cheap check before optional work. */
  get usable(): boolean {
    return !this.breaker.opened && this.client.status === 'ready';
  }

  onRecovered(listener: () => void): void {
    this.breaker.on('close', listener);
  }

  /** Run one Redis operation through the breaker; any failure becomes RedisUnavailable and is counted. */
  async run<T>(op: string, operation: (redis: Redis) => Promise<T>): Promise<T> {
    try {
      return (await this.breaker.fire(() => operation(this.client))) as T;
    } catch (error) {
      redisErrors.inc({ op });
      throw new RedisUnavailable(`redis ${op} failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.breaker.shutdown();
    await Promise.allSettled([this.client.quit(), this.subscriber.quit()]);
    this.client.disconnect();
    this.subscriber.disconnect();
  }
}
