// Lives with the gate: it saves real baselines (gate/baseline.ts) and checks the report engine never changes them.
// `report` never destroys a report: baselines stay byte-for-byte, a richer report.json is never replaced by a
// poorer one, a run directory is read from its richest source, and no chart of an earlier build stays behind.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveBaseline } from './baseline.ts';
import { makeFixtureRunDir } from '../report/fixtures/make-run-dir.ts';
import { loadReportModel, writeReport, writeReportFiles } from '../report/index.ts';

const work = mkdtempSync(path.join(tmpdir(), 'loadctl-keep-'));
let runDir: string;
let baselineDir: string;

/** path → sha256 of every file under dir (directories by their listing) */
function fingerprint(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, name);
    result[name] = statSync(file).isDirectory() ? 'dir' : createHash('sha256').update(readFileSync(file)).digest('hex');
  }
  return result;
}

beforeAll(async () => {
  runDir = makeFixtureRunDir(path.join(work, 'run'));
  await writeReport(runDir);
  ({ dir: baselineDir } = await saveBaseline(runDir, 'fixture', async () => undefined, path.join(work, 'baselines')));
});

describe('never destroy a report', () => {
  it('leaves a baseline directory byte-for-byte unchanged, and writes elsewhere with --out', async () => {
    const before = fingerprint(baselineDir);
    await expect(writeReport(baselineDir)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/is a baseline.*unchanged/),
      fix: expect.stringMatching(/--out DIR/),
    });
    const model = await loadReportModel(baselineDir);
    await expect(writeReportFiles(model, baselineDir)).rejects.toThrow(/is a baseline/);
    expect(fingerprint(baselineDir)).toEqual(before);
    const elsewhere = path.join(work, 'elsewhere');
    await writeReport(baselineDir, { outDir: elsewhere });
    expect(existsSync(path.join(elsewhere, 'report.md'))).toBe(true);
  });

  it('reads a baseline from its report.json, not its poorer summary', async () => {
    const [fromBaseline, fromRun] = [await loadReportModel(baselineDir), await loadReportModel(runDir)];
    expect(fromBaseline.source.format).toBe('raw-stream');
    expect(fromBaseline.endpoints).toEqual(fromRun.endpoints);
    expect(fromBaseline.timeline.length).toBeGreaterThan(2);
  });

  it('refuses to replace a richer report.json with one built from the summary beside it', async () => {
    const before = fingerprint(runDir);
    await expect(writeReport(path.join(runDir, 'summary.json'))).rejects.toThrow(
      /report\.json holds more than the report built now \(.*timeline buckets \d+ → 0.*\): nothing written/,
    );
    expect(fingerprint(runDir)).toEqual(before);
  });

  it('replaces the charts directory whole: no chart of an earlier build stays', async () => {
    const charts = path.join(runDir, 'charts');
    mkdirSync(charts, { recursive: true });
    writeFileSync(path.join(charts, 'stale-from-an-old-build.svg'), '<svg/>');
    const written = await writeReport(runDir);
    expect(readdirSync(charts).sort()).toEqual(
      readFileSync(written.markdownPath, 'utf8')
        .match(/charts\/[\w-]+\.svg/g)
        ?.map((c) => c.slice(7))
        .sort(),
    );
    expect(readdirSync(runDir).filter((name) => name.startsWith('.report-'))).toEqual([]);
  });
});
