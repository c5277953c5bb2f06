// What k6-operator would do with our manifests, done here with the real k6 and the real stack: take the
// archive out of the ConfigMap, start one k6 per runner with the operator's execution-segment flags and the
// TestRun's arguments (with $(VAR) expanded and /results mounted on a temp dir, as Kubernetes would), then
// merge the runners' raw streams with the report engine — the path cli/k8s/README.md documents.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionSegment } from '../k6/args.ts';
import { loadReportModel } from '../report/index.ts';
import { startTestStack, type TestStack } from '../stack/test-stack.ts';
import { resolveK6 } from '../toolchain/tools.ts';
import { writeK8s } from './index.ts';
import { ConfigMap, TestRun } from './k6-operator-schema.ts';
import { ARCHIVE_FILE, RESULTS_MOUNT } from './manifests.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('loadctl k8s manifests, executed as k6-operator would', () => {
  it("runs the ConfigMap archive in 2 segments and the runners' raw streams merge into one report", async () => {
    const work = mkdtempSync(join(tmpdir(), 'loadctl-k8s-int-'));
    const written = await writeK8s({
      subject: { kind: 'workload', shape: 'smoke', workload: 'concerts' },
      parallelism: 2,
      target: 'http://reference-api:8080',
      outDir: work,
      scale: 1,
      resultsStorage: '1Gi',
    });
    const [configMapDoc, , testRunDoc] = parseAllDocuments(readFileSync(written.testRunFile, 'utf8')).map(
      (doc) => doc.toJS() as unknown,
    );
    const configMap = ConfigMap.parse(configMapDoc);
    const testRun = TestRun.parse(testRunDoc);
    const archive = join(work, ARCHIVE_FILE);
    writeFileSync(archive, Buffer.from(configMap.binaryData?.[ARCHIVE_FILE] ?? '', 'base64'));

    const results = mkdtempSync(join(tmpdir(), 'loadctl-k8s-results-'));
    const k6 = await resolveK6();
    const runners = Array.from({ length: testRun.spec.parallelism }, (_, index) => {
      const job = `${testRun.metadata.name}-${index + 1}`;
      const { segment, sequence } = executionSegment({ index, count: testRun.spec.parallelism });
      const args = (testRun.spec.arguments ?? '')
        .replaceAll('$(LOADCTL_RUNNER_JOB)', job) // Kubernetes' $(VAR) expansion from the runner env
        .replaceAll(`${RESULTS_MOUNT}/`, `${results}/`) // the results claim's mount
        .replace(/BASE_URL=\S+/, `BASE_URL=${stack.state.api.url}`) // the Service, here the local stack
        .split(' ');
      // the operator's runner command: k6 run --quiet <segment flags> <arguments> <script> … (plus --paused and a starter)
      return execa(
        k6.path,
        [
          'run',
          '--quiet',
          `--execution-segment=${segment}`,
          `--execution-segment-sequence=${sequence}`,
          ...args,
          archive,
          '--tag',
          `instance_id=${index + 1}`,
        ],
        {
          reject: false,
          all: true,
          env: { K6_NO_USAGE_REPORT: 'true' },
        },
      );
    });
    const outcomes = await Promise.all(runners);
    for (const outcome of outcomes) expect(outcome.exitCode, outcome.all).toBe(0);

    const rawFiles = written.rawFiles.map((file) => join(results, file));
    for (const file of rawFiles) expect(existsSync(file), file).toBe(true);
    const model = await loadReportModel(rawFiles);
    const concerts = model.endpoints.find((endpoint) => endpoint.name === '/concerts');
    console.log(
      `k8s runners: ${model.overview.requests} requests merged from ${rawFiles.length} streams, /concerts p95 ${concerts?.latency?.p95} ms`,
    );
    expect(concerts?.requests).toBeGreaterThan(10);
    expect(model.overview.errorRate).toBe(0);
    expect(model.source.files).toHaveLength(2);
  });
});
