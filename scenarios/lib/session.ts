// What setup() prepares for the VUs and how VUs keep using it: real ACTIVE queue tokens (the seed sent the
// literal header `token`, which a real service must reject) and the catalogue's real ids.
import { api, activeToken, jsonList, type CatalogueItem } from './api.ts';

export interface UserToken {
  userId: number;
  token: string;
}
export interface CatalogueIds {
  concertId: number;
  scheduleIds: number[];
}

/**
 * setup() runs once for the whole test, so one transient failure there (a fault being drilled, the API's chaos
 * switch) would abort the run before it starts: each setup call gets a few tries before setup gives up.
 */
const SETUP_TRIES = 5;
function withTries<T>(attempt: () => T | undefined): T | undefined {
  for (let tried = 0; tried < SETUP_TRIES; tried++) {
    const result = attempt();
    if (result !== undefined) return result;
  }
  return undefined;
}

/** ACTIVE tokens for users 1..count; setup fails loudly when the queue will not admit them. */
export function activeTokens(count: number): UserToken[] {
  const tokens: UserToken[] = [];
  for (let userId = 1; userId <= count; userId++) {
    const token = withTries(() => activeToken(userId));
    if (!token)
      throw new Error(`setup: user ${userId} got no ACTIVE queue token (is the API up and the queue admitting?)`);
    tokens.push({ userId, token });
  }
  return tokens;
}

/** Concert ids and their schedule ids as the API lists them. */
export function catalogueIds(token: string): CatalogueIds[] {
  const nonEmpty = <T>(list: T[]): T[] | undefined => (list.length > 0 ? list : undefined);
  const concerts = withTries(() => nonEmpty(jsonList<CatalogueItem>(api.concerts(token, 'text'))));
  if (!concerts) throw new Error('setup: GET /concerts returned no concerts');
  return concerts.map((concert) => {
    const schedules = withTries(() => nonEmpty(jsonList<CatalogueItem>(api.schedules(token, concert.id, 'text'))));
    if (!schedules) throw new Error(`setup: GET /concerts/${concert.id}/schedules returned no schedules`);
    return { concertId: concert.id, scheduleIds: schedules.map((schedule) => schedule.id) };
  });
}

/** What the catalogue workloads (schedules, seats, reservation) start from: a few users' ACTIVE tokens and the real ids. */
export interface CatalogueSession {
  tokens: UserToken[];
  catalogue: CatalogueIds[];
}

export function catalogueSession(users = 5): CatalogueSession {
  const tokens = activeTokens(users);
  return { tokens, catalogue: catalogueIds(tokens[0]!.token) };
}

/**
 * A VU's tokens by user. A token can end during a run (it expires, or paying ends it), so a 401 takes a new
 * one for that user and the call is tried once more.
 */
export class TokenBook {
  private readonly tokens = new Map<number, string>();

  constructor(initial: readonly UserToken[] = []) {
    for (const { userId, token } of initial) this.tokens.set(userId, token);
  }

  token(userId: number): string | undefined {
    if (!this.tokens.has(userId)) this.renew(userId);
    return this.tokens.get(userId);
  }

  renew(userId: number): string | undefined {
    const token = activeToken(userId);
    if (token) this.tokens.set(userId, token);
    else this.tokens.delete(userId);
    return token;
  }

  forget(userId: number): void {
    this.tokens.delete(userId);
  }

  /** Calls `request` with the user's token, once more with a fresh token if the first answer is 401. */
  call<R extends { status: number }>(userId: number, request: (token: string) => R): R | undefined {
    const token = this.token(userId);
    if (!token) return undefined;
    const response = request(token);
    if (response.status !== 401) return response;
    const renewed = this.renew(userId);
    return renewed ? request(renewed) : response;
  }
}
