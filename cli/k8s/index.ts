// `loadctl k8s`: build the subject's k6 archive (a workload, or a user's script with its local imports) with the
// real k6, then write the k6-operator manifests.
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKLOADS } from '../../scenarios/lib/catalogue.ts';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { NO_USAGE_REPORT, workloadArgs } from '../k6/args.ts';
import { checkSubject, isArchive, k6Entry, subjectLabels, type RunSubject } from '../k6/subject.ts';
import { resolveK6 } from '../toolchain/tools.ts';
import { CONFIG_MAP_MAX_BYTES } from './k6-operator-schema.ts';
import {
  buildManifests,
  collectorYaml,
  rawFileName,
  testRunName,
  testRunYaml,
  type K8sManifests,
} from './manifests.ts';

export interface K8sOptions {
  subject: RunSubject;
  parallelism: number;
  /** base URL as seen from the runner pods */
  target: string;
  outDir: string;
  namespace?: string;
  scale: number;
  image?: string;
  resultsStorage: string;
  storageClassName?: string;
}

export interface K8sResult {
  manifests: K8sManifests;
  testRunFile: string;
  collectorFile: string;
  archiveBytes: number;
  /** the raw stream each runner writes, in runner order */
  rawFiles: string[];
}

/** In a cluster, the reference API is a Service next to the TestRun. */
export const DEFAULT_CLUSTER_TARGET = 'http://reference-api:8080';

/** Checks the options before anything runs. */
export function validateK8sOptions(options: K8sOptions): void {
  const { subject } = options;
  checkSubject(subject);
  if (!Number.isInteger(options.parallelism) || options.parallelism < 1 || options.parallelism > 1000) {
    throw new UserError(
      `--parallelism must be a whole number from 1 to 1000, not '${options.parallelism}'.`,
      'e.g. --parallelism 4',
    );
  }
  let url: URL;
  try {
    url = new URL(options.target);
  } catch {
    throw new UserError(`--target '${options.target}' is not a URL.`, `e.g. --target ${DEFAULT_CLUSTER_TARGET}`);
  }
  if (!['http:', 'https:'].includes(url.protocol))
    throw new UserError(`--target must be http(s), not ${url.protocol}.`, `e.g. --target ${DEFAULT_CLUSTER_TARGET}`);
  // A runner pod's loopback is the pod itself: such a target would load nothing.
  if (/^(localhost|127\.|\[::1\])/.test(url.hostname)) {
    throw new UserError(
      `--target ${options.target} is loopback, which inside a runner pod is the pod itself.`,
      'give the API as the cluster sees it, e.g. its Service URL',
    );
  }
  if (/\s/.test(options.target))
    throw new UserError('--target must not contain spaces.', 'k6-operator splits arguments on spaces');
}

/** The runner image: k6's own, at the version that built the archive; browser workloads need the Chromium build. */
export function runnerImage(k6Version: string, subject: RunSubject): string {
  const browser = subject.kind === 'workload' && WORKLOADS[subject.workload].browser;
  return `grafana/k6:${k6Version}${browser ? '-with-browser' : ''}`;
}

/** `k6 archive` of the subject's entry: the script and every local module it imports, with its -e values. */
async function buildArchive(k6Path: string, options: K8sOptions, work: string): Promise<Buffer> {
  const { subject } = options;
  if (subject.kind === 'script' && isArchive(subject.file)) return readFile(subject.file);
  const entry = k6Entry(subject, { scale: options.scale }, undefined, work);
  const archivePath = join(work, 'archive.tar');
  // -e values are stored in the archive, so every runner gets the same shape and scale.
  const result = await execa(k6Path, ['archive', ...workloadArgs(entry.env), '-O', archivePath, entry.script], {
    cwd: entry.cwd,
    reject: false,
    all: true,
    env: NO_USAGE_REPORT,
  });
  if (result.exitCode !== 0) {
    const detail = (result.all ?? '').trim().split('\n').slice(-2).join(' ');
    const { workload } = subjectLabels(subject);
    throw new UserError(
      `k6 archive failed for '${workload}': ${detail}`,
      'run it locally with `loadctl run` to see the script error',
      ExitCode.environment,
    );
  }
  return readFile(archivePath);
}

export async function writeK8s(options: K8sOptions): Promise<K8sResult> {
  validateK8sOptions(options);
  const k6 = await resolveK6();
  const { shape, workload } = subjectLabels(options.subject);
  const name = testRunName(shape, workload);
  const work = await mkdtemp(join(tmpdir(), 'loadctl-k8s-'));
  try {
    const archive = await buildArchive(k6.path, options, work);
    if (archive.byteLength > CONFIG_MAP_MAX_BYTES) {
      throw new UserError(
        `the k6 archive is ${archive.byteLength} bytes, over the ${CONFIG_MAP_MAX_BYTES}-byte ConfigMap limit.`,
        'serve it from a volumeClaim instead (see cli/k8s/README.md)',
      );
    }
    const manifests = buildManifests({
      name,
      namespace: options.namespace,
      shape,
      workload,
      parallelism: options.parallelism,
      target: options.target,
      archive,
      runnerImage: options.image ?? runnerImage(k6.version, options.subject),
      resultsStorage: options.resultsStorage,
      storageClassName: options.storageClassName,
    });
    await mkdir(options.outDir, { recursive: true });
    const testRunFile = join(options.outDir, `${name}.yaml`);
    const collectorFile = join(options.outDir, `${name}-collector.yaml`);
    await writeFile(testRunFile, testRunYaml(manifests));
    await writeFile(collectorFile, collectorYaml(manifests));
    const rawFiles = Array.from({ length: options.parallelism }, (_, i) => rawFileName(name, i + 1));
    return { manifests, testRunFile, collectorFile, archiveBytes: archive.byteLength, rawFiles };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
