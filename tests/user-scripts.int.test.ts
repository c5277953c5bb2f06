// A user's own k6 scripts through loadctl, written on the fly against a tiny node:http target (the full stack
// is not needed): run directories and exit codes, a seed shape around a script, --dry-run, k6 arguments after
// --, --metrics-url, gate and baseline, k8s archives, `loadctl init`, and the target rule without k6.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { saveBaseline } from '../cli/gate/baseline.ts';
import { runGate } from '../cli/gate/index.ts';
import { writeK8s } from '../cli/k8s/index.ts';
import { writeReport, loadReportModel } from '../cli/report/index.ts';
import { dryRun, executeRun } from '../cli/run/run.ts';
import type { RunRequest } from '../cli/run/request.ts';
import { UserError } from '../cli/shared/errors.ts';
import { ExitCode } from '../cli/shared/exit-codes.ts';
import { REPO_ROOT } from '../cli/shared/paths.ts';
import { RunFiles, RunMeta, SCRIPT_HOSTS_NOTE } from '../cli/shared/run-dir.ts';
import { resolveK6 } from '../cli/toolchain/tools.ts';
import { SEED_PEAK_STAGES } from '../scenarios/lib/shapes.ts';

const work = mkdtempSync(join(tmpdir(), 'loadctl-user-scripts-'));
const reportsDir = join(work, 'reports');
let server: Server;
let target: string;
let delayMs = 0;
let served = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/metrics') {
      response.end(`# TYPE target_requests_total counter\ntarget_requests_total ${served}\n`);
      return;
    }
    served++;
    setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), delayMs);
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((closed) => server?.close(closed));
  rmSync(work, { recursive: true, force: true });
});

/** Writes a script (and any local modules) under the work dir; returns the script's path. */
function script(name: string, source: string, modules: Record<string, string> = {}): string {
  const dir = join(work, 'scripts');
  for (const [file, text] of Object.entries(modules)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), source);
  return join(dir, name);
}

const PLAIN_JS = `import http from 'k6/http';
import { check } from 'k6';
export const options = {
  scenarios: { paced: { executor: 'constant-arrival-rate', rate: 40, timeUnit: '1s', duration: '3s', preAllocatedVUs: 8 } },
  thresholds: { http_req_failed: ['rate<0.01'] },
};
export default function () {
  check(http.get(\`\${__ENV.BASE_URL}/items\`, { tags: { name: 'GET /items' } }), { 'status 200': (r) => r.status === 200 });
}
`;

const runOf = (file: string, extra: Partial<RunRequest> = {}): RunRequest => ({
  subject: { kind: 'script', file },
  scale: 1,
  target,
  allowRemote: false,
  segments: 1,
  reportsDir,
  ...extra,
});

/** The one-line UserError a promise rejects with. */
async function userError(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).message).not.toContain('\n');
  return error as UserError;
}

function expectCompleteRunDir(runDir: string): RunMeta {
  for (const file of [RunFiles.meta, RunFiles.summary, RunFiles.raw, RunFiles.k6Log, RunFiles.report]) {
    expect(existsSync(join(runDir, file)), file).toBe(true);
  }
  return RunMeta.parse(JSON.parse(readFileSync(join(runDir, RunFiles.meta), 'utf8')));
}

describe('a user script through loadctl run', () => {
  let plain: string;
  beforeAll(() => {
    plain = script('plain.js', PLAIN_JS);
  });

  it('plain JS under its own options: a complete run directory, its server metrics, exit 0', async () => {
    const outcome = await executeRun(runOf(plain, { metricsUrls: [`${target}/metrics`] }));
    expect(outcome.exitCode, readFileSync(join(outcome.runDir, RunFiles.k6Log), 'utf8').slice(-1500)).toBe(ExitCode.ok);
    const meta = expectCompleteRunDir(outcome.runDir);
    expect(meta).toMatchObject({ shape: 'own', workload: 'plain', target, script: { hosts: SCRIPT_HOSTS_NOTE } });
    expect(meta.script?.file).toMatch(/plain\.js$/);
    expect(meta.phases).toEqual([{ name: 'paced: hold 40', startS: 0, endS: 3, target: 40 }]);
    expect(outcome.digest?.httpReqs).toBeGreaterThanOrEqual(100);
    const scrapes = readFileSync(join(outcome.runDir, RunFiles.serverMetrics), 'utf8').trim().split('\n');
    expect(scrapes.length).toBeGreaterThanOrEqual(2);
    expect(Object.keys(JSON.parse(scrapes[0] ?? '{}').values)).toContain(
      `target_requests_total{instance="${new URL(target).host}"}`,
    );
  });

  it('TypeScript with a local import', async () => {
    const file = script(
      'typed.ts',
      `import http from 'k6/http';
import { itemPath } from './lib/paths.ts';
export const options = { vus: 2, duration: '2s' };
export default function (): void {
  http.get(\`\${__ENV.BASE_URL}\${itemPath(7)}\`);
}
`,
      { 'lib/paths.ts': 'export function itemPath(id: number): string {\n  return `/items/${id}`;\n}\n' },
    );
    const outcome = await executeRun(runOf(file));
    expect(outcome.exitCode).toBe(ExitCode.ok);
    expectCompleteRunDir(outcome.runDir);
    expect(outcome.digest?.httpReqs).toBeGreaterThan(0);
  });

  it('its own scenarios and thresholds: phases from its plan, failed thresholds exit 1', async () => {
    const file = script(
      'own-plan.js',
      `import http from 'k6/http';
export const options = {
  scenarios: {
    ramp: { executor: 'ramping-vus', startVUs: 0, stages: [{ duration: '1s', target: 2 }, { duration: '1s', target: 2 }] },
    once: { executor: 'shared-iterations', vus: 1, iterations: 3, exec: 'once' },
  },
  thresholds: { http_req_duration: ['p(95)<0.0001'], 'http_reqs{scenario:once}': ['count==3'] },
};
export function once() { http.get(\`\${__ENV.BASE_URL}/once\`); }
export default function () { http.get(\`\${__ENV.BASE_URL}/items\`); }
`,
    );
    const outcome = await executeRun(runOf(file));
    expect(outcome.exitCode).toBe(ExitCode.thresholdsFailed);
    const meta = expectCompleteRunDir(outcome.runDir);
    expect(meta.phases.map((phase) => phase.name)).toEqual(['ramp: ramp up to 2', 'ramp: hold 2']);
    expect(outcome.digest?.failedThresholds).toEqual(['http_req_duration: p(95)<0.0001']);
  });

  it('a script that throws in setup: its run directory, exit 3 and k6 error in one line', async () => {
    const file = script(
      'bad-setup.js',
      `import http from 'k6/http';
export const options = { vus: 1, duration: '2s' };
export function setup() { throw new Error('no seed data for the test'); }
export default function () { http.get(\`\${__ENV.BASE_URL}/items\`); }
`,
    );
    const outcome = await executeRun(runOf(file));
    expect(outcome.exitCode).toBe(ExitCode.environment);
    expect(outcome.k6Error).toContain('no seed data for the test');
    expect(outcome.k6Error).not.toContain('\n');
    for (const file of [RunFiles.meta, RunFiles.summary, RunFiles.raw, RunFiles.k6Log]) {
      expect(existsSync(join(outcome.runDir, file)), file).toBe(true);
    }
    // no iteration ran, so the raw stream holds no samples: the report is k6's summary's, and says so
    expect(outcome.reportError).toBeUndefined();
    const report = readFileSync(outcome.reportPath, 'utf8');
    expect(report).toContain('every figure is k6');
    expect(report).toMatch(/no k6 samples/);
    expect(outcome.meta.k6ExitCode).toBe(107);
  });

  it('a script k6 cannot load: one line, exit 3, no run directory', async () => {
    const before = existsSync(reportsDir) ? readdirSync(reportsDir).length : 0;
    const error = await userError(executeRun(runOf(script('broken.js', 'export default function ( {\n'))));
    expect(error.message).toMatch(/^k6 cannot load .*broken\.js: /);
    expect(error.exitCode).toBe(ExitCode.environment);
    expect(existsSync(reportsDir) ? readdirSync(reportsDir).length : 0).toBe(before);
  });

  it('refuses a passed-through k6 argument that conflicts with loadctl, in one line', async () => {
    const error = await userError(
      executeRun(runOf(plain, { k6Args: ['--tag', 'team=shop', '--out', 'json=mine.json'] })),
    );
    expect(error.message).toBe(
      "the k6 argument '--out json=mine.json' conflicts with loadctl: loadctl writes the raw stream itself (raw.json.gz in the run directory).",
    );
    expect(error.exitCode).toBe(ExitCode.badInput);
  });

  it("--shape peak --scale 0.05: the seed's peak stages in --dry-run and in the run", async () => {
    const shaped = runOf(plain, { subject: { kind: 'script', file: plain, shape: 'peak' }, scale: 0.05 });
    const planned = await dryRun(shaped);
    const options = JSON.parse(planned.options) as {
      scenarios: Record<string, { stages: unknown }>;
      thresholds: unknown;
    };
    const peakStages = SEED_PEAK_STAGES.map((stage) => ({ ...stage, target: stage.target * 0.05 }));
    expect(Object.keys(options.scenarios)).toEqual(['peak_test']);
    expect(options.scenarios.peak_test?.stages).toEqual(peakStages);
    expect(options.thresholds).toEqual({ http_req_failed: ['rate<0.01'] });

    // a few seconds of the 70 s plan are enough to see k6 run it
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 4000);
    const outcome = await executeRun({ ...shaped, signal: abort.signal });
    expect(outcome.exitCode).toBe(ExitCode.interrupted);
    expect(outcome.meta.phases.map((phase) => phase.target)).toEqual(peakStages.map((stage) => stage.target));
    const raw = gunzipSync(readFileSync(join(outcome.runDir, RunFiles.raw))).toString();
    expect(raw).toContain('"scenario":"peak_test"');
  });
});

/**
 * The target shares this test process's event loop on a shared 2-core host: a few ms of jitter on a ~1 ms p95
 * is noise, not a regression. Tolerances wide enough for that, and the slowed target adds 80 ms.
 */
const gateConfig = join(work, 'gate.yaml');
writeFileSync(
  gateConfig,
  [
    'version: 1',
    'defaults:',
    '  p95: { relativePct: 100, absolute: 20 }',
    '  p99: { relativePct: 100, absolute: 40 }',
    '  errorRate: { absolutePp: 0.5 }',
    '  throughput: { relativePct: 20, absolute: 10 }',
    'minRequests: 50',
    '',
  ].join('\n'),
);

describe('gate, baseline and k8s on a user script', () => {
  it('passes against its own baseline, fails against a slowed target, refuses another script', async () => {
    const plain = script('gated.js', PLAIN_JS);
    const first = await executeRun(runOf(plain));
    const baselinesDir = join(work, 'baselines');
    const saved = await saveBaseline(
      first.runDir,
      undefined,
      async (dir) => void (await writeReport(dir)),
      baselinesDir,
    );
    expect(saved.dir).toMatch(/own-gated$/);
    expect(RunMeta.parse(JSON.parse(readFileSync(join(saved.dir, RunFiles.meta), 'utf8'))).script?.file).toMatch(
      /gated\.js$/,
    );

    const again = await executeRun(runOf(plain));
    const passed = await runGate({
      runDirs: [again.runDir],
      baseline: saved.dir,
      configFile: gateConfig,
    });
    const regressions = passed.verdicts.filter((verdict) => verdict.status === 'regressed');
    expect(passed.status, JSON.stringify(regressions)).toBe('passed');

    delayMs = 80;
    const slowed = await executeRun(runOf(plain)).finally(() => (delayMs = 0));
    const failed = await runGate({
      runDirs: [slowed.runDir],
      baseline: saved.dir,
      configFile: gateConfig,
    });
    expect(failed).toMatchObject({ status: 'regressed', exitCode: ExitCode.regression });

    const other = await executeRun(runOf(script('other.js', PLAIN_JS)));
    const error = await userError(runGate({ runDirs: [other.runDir], baseline: saved.dir }));
    expect(error.message).toMatch(/belongs to .*gated\.js, but .* ran .*other\.js/);
  });

  it('k8s writes an archive of the script and its local import that k6 inspect accepts', async () => {
    const file = script(
      'k8s-test.ts',
      "import http from 'k6/http';\nimport { base } from './lib/base.ts';\nexport default function (): void {\n  http.get(base());\n}\n",
      {
        'lib/base.ts': "export const base = (): string => __ENV.BASE_URL ?? 'http://shop:8080';\n",
      },
    );
    const outDir = join(work, 'k8s');
    const written = await writeK8s({
      subject: { kind: 'script', file },
      parallelism: 2,
      target: 'http://shop.default.svc:8080',
      outDir,
      scale: 1,
      resultsStorage: '1Gi',
    });
    const [configMap] = parseAllDocuments(readFileSync(written.testRunFile, 'utf8')).map(
      (doc) => doc.toJSON() as { binaryData?: Record<string, string> },
    );
    const archive = join(work, 'archive.tar');
    writeFileSync(archive, Buffer.from(configMap?.binaryData?.['archive.tar'] ?? '', 'base64'));
    const listing = await execa('tar', ['tf', archive]);
    expect(listing.stdout).toMatch(/lib\/base\.ts/);
    const k6 = await resolveK6();
    const inspected = await execa(k6.path, ['inspect', archive], {
      reject: false,
      env: { K6_NO_USAGE_REPORT: 'true' },
    });
    expect(inspected.exitCode, inspected.stderr).toBe(0);
  });
});

/** bin/loadctl without bash: node with tsx, from the repository. */
function cli(
  args: string[],
  env: Record<string, string>,
  cwd = work,
): Promise<{ code: number; stderr: string; stdout: string; ms: number }> {
  const started = Date.now();
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', join(REPO_ROOT, 'node_modules/tsx/dist/esm/index.mjs'), join(REPO_ROOT, 'cli/main.ts'), ...args],
      { cwd, env: { HOME: process.env.HOME ?? '/tmp', ...env } },
      (error, stdout, stderr) =>
        done({ code: error ? Number(error.code) : 0, stdout, stderr, ms: Date.now() - started }),
    );
  });
}

describe('the loadctl command line with a user script', () => {
  it('refuses a remote target with exit 2 in under a second, with no k6 on PATH or in the tools dir', async () => {
    const plain = script('remote.js', PLAIN_JS);
    const noTools = mkdtempSync(join(work, 'no-tools-'));
    const attempts = [];
    // best of three: the machine is shared, and node's own start-up is most of the time
    for (let i = 0; i < 3; i++)
      attempts.push(
        await cli(['run', plain, '--target', 'http://203.0.113.5:8080'], { PATH: '', LOADCTL_TOOLS_DIR: noTools }),
      );
    for (const attempt of attempts) {
      expect(attempt.code).toBe(ExitCode.badInput);
      expect(attempt.stderr.trim().split('\n')).toHaveLength(1);
      expect(attempt.stderr).toContain('refusing to send load to 203.0.113.5:8080');
    }
    expect(Math.min(...attempts.map((attempt) => attempt.ms))).toBeLessThan(1000);
    expect(readdirSync(noTools)).toEqual([]);
  });

  it('refuses a conflicting k6 argument after -- with exit 2', async () => {
    const result = await cli(
      ['run', script('conflict.js', PLAIN_JS), '--target', target, '--', '--address', 'localhost:6565'],
      { PATH: process.env.PATH ?? '' },
    );
    expect(result.code).toBe(ExitCode.badInput);
    expect(result.stderr).toContain("the k6 argument '--address localhost:6565' conflicts with loadctl");
  });

  it('init writes a starter test that loadctl run runs, one endpoint per route', async () => {
    const initialised = await cli(
      ['init', 'starter.ts', '--base-url', target, '-e', 'GET /items/{id}', '-e', 'POST /orders'],
      { PATH: process.env.PATH ?? '' },
    );
    expect(initialised.code, initialised.stderr).toBe(0);
    const file = join(work, 'starter.ts');
    const outcome = await executeRun(
      runOf(file, { subject: { kind: 'script', file, shape: 'smoke' }, duration: '2s' }),
    );
    expect(outcome.exitCode, readFileSync(join(outcome.runDir, RunFiles.k6Log), 'utf8').slice(-1500)).toBe(ExitCode.ok);
    const model = await loadReportModel(outcome.runDir);
    expect(model.endpoints.map((endpoint) => endpoint.name).sort()).toEqual(['GET /items/{id}', 'POST /orders']);
  });
});
