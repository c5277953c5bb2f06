import { describe, expect, it } from 'vitest';
import { withInstance } from './server-metrics.ts';

describe('server metrics from several endpoints', () => {
  it('labels a --metrics-url source with its instance', () => {
    expect(withInstance({ up: 1, 'http_requests_total{code="200"}': 5 }, '127.0.0.1:3000')).toEqual({
      'up{instance="127.0.0.1:3000"}': 1,
      'http_requests_total{instance="127.0.0.1:3000",code="200"}': 5,
    });
    expect(withInstance({ up: 1 }, undefined)).toEqual({ up: 1 });
  });
});
