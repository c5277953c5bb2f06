// What `loadctl run` (and gate, k8s) puts under load: one of loadctl's workloads at a shape, or a user's own k6
// script (or archive) with its own options or, with --shape, at one of the seed's shapes. Both become one k6 entry
// point with its -e values and the way its end-of-test summary reaches summary.json; the rest of the pipeline
// does not care which it was.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import { checkShapeWorkload, WORKLOADS, type WorkloadName } from '../../scenarios/lib/catalogue.ts';
import { buildShape, type ScenarioSpec, type ShapeName } from '../../scenarios/lib/shapes.ts';
import { UserError } from '../shared/errors.ts';
import { REPO_ROOT } from '../shared/paths.ts';
import type { K6Results, WorkloadEnv } from './args.ts';
import { bundleWorkload } from './bundle.ts';

export type RunSubject =
  | { kind: 'workload'; shape: ShapeName; workload: WorkloadName }
  /** `file` is absolute; a `.tar` is a k6 archive */
  | { kind: 'script'; file: string; shape?: ShapeName };

/** A script argument as the user typed it, made absolute against their working directory. */
export function scriptSubject(file: string, shape?: ShapeName): RunSubject {
  return { kind: 'script', file: resolve(file), shape };
}

/** The shape label of a script that runs under its own options. */
export const OWN_OPTIONS = 'own';

export const isArchive = (file: string): boolean => extname(file) === '.tar';

/** A subject that can run: a workload under a shape it makes sense for, or a script that exists (a shape only around a script). */
export function checkSubject(subject: RunSubject): void {
  if (subject.kind === 'workload') {
    const checked = checkShapeWorkload(subject.shape, subject.workload);
    if (!checked.ok) throw new UserError(`${checked.problem}.`, `use one of: ${checked.choices.join(', ')}`);
    return;
  }
  if (!existsSync(subject.file))
    throw new UserError(`no such script: ${subject.file}.`, 'give a k6 script (.js, .ts) or archive (.tar)');
  if (subject.shape && isArchive(subject.file))
    throw new UserError('--shape needs a script, not a k6 archive: its options are sealed in it.');
}

/** The script's file name without its extension, usable in run ids and Kubernetes names. */
export function scriptName(file: string): string {
  return basename(file, extname(file)).replace(/[^A-Za-z0-9._-]+/g, '-') || 'script';
}

/** How a subject is named in meta.json, run ids, baselines and k8s objects: a shape and a workload. */
export function subjectLabels(subject: RunSubject): { shape: string; workload: string } {
  return subject.kind === 'workload'
    ? { shape: subject.shape, workload: subject.workload }
    : { shape: subject.shape ?? OWN_OPTIONS, workload: scriptName(subject.file) };
}

/** Which script a run ran (baselines belong to it): its path from the working directory, and its content's hash. */
export function scriptRecord(file: string): { file: string; sha256: string } {
  return {
    file: relative(process.cwd(), file) || file,
    sha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
  };
}

export interface ShapeScaling {
  scale: number;
  /** replaces a steady shape's duration */
  duration?: string;
}

/** The scenarios a seed shape gives the subject, or undefined for a script under its own options. */
export function shapeScenarios(subject: RunSubject, scaling: ShapeScaling): Record<string, ScenarioSpec> | undefined {
  if (!subject.shape) return undefined;
  const browser = subject.kind === 'workload' && WORKLOADS[subject.workload].browser;
  return buildShape(subject.shape, { ...scaling, browser }).scenarios;
}

/**
 * A module around the user's script that keeps everything it exports (default function, named exec functions,
 * setup, teardown, handleSummary, its options) but replaces its scenarios with a seed shape's. k6 reads options
 * from the entry module only, so this is the one place a shape can win over the script's own `options`.
 */
export function shapeWrapperSource(
  file: string,
  shape: ShapeName,
  scaling: ShapeScaling,
  scenarios: Record<string, ScenarioSpec>,
): string {
  const from = JSON.stringify(file);
  return [
    `// Written by loadctl: ${basename(file)} at the seed's '${shape}' shape (scale ${scaling.scale}` +
      `${scaling.duration ? `, duration ${scaling.duration}` : ''}). Its own options stay, but for the scenarios.`,
    `import * as script from ${from};`,
    `export * from ${from};`,
    `if (typeof script.default !== 'function') {`,
    `  throw new Error(${JSON.stringify(`--shape runs the default function of ${basename(file)}, which exports none`)});`,
    '}',
    '// execution shortcuts next to scenarios would be an error (or win): the shape is the whole plan',
    'const { scenarios: _scenarios, vus: _vus, duration: _duration, iterations: _iterations, stages: _stages, ...own } =',
    '  script.options ?? {};',
    `export const options = { ...own, scenarios: ${JSON.stringify(scenarios)} };`,
    'export default script.default;',
    '',
  ].join('\n');
}

export interface K6Entry {
  /** the file k6 runs: a workload, the user's script or archive, or the shape wrapper around the script */
  script: string;
  /** k6's working directory: the repository for workloads, the user's own for their script (relative outputs) */
  cwd: string;
  env: WorkloadEnv;
  /** how this entry's summary reaches summary.json */
  summary: keyof Pick<K6Results, 'summaryFile' | 'summaryExport'>;
}

/**
 * The k6 entry of a subject. A workload's bundle and a shaped script's wrapper are written to `workDir` (the run
 * directory, so the exact module k6 ran stays with the results).
 */
export function k6Entry(
  subject: RunSubject,
  scaling: ShapeScaling,
  baseUrl: string | undefined,
  workDir: string,
): K6Entry {
  if (subject.kind === 'workload') {
    return {
      script: bundleWorkload(subject.workload, workDir),
      cwd: REPO_ROOT,
      env: { baseUrl, shape: subject.shape, scale: scaling.scale, duration: scaling.duration },
      summary: 'summaryFile',
    };
  }
  const scenarios = shapeScenarios(subject, scaling);
  let script = subject.file;
  if (subject.shape && scenarios) {
    script = join(workDir, `${scriptName(subject.file)}.${subject.shape}.js`);
    writeFileSync(script, shapeWrapperSource(subject.file, subject.shape, scaling, scenarios));
  }
  // the user's script keeps its handleSummary: k6 exports its summary for loadctl beside it
  return { script, cwd: process.cwd(), env: { baseUrl }, summary: 'summaryExport' };
}
