// compare and gate read both sides with the report engine's one loader and judge with one rule, so the same
// two runs give the same verdicts whether they are given as run directories, a baseline directory or report.json.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeFixtureRunDir } from '../report/fixtures/make-run-dir.ts';
import { compareInputs } from '../report/compare-inputs.ts';
import { writeReport } from '../report/index.ts';
import { saveBaseline } from './baseline.ts';
import { runGate } from './index.ts';

const work = mkdtempSync(path.join(tmpdir(), 'loadctl-agreement-'));
const config = path.join(work, 'gate.yaml');
let baseRun: string;
let currentRun: string;
let baselineDir: string;

beforeAll(async () => {
  baseRun = makeFixtureRunDir(path.join(work, 'base'));
  currentRun = makeFixtureRunDir(path.join(work, 'current'), {
    slower: { 'GET /slow': 1.6, 'POST /reservations': 1.3 },
  });
  await writeReport(baseRun);
  await writeReport(currentRun);
  ({ dir: baselineDir } = await saveBaseline(baseRun, 'fixture', async () => undefined, path.join(work, 'baselines')));
  // the gate's rules made equal to compare's default tolerances, so the two can be held to the same verdicts
  writeFileSync(
    config,
    [
      'defaults:',
      '  p95: { relativePct: 10, absolute: 2 }',
      '  p99: { relativePct: 10, absolute: 2 }',
      '  errorRate: { absolutePp: 0.5 }',
      '  throughput: { relativePct: 10, absolute: 5 }',
      'minRequests: 0',
      '',
    ].join('\n'),
  );
});

const GATE_TO_COMPARE = { p95: 'p95', p99: 'p99', errorRate: 'error_rate', throughput: 'rps' } as const;

describe('compare and gate agree', () => {
  it('compare gives the same regressions for directories, a baseline directory and report.json', async () => {
    const forms: [string, string][] = [
      [currentRun, baseRun],
      [currentRun, baselineDir],
      [path.join(currentRun, 'report.json'), path.join(baselineDir, 'report.json')],
    ];
    const results = await Promise.all(
      forms.map(async ([current, baseline]) =>
        (await compareInputs(current, baseline)).comparison.regressions.map((r) => `${r.subject} ${r.metric}`),
      ),
    );
    expect(results[0]).toEqual(expect.arrayContaining(['GET /slow p95', 'POST /reservations p95']));
    for (const other of results.slice(1)) expect(other).toEqual(results[0]);
  });

  it('gate gives the same verdicts for those forms, and regresses exactly what compare does', async () => {
    const viaDirs = await runGate({ runDirs: [currentRun], baseline: baselineDir, configFile: config });
    const viaJson = await runGate({
      runDirs: [path.join(currentRun, 'report.json')],
      baseline: path.join(baselineDir, 'report.json'),
      configFile: config,
    });
    expect(viaJson.verdicts).toEqual(viaDirs.verdicts);
    // the fixture run failed a k6 threshold of its own, which outranks the regressions in the status
    expect(viaDirs.status).toBe('thresholds-failed');
    const gated = viaDirs.verdicts
      .filter((v) => v.status === 'regressed')
      .map((v) => `${v.endpoint} ${GATE_TO_COMPARE[v.metric]}`);
    const { comparison } = await compareInputs(currentRun, baselineDir);
    const compared = comparison.regressions
      .filter((r) => Object.values(GATE_TO_COMPARE).includes(r.metric as never))
      .map((r) => `${r.subject} ${r.metric}`);
    expect(gated.length).toBeGreaterThan(0);
    expect(gated.sort()).toEqual(compared.sort());
  });

  it('refuses a baseline of another workload (exit 2) unless the mismatch is allowed', async () => {
    const other = makeFixtureRunDir(path.join(work, 'other'), { workload: 'booking' });
    await expect(compareInputs(other, baselineDir)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/workload concerts, this run booking/),
    });
    await expect(runGate({ runDirs: [other], baseline: baselineDir, configFile: config })).rejects.toMatchObject({
      exitCode: 2,
    });
    expect((await compareInputs(other, baselineDir, { allowMismatch: true })).comparison.regressions).toEqual([]);
    const allowed = await runGate({ runDirs: [other], baseline: baselineDir, configFile: config, allowMismatch: true });
    expect(allowed.verdicts.filter((v) => v.status === 'regressed')).toEqual([]);
  });

  it('lists endpoints present on one side only', async () => {
    const { baseline } = await compareInputs(currentRun, baselineDir);
    const fewer = path.join(work, 'fewer.json');
    writeFileSync(
      fewer,
      JSON.stringify({ ...baseline, endpoints: baseline.endpoints.filter((e) => e.name !== 'GET /slow') }),
    );
    const { comparison } = await compareInputs(currentRun, fewer);
    expect(comparison.onlyInCurrent).toEqual(['GET /slow']);
    const result = await runGate({ runDirs: [currentRun], baseline: fewer, configFile: config });
    expect(result.verdicts).toContainEqual(
      expect.objectContaining({
        endpoint: 'GET /slow',
        status: 'not-gated',
        explanation: expect.stringMatching(/new in this run/),
      }),
    );
  });
});
