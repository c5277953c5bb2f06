import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('API configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ HOST: '127.0.0.1', PORT: 8080, HOLD_TTL_SECONDS: 300, QUEUE_ACTIVE_CAPACITY: 5000, LOCAL_CACHE_TTL_MS: 1000 });
    expect(config.ADMIN_TOKEN).toBeUndefined();
  });

  it('treats empty variables as unset and coerces numbers', () => {
    expect(loadConfig({ ADMIN_TOKEN: '', PORT: '9090' })).toMatchObject({ ADMIN_TOKEN: undefined, PORT: 9090 });
  });

  it('names every bad variable in one error', () => {
    expect(() => loadConfig({ PORT: 'eighty', WORKERS: '0', ADMIN_TOKEN: 'short' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', WORKERS: '0', ADMIN_TOKEN: 'short' });
    } catch (error) {
      expect((error as Error).message).toMatch(/PORT.*WORKERS.*ADMIN_TOKEN|PORT[\s\S]*WORKERS[\s\S]*ADMIN_TOKEN/);
    }
  });
});
