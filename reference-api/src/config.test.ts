import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('API configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      HOST: '127.0.0.1',
      PORT: 8080,
      HOLD_TTL_SECONDS: 300,
      QUEUE_ACTIVE_CAPACITY: 5000,
      LOCAL_CACHE_TTL_MS: 1000,
    });
    expect(config.ADMIN_TOKEN).toBeUndefined();
  });

  it('treats empty variables as unset and coerces numbers', () => {
    const config = loadConfig({ ADMIN_TOKEN: '', PORT: '9090' });
    expect(config.ADMIN_TOKEN).toBeUndefined();
    expect(config.PORT).toBe(9090);
  });

  it('names every bad variable in one error', () => {
    const bad = { PORT: 'eighty', WORKERS: '0', ADMIN_TOKEN: 'short' };
    expect(() => loadConfig(bad)).toThrow(ConfigError);
    const message = (() => {
      try {
        loadConfig(bad);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    for (const name of Object.keys(bad)) expect(message).toContain(`${name}:`);
  });
});
