import { describe, expect, it } from 'vitest';
import { assertTargetAllowed, isLoopbackAddress } from './target.ts';

describe('target guard', () => {
  it('knows loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '[::1]'])
      expect(isLoopbackAddress(a)).toBe(true);
    for (const a of ['10.0.0.1', '192.168.1.1', '::ffff:10.0.0.1', '2001:db8::1', 'localhost'])
      expect(isLoopbackAddress(a)).toBe(false);
  });

  it('allows loopback, refuses remote unless allowed, resolves names', async () => {
    await expect(assertTargetAllowed('http://127.0.0.1:8080', false)).resolves.toBeInstanceOf(URL);
    await expect(
      assertTargetAllowed('http://localhost:8080', false, async () => ['127.0.0.1', '::1']),
    ).resolves.toBeInstanceOf(URL);
    await expect(
      assertTargetAllowed('http://api.example:8080', false, async () => ['127.0.0.1', '203.0.113.5']),
    ).rejects.toThrow(/203\.0\.113\.5/);
    await expect(assertTargetAllowed('http://10.1.1.1', false)).rejects.toThrow(/--allow-remote|not this machine/);
    await expect(assertTargetAllowed('http://10.1.1.1', true)).resolves.toBeInstanceOf(URL);
    await expect(assertTargetAllowed('ftp://127.0.0.1', false)).rejects.toThrow(/http/);
    await expect(assertTargetAllowed('not a url', false)).rejects.toThrow(/not a URL/);
  });
});
