import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { issueToken, verifyToken } from './tokens.ts';

const secret = 'x'.repeat(32);

describe('queue tokens', () => {
  it('round-trips the user and issue time', () => {
    const token = issueToken(secret, 42, 1_700_000_000_000);
    expect(verifyToken(secret, token)).toEqual({ userId: 42, issuedAtMs: 1_700_000_000_000 });
  });

  it('are unguessable: two tokens for the same user and instant differ', () => {
    expect(issueToken(secret, 1, 0)).not.toBe(issueToken(secret, 1, 0));
  });

  it('reject the literal `token`, another key, and any edit (e.g. swapping the user)', () => {
    const token = issueToken(secret, 7, 1000);
    expect(verifyToken(secret, 'token')).toBeUndefined();
    expect(verifyToken('y'.repeat(32), token)).toBeUndefined();
    expect(verifyToken(secret, token.replace('v1.7.', 'v1.8.'))).toBeUndefined();
  });

  it('never throws and never accepts arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (value) => verifyToken(secret, value) === undefined));
  });
});
