import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baselineFiles, resolveBaseline, saveBaseline } from './baseline.ts';

const meta = {
  runId: '20261125-smoke-concerts',
  shape: 'smoke',
  workload: 'concerts',
  target: 'http://127.0.0.1:8080',
  k6Version: '2.2.0',
  machine: { hostname: 'h', cpus: 2, memoryGb: 24, os: 'linux', node: '20' },
  startedAt: '2026-11-25T00:00:00Z',
};

async function runDir(files: Record<string, string>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'loadctl-baseline-run-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('baseline save', () => {
  it('keeps the model, summaries, report and meta, never the raw streams', () => {
    expect(
      baselineFiles([
        'meta.json',
        'raw.json.gz',
        'raw.0.json.gz',
        'summary.json',
        'summary.1.json',
        'report.json',
        'report.md',
        'k6.log',
        'charts',
      ]).sort(),
    ).toEqual(['charts', 'meta.json', 'report.json', 'report.md', 'summary.1.json', 'summary.json'].sort());
  });

  it('copies into <baselines>/<shape>-<workload> and finds it again by name', async () => {
    const baselines = mkdtempSync(join(tmpdir(), 'loadctl-baselines-'));
    const dir = await runDir({
      'meta.json': JSON.stringify(meta),
      'report.json': '{}',
      'raw.json.gz': 'x',
      'summary.json': '{}',
    });
    const saved = await saveBaseline(dir, undefined, async () => undefined, baselines);
    expect(saved.dir).toBe(join(baselines, 'smoke-concerts'));
    expect(readdirSync(saved.dir).sort()).toEqual(['meta.json', 'report.json', 'summary.json']);
    expect(await resolveBaseline('smoke-concerts', baselines)).toBe(saved.dir);
    expect(await resolveBaseline(saved.dir, baselines)).toBe(saved.dir);
  });

  it('asks the report engine for report.json when the run has none', async () => {
    const baselines = mkdtempSync(join(tmpdir(), 'loadctl-baselines-'));
    const dir = await runDir({ 'meta.json': JSON.stringify(meta) });
    await saveBaseline(dir, 'mine', async (run) => writeFileSync(join(run, 'report.json'), '{}'), baselines);
    expect(readdirSync(join(baselines, 'mine'))).toContain('report.json');
  });

  it('refuses a directory that is not a run, and a bad name', async () => {
    const baselines = mkdtempSync(join(tmpdir(), 'loadctl-baselines-'));
    const empty = mkdtempSync(join(tmpdir(), 'loadctl-not-a-run-'));
    await expect(saveBaseline(empty, undefined, async () => undefined, baselines)).rejects.toThrow(
      /not a run directory/,
    );
    const dir = await runDir({ 'meta.json': JSON.stringify(meta), 'report.json': '{}' });
    await expect(saveBaseline(dir, '../escape', async () => undefined, baselines)).rejects.toThrow(
      /not a usable baseline name/,
    );
  });

  it('names the known baselines when one is missing', async () => {
    const baselines = mkdtempSync(join(tmpdir(), 'loadctl-baselines-'));
    await mkdir(join(baselines, 'peak-concerts'));
    writeFileSync(join(baselines, 'peak-concerts', 'report.json'), '{}');
    await expect(resolveBaseline('nope', baselines)).rejects.toMatchObject({ fix: 'use one of: peak-concerts' });
  });
});
