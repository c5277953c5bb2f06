import { describe, expect, it } from 'vitest';
import { parseEndpoint, starterScript } from './starter.ts';

describe('loadctl init', () => {
  it('reads endpoints as [METHOD] /path', () => {
    expect(parseEndpoint('/health')).toEqual({ method: 'GET', path: '/health' });
    expect(parseEndpoint('post /orders')).toEqual({ method: 'POST', path: '/orders' });
    expect(parseEndpoint('FETCH /x')).toBeUndefined();
    expect(parseEndpoint('orders')).toBeUndefined();
  });

  it('writes name tags, checks and thresholds, and no remote import', () => {
    const script = starterScript('http://127.0.0.1:3000', [
      { method: 'GET', path: '/items/{id}' },
      { method: 'POST', path: '/users/:user/orders' },
    ]);
    expect(script).toContain('params("GET /items/{id}")');
    expect(script).toContain('${BASE_URL}/items/${PATH_VALUES.id}');
    expect(script).toContain('${BASE_URL}/users/${PATH_VALUES.user}/orders');
    expect(script).toContain("const PATH_VALUES = { id: '1', user: '1' };");
    expect(script).toMatch(/thresholds: \{\n\s+http_req_failed/);
    expect(script).toContain('check(res');
    expect(script).not.toMatch(/from 'https?:/);
  });
});
