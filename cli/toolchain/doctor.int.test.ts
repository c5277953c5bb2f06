// doctor against the real machine: all present after set-up; with k6 taken away it says how to get it.
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../shared/exit-codes.ts';
import { findExecutable } from './executables.ts';
import type { CheckResult } from './doctor.ts';

const loadctl = join(import.meta.dirname, '..', '..', 'bin', 'loadctl');

async function doctor(
  env: Record<string, string> = {},
): Promise<{ exitCode: number | undefined; checks: CheckResult[] }> {
  const result = await execa(loadctl, ['doctor', '--json'], { env, reject: false });
  return { exitCode: result.exitCode, checks: (JSON.parse(result.stdout) as { checks: CheckResult[] }).checks };
}

describe('loadctl doctor', () => {
  const emptyTools = mkdtempSync(join(tmpdir(), 'loadctl-no-tools-'));
  afterAll(() => rmSync(emptyTools, { recursive: true, force: true }));

  it('finds everything on a set-up machine', async () => {
    const { exitCode, checks } = await doctor();
    expect(checks.filter((check) => check.status === 'missing')).toEqual([]);
    expect(exitCode).toBe(ExitCode.ok);
  });

  it('with no k6 on PATH or in the tools dir, says how to get it and exits with the environment code', async () => {
    // PATH keeps only what runs node and the system programs; the project's tools dir is replaced by an empty one.
    const k6OnPath = findExecutable('k6');
    const path = (process.env.PATH ?? '')
      .split(':')
      .filter((dir) => !k6OnPath || dir !== dirname(k6OnPath))
      .join(':');
    const { exitCode, checks } = await doctor({ PATH: path, LOADCTL_TOOLS_DIR: emptyTools });
    const k6 = checks.find((check) => check.component === 'k6');
    expect(k6?.status).toBe('missing');
    expect(k6?.fix).toMatch(/npm run setup/);
    expect(k6?.fix).toMatch(/Grafana/);
    expect(exitCode).toBe(ExitCode.environment);
  });
});
