// A capacity search through the real k6 against a real stack, kept short (steps of a few seconds at low
// rates): every step measures each process's CPU, the result is written after every step, a slowed API is
// named as the limit, and Ctrl-C (an abort) leaves a partial result and no k6.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient } from '../stack/admin-client.ts';
import { childPids, executableName } from '../stack/processes.ts';
import { startTestStack, type TestStack } from '../stack/test-stack.ts';
import { searchCapacity, type CapacityRequest } from './capacity.ts';
import { CAPACITY_FILE, type CapacityResult } from './result.ts';
import { RunMeta, RunFiles } from '../shared/run-dir.ts';

let stack: TestStack;
let reportsDir: string;

beforeAll(async () => {
  stack = await startTestStack();
  reportsDir = mkdtempSync(join(tmpdir(), 'loadctl-capacity-'));
});
afterAll(async () => {
  await stack?.stop();
  if (reportsDir) rmSync(reportsDir, { recursive: true, force: true });
});

const request = (overrides: Partial<CapacityRequest>): CapacityRequest => ({
  workload: 'concerts',
  sloText: 'p95<200ms,errors<1%',
  allowRemote: false,
  limits: { maxSteps: 2, maxTimeSeconds: 60, stepSeconds: 3 },
  search: { startRate: 50 },
  reportsDir,
  // no --target: the search measures the stack's own processes (up() reuses this healthy stack)
  stateDir: stack.state.stateDir,
  ...overrides,
});

const k6Children = (): number[] => childPids(process.pid).filter((pid) => executableName(pid) === 'k6');

describe('loadctl capacity', () => {
  it('steps up within its bounds, measuring the CPU of k6, the API, Redis and PostgreSQL', async () => {
    const { result, dir } = await searchCapacity(request({}));
    expect(result.steps.map((s) => s.offeredRate)).toEqual([50, 100]);
    expect(result.stoppedBecause).toMatch(/--max-steps 2/);
    for (const step of result.steps) {
      expect(step.throughput).toBeGreaterThan(0.8 * step.offeredRate);
      for (const component of ['k6', 'api', 'redis', 'postgres'] as const)
        expect(step.cores[component], component).toBeGreaterThanOrEqual(0);
      expect(step.cores.k6).toBeGreaterThan(0);
      expect(step.cores.api).toBeGreaterThan(0);
    }
    expect(result.sustainedRate).toBe(100);
    expect(result.model.bounds[0]?.formula).toMatch(/× 1000 \//);
    const stored = JSON.parse(readFileSync(join(dir, CAPACITY_FILE), 'utf8')) as CapacityResult;
    expect(stored.steps).toHaveLength(2);
    expect(readFileSync(join(dir, 'capacity.md'), 'utf8')).toContain('**Sustained at the SLO: 100/s**');
    expect(readFileSync(join(dir, 'latency-vs-throughput.svg'), 'utf8')).toContain('<svg');
    expect(readFileSync(join(dir, 'capacity.html'), 'utf8')).toContain('latency-vs-throughput');
  });

  it("searches a user's own script: its default function at the rate steps, the API's CPU from its /metrics", async () => {
    const script = join(reportsDir, 'health-check.js');
    // its own options (one iteration) are what the search replaces
    writeFileSync(
      script,
      [
        "import http from 'k6/http';",
        "import { check } from 'k6';",
        'export const options = { iterations: 1 };',
        'export default function () {',
        "  check(http.get(`${__ENV.BASE_URL}/health`), { 'status 200': (r) => r.status === 200 });",
        '}',
      ].join('\n'),
    );
    const api = stack.state.api.url.replace(/\/$/, '');
    const { result, dir } = await searchCapacity(
      request({ script, target: api, metricsUrls: [`${api}/metrics`], stateDir: undefined }),
    );
    expect(result.workload).toBe('health-check');
    expect(result.script).toMatch(/health-check\.js$/);
    expect(dir).toMatch(/-health-check$/);
    expect(result.steps.map((s) => s.offeredRate)).toEqual([50, 100]);
    for (const step of result.steps) {
      expect(step.throughput).toBeGreaterThan(0.8 * step.offeredRate);
      expect(step.cores.k6).toBeGreaterThan(0);
      // an external view: the API's CPU from its process_cpu_seconds_total, the database's not known
      expect(step.cores.api).toBeGreaterThan(0);
      expect(step.cores.postgres).toBeUndefined();
      const meta = RunMeta.parse(JSON.parse(readFileSync(join(step.runDir, RunFiles.meta), 'utf8')));
      expect(meta.shape).toBe('rate');
    }
  });

  it('refuses a k6 archive with one line, before any load', async () => {
    const archive = join(reportsDir, 'sealed.tar');
    writeFileSync(archive, '');
    await expect(searchCapacity(request({ script: archive }))).rejects.toThrow(/not a k6 archive/);
  });

  it('names the API as the limit when the API itself is slow (its latency switch)', async () => {
    const admin = adminClient(stack.state);
    await admin.chaos({ latencyMs: 250, errorRate: 0 });
    try {
      const { result } = await searchCapacity(request({ limits: { maxSteps: 1, maxTimeSeconds: 60, stepSeconds: 3 } }));
      expect(result.steps[0]?.verdict.held).toBe(false);
      expect(result.limit.kind).toBe('system');
      expect(result.limit.what).toMatch(/API/);
    } finally {
      await admin.chaos({ latencyMs: 0, errorRate: 0 });
    }
  });

  it('Ctrl-C stops the step, leaves no k6 and writes the partial result', async () => {
    const abort = new AbortController();
    const searching = searchCapacity(
      request({ limits: { maxSteps: 3, maxTimeSeconds: 120, stepSeconds: 30 }, signal: abort.signal }),
    );
    const started = Date.now();
    while (k6Children().length === 0 && Date.now() - started < 20_000)
      await new Promise((resolve) => setTimeout(resolve, 200));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    abort.abort();
    const { result, dir } = await searching;
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(result.stoppedBecause).toMatch(/interrupted/);
    // the abort lands in the warm-up or the first step: no step finishes uninterrupted
    expect(result.steps.every((step) => step.interrupted)).toBe(true);
    expect(existsSync(join(dir, CAPACITY_FILE))).toBe(true);
    expect(k6Children()).toEqual([]);
  });
});
