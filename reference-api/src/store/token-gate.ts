// The queue-token check on every protected request, cheap enough for the hot path:
// 1. the HMAC is verified locally (forged, edited and literal `token` values never reach Redis);
// 2. the token's queue state (ACTIVE/WAITING/unknown) is kept in a small in-process map and re-read from
//    Redis at most every LOCAL_CACHE_TTL_MS (1 s), one read per token per worker however many requests
//    carry it; a payment ending a token is published so other workers drop it at once.
// Staleness bound: an admitted, expired or ended token is seen as such within LOCAL_CACHE_TTL_MS.
// Degraded mode (Redis unreachable): the last known state keeps deciding; a validly signed token this
// worker has never seen passes while younger than TOKEN_TTL_SECONDS (the signature proves we issued it
// to that user); no new tokens can be issued (503) — see README "When Redis is down".
// Redis restarted empty: the lookup re-registers signed tokens issued before the data loss (QueueStore.lookup),
// so holders keep their place — see README "Tokens after a Redis restart".
import type { Redis } from 'ioredis';
import { issueToken, verifyToken } from '../domain/tokens.ts';
import { ApiError } from '../http/errors.ts';
import { queueAdmissions, queueDegraded, queueRejections } from '../metrics.ts';
import type { QueueState, QueueStore, TokenClaimsForQueue, TokenRecord } from './queue.ts';
import { RedisUnavailable, type RedisStore } from './redis.ts';

export const TOKEN_ENDED_CHANNEL = 'queue:ended';
const MAX_CACHED_TOKENS = 200_000;

interface Known extends TokenClaimsForQueue {
  state: QueueState;
  checkedAt: number;
}

export type GateResult = { userId: number } | ApiError;

export interface QueueView {
  token: string;
  userId: number;
  status: 'ACTIVE' | 'WAITING';
  position: number;
  expiresAt: string | null;
}

export class TokenGate {
  private readonly known = new Map<string, Known>();
  private readonly refreshing = new Map<string, Promise<GateResult>>();

  constructor(
    private readonly secret: string,
    private readonly redis: RedisStore,
    private readonly queue: QueueStore,
    private readonly opts: { localTtlMs: number; tokenTtlMs: number; staticQueue: () => boolean },
  ) {
    redis.subscriber.on('message', (channel: string, token: string) => {
      if (channel === TOKEN_ENDED_CHANNEL) this.known.delete(token);
    });
    void redis.subscriber.subscribe(TOKEN_ENDED_CHANNEL).catch(() => undefined);
  }

  /** Synchronous when the token's state is fresh in memory (the common case), else a promise. */
  check(token: string | undefined): GateResult | Promise<GateResult> {
    if (token === undefined || token === '')
      return reject(
        'missing',
        401,
        'TOKEN_MISSING',
        'the QUEUE-TOKEN header is required; get one from POST /api/v1/queue/users/{userId}',
      );
    const known = this.known.get(token);
    if (known && Date.now() - known.checkedAt < this.opts.localTtlMs) return this.decide(known);
    return this.refresh(token, known);
  }

  /** The user a validly signed token was issued to (whatever its queue state), else undefined. */
  ownerOf(token: string | undefined): number | undefined {
    return token ? verifyToken(this.secret, token)?.userId : undefined;
  }

  /** Fresh from Redis: the status endpoint must show real positions. */
  async view(token: string | undefined): Promise<QueueView> {
    if (!token) throw reject('missing', 401, 'TOKEN_MISSING', 'the QUEUE-TOKEN header is required');
    const claims = verifyToken(this.secret, token);
    if (!claims) throw reject('invalid', 401, 'TOKEN_INVALID', 'queue token is not valid');
    const found = await this.lookup(token, claims);
    if (!found || found.state.status === 'UNKNOWN')
      throw reject('expired', 401, 'TOKEN_EXPIRED', 'queue token has expired or was used; get a new one');
    return toView(token, found.userId, found.state);
  }

  async issue(userId: number): Promise<QueueView> {
    let record: TokenRecord;
    const issuedAtMs = Date.now();
    try {
      record = await this.redis.run('queue-issue', (redis) =>
        this.queue.issue(
          redis,
          userId,
          issueToken(this.secret, userId, issuedAtMs),
          issuedAtMs,
          this.opts.staticQueue(),
        ),
      );
    } catch (error) {
      if (error instanceof RedisUnavailable)
        throw new ApiError(503, 'QUEUE_UNAVAILABLE', 'the waiting queue is unavailable, retry shortly');
      throw error;
    }
    // an existing token handed back keeps its own issue time (the MAC was ours when we stored it)
    this.remember(record.token, {
      userId,
      issuedAtMs: verifyToken(this.secret, record.token)?.issuedAtMs ?? issuedAtMs,
      state: record.state,
      checkedAt: Date.now(),
    });
    if (record.state.status === 'UNKNOWN')
      throw new ApiError(503, 'QUEUE_UNAVAILABLE', 'the waiting queue could not place this user, retry');
    return toView(record.token, userId, record.state);
  }

  /** Payment finished: the token is spent. Best effort — if Redis is down it still expires with its TTL. */
  async end(token: string): Promise<void> {
    const claims = this.known.get(token) ?? verifyToken(this.secret, token);
    this.known.delete(token);
    if (!claims) return;
    await this.redis
      .run('queue-end', async (redis: Redis) => {
        await this.queue.end(redis, token, claims.issuedAtMs);
        await redis.publish(TOKEN_ENDED_CHANNEL, token);
      })
      .catch(() => undefined);
  }

  private refresh(token: string, known: Known | undefined): Promise<GateResult> {
    const running = this.refreshing.get(token);
    if (running) return running;
    const done = this.resolve(token, known).finally(() => this.refreshing.delete(token));
    this.refreshing.set(token, done);
    return done;
  }

  private async resolve(token: string, known: Known | undefined): Promise<GateResult> {
    const claims = known ?? verifyToken(this.secret, token);
    if (!claims) return reject('invalid', 401, 'TOKEN_INVALID', 'queue token is not valid');
    let found: Awaited<ReturnType<TokenGate['lookup']>>;
    try {
      found = await this.lookup(token, claims);
    } catch {
      queueDegraded.inc();
      if (known) return this.decide(known);
      if (claims.issuedAtMs + this.opts.tokenTtlMs > Date.now()) return { userId: claims.userId };
      return reject('expired', 401, 'TOKEN_EXPIRED', 'queue token has expired; get a new one');
    }
    const entry: Known = {
      userId: found?.userId ?? claims.userId,
      issuedAtMs: claims.issuedAtMs,
      state: found?.state ?? { status: 'UNKNOWN' },
      checkedAt: Date.now(),
    };
    this.remember(token, entry);
    return this.decide(entry);
  }

  private async lookup(token: string, claims: TokenClaimsForQueue): ReturnType<QueueStore['lookup']> {
    const found = await this.redis.run('queue-lookup', (redis) => this.queue.lookup(redis, token, claims));
    if (found?.recovered) queueAdmissions.inc({ outcome: 'recovered' });
    return found;
  }

  private decide(known: Known): GateResult {
    const state = known.state;
    if (state.status === 'ACTIVE' && (state.expiresAt > Date.now() || this.opts.staticQueue())) return known;
    if (state.status === 'WAITING') {
      return reject(
        'waiting',
        403,
        'QUEUE_NOT_ACTIVE',
        `still waiting in the queue at position ${state.position}; poll GET /api/v1/queue/status`,
        { position: state.position },
      );
    }
    return reject('expired', 401, 'TOKEN_EXPIRED', 'queue token has expired or was used; get a new one');
  }

  private remember(token: string, entry: Known): void {
    this.known.delete(token);
    if (this.known.size >= MAX_CACHED_TOKENS) {
      const oldest = this.known.keys().next();
      if (!oldest.done) this.known.delete(oldest.value);
    }
    this.known.set(token, entry);
  }
}

function reject(
  reason: string,
  status: number,
  code: string,
  message: string,
  details?: Record<string, unknown>,
): ApiError {
  queueRejections.inc({ reason });
  return new ApiError(status, code, message, details);
}

function toView(token: string, userId: number, state: QueueState): QueueView {
  if (state.status === 'ACTIVE')
    return { token, userId, status: 'ACTIVE', position: 0, expiresAt: new Date(state.expiresAt).toISOString() };
  if (state.status === 'WAITING')
    return { token, userId, status: 'WAITING', position: state.position, expiresAt: null };
  throw new ApiError(401, 'TOKEN_EXPIRED', 'queue token has expired or was used; get a new one');
}

/** Narrow a gate result to the admitted user, throwing the refusal otherwise. */
export function assertAdmitted(result: GateResult): asserts result is { userId: number } {
  if (result instanceof ApiError) throw result;
}
