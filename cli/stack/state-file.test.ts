import { describe, expect, it } from 'vitest';
import { UserError } from '../shared/errors.ts';
import { assertSignallable } from './stopping.ts';
import { parseStackState } from './state-file.ts';
import type { StackState } from '../shared/stack-state.ts';

const dir = '/tmp/loadctl-unit-state';
const at = '2026-01-01T00:00:00.000Z';
const valid: StackState = {
  version: 1,
  stateDir: dir,
  createdAt: at,
  redis: { pid: 100, host: '127.0.0.1', port: 40001, url: 'redis://127.0.0.1:40001', owned: true, startedAt: at },
  postgres: {
    pid: 101,
    host: '127.0.0.1',
    port: 40002,
    url: 'postgres://postgres@127.0.0.1:40002/booking',
    owned: true,
    startedAt: at,
  },
  api: {
    pid: 102,
    host: '127.0.0.1',
    port: 40003,
    url: 'http://127.0.0.1:40003',
    owned: true,
    startedAt: at,
    adminToken: 't',
    workers: 2,
  },
};

describe('parseStackState', () => {
  it('accepts a state that describes its own dir', () => {
    expect(parseStackState(valid, dir)).toEqual(valid);
  });

  it('names the bad field of a malformed state', () => {
    expect(() => parseStackState({ ...valid, redis: { ...valid.redis, port: 'x' } }, dir)).toThrow(/redis\.port/);
  });

  it('refuses a state copied from another dir, whose PIDs it cannot vouch for', () => {
    expect(() => parseStackState(valid, '/somewhere/else')).toThrow(UserError);
  });
});

describe('assertSignallable', () => {
  it('allows a service the stack started on its own port', () => {
    expect(() => assertSignallable('redis', valid.redis)).not.toThrow();
  });

  it.each([6379, 5432])('refuses anything claiming the shared port %i', (port) => {
    expect(() => assertSignallable('redis', { ...valid.redis, port })).toThrow(/shared instance/);
  });

  it('refuses an external service', () => {
    expect(() => assertSignallable('postgres', { ...valid.postgres, owned: false, pid: undefined })).toThrow(
      /did not start it/,
    );
  });
});
