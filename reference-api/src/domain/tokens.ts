// Queue tokens: `v1.<userId>.<issuedAt base36 ms>.<nonce>.<mac>`, the MAC an HMAC-SHA256 over the rest.
// The MAC makes a token unguessable and binds it to its user without a Redis round trip: a worker can
// reject forged, foreign or literal `token` values locally, and only asks Redis for the token's queue state.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface TokenClaims {
  userId: number;
  issuedAtMs: number;
}

const VERSION = 'v1';
const MAX_TOKEN_LENGTH = 128;

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

export function issueToken(secret: string, userId: number, nowMs: number): string {
  const payload = `${VERSION}.${userId}.${nowMs.toString(36)}.${randomBytes(12).toString('base64url')}`;
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** The token's claims when its MAC is ours, otherwise undefined (never throws on any input). */
export function verifyToken(secret: string, token: string): TokenClaims | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const cut = token.lastIndexOf('.');
  if (cut <= 0) return undefined;
  const payload = token.slice(0, cut);
  const given = Buffer.from(token.slice(cut + 1), 'base64url');
  const expected = mac(secret, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const [version, user, issued] = payload.split('.');
  const userId = Number(user);
  const issuedAtMs = parseInt(issued ?? '', 36);
  if (version !== VERSION || !Number.isSafeInteger(userId) || userId <= 0 || !Number.isSafeInteger(issuedAtMs))
    return undefined;
  return { userId, issuedAtMs };
}
