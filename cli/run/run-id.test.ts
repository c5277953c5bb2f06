import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshRunId, runIdFor } from './run-id.ts';

describe('run ids', () => {
  const at = new Date('2026-11-25T11:30:00.123Z');

  it('are the start time, shape and workload', () => {
    expect(runIdFor(at, 'peak', 'concerts')).toBe('2026-11-25T11-30-00-peak-concerts');
  });

  it('never reuse a directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-ids-'));
    try {
      mkdirSync(join(dir, '2026-11-25T11-30-00-peak-concerts'));
      mkdirSync(join(dir, '2026-11-25T11-30-00-peak-concerts-2'));
      expect(freshRunId(dir, at, 'peak', 'concerts')).toBe('2026-11-25T11-30-00-peak-concerts-3');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
