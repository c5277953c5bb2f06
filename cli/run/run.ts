// `loadctl run` without the terminal: resolve the target, start k6 (one process, or one per execution
// segment), follow it live, sample the API's /metrics beside it, and leave a complete run directory —
// also when the user interrupts. Data flows one way: shape → k6 → files in reports/<run-id>/ → report.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../shared/errors.ts';
import { ExitCode, type ExitCodeValue } from '../shared/exit-codes.ts';
import { DEFAULT_REPORTS_DIR, REPO_ROOT } from '../shared/paths.ts';
import { buildK6Args, k6Environment } from '../k6/args.ts';
import { loadctlExitCode } from '../k6/exit-codes.ts';
import { combineSnapshots, fetchSnapshot, progressFigures, type K6Snapshot, type ProgressFigures } from '../k6/live.ts';
import { openLog, startK6, type K6Process } from '../k6/process.ts';
import { finiteSamples, scrapeLoop } from '../observe/prometheus.ts';
import { writeReport } from '../report/index.ts';
import { alertRulesYaml } from '../runbooks/alerts.ts';
import { loadRunbooks } from '../runbooks/load.ts';
import { up } from '../stack/lifecycle.ts';
import { freePort } from '../shared/ports.ts';
import { resolveK6 } from '../toolchain/tools.ts';
import { checkShapeWorkload, workloadScript, type WorkloadName } from '../../scenarios/lib/catalogue.ts';
import { durationSeconds } from '../../scenarios/lib/durations.ts';
import { buildShape, plannedPhases, plannedSeconds, type ShapeName } from '../../scenarios/lib/shapes.ts';
import { digestSummaries, explainDroppedIterations, parseSummary, type RunDigest } from './digest.ts';
import { gitCommit, machineInfo } from './environment.ts';
import { RunFiles, RunMeta, type ServerMetricsSample } from '../shared/run-dir.ts';
import { freshRunId } from './run-id.ts';
import { assertTargetAllowed } from './target.ts';


export interface RunRequest {
  shape: ShapeName;
  workload: WorkloadName;
  scale: number;
  /** replaces a steady shape's duration (smoke, journey, soak, browser) */
  duration?: string;
  /** base URL of the API; the embedded stack when absent */
  target?: string;
  allowRemote: boolean;
  /** split the run over this many k6 processes (execution segments) */
  segments: number;
  /** the directory run directories are created in (default <repo>/reports) */
  reportsDir?: string;
  /** the embedded stack's state dir (default $LOADCTL_STATE_DIR or <repo>/.loadctl) */
  stateDir?: string;
  /** aborting asks k6 to stop gracefully; the run directory is still completed */
  signal?: AbortSignal;
  onProgress?: (figures: ProgressFigures) => void;
  onInfo?: (line: string) => void;
}

/** The API's CPU counter (prom-client's default metric, summed over its workers). */
const API_CPU_METRIC = 'process_cpu_seconds_total';

export interface RunOutcome {
  runDir: string;
  meta: RunMeta;
  digest?: RunDigest;
  /** why k6 dropped iterations, when it did */
  droppedExplanation?: string;
  /** <runDir>/report.md */
  reportPath: string;
  /** why report.md could not be written, when it could not (the run's own files are complete regardless) */
  reportError?: string;
  /** average cores used by k6 and (when its /metrics says) by the API: which side saturated */
  cores: { k6: number; api?: number; machine: number };
  exitCode: ExitCodeValue;
}

/** Checks a request before anything starts; every problem is a UserError naming the valid choices. */
export function validateRequest(request: Pick<RunRequest, 'shape' | 'workload' | 'scale' | 'duration' | 'segments'>): void {
  const checked = checkShapeWorkload(request.shape, request.workload);
  if (!checked.ok) throw new UserError(`${checked.problem}.`, `use one of: ${checked.choices.join(', ')}`);
  if (!Number.isInteger(request.segments) || request.segments < 1 || request.segments > 64) {
    throw new UserError(`--segments must be a whole number from 1 to 64, got ${request.segments}.`);
  }
  try {
    if (request.duration !== undefined) durationSeconds(request.duration);
    buildShape(request.shape, { scale: request.scale, duration: request.duration });
  } catch (error) {
    throw new UserError(`${(error as Error).message}.`, 'see loadctl run --help');
  }
}

/** The API to load, and where k6 also writes its metrics: the embedded stack's Prometheus, when it has one. */
async function resolveTarget(
  request: RunRequest,
  info: (line: string) => void,
): Promise<{ baseUrl: string; prometheusRemoteWrite?: string }> {
  if (request.target) {
    return { baseUrl: (await assertTargetAllowed(request.target, request.allowRemote)).href.replace(/\/$/, '') };
  }
  const alertRules = alertRulesYaml(await loadRunbooks(), process.env.LOADCTL_RUNBOOK_BASE_URL);
  const state = await up({ stateDir: request.stateDir, onProgress: info, alertRules });
  const prometheusRemoteWrite = state.prometheus ? `${state.prometheus.url}/api/v1/write` : undefined;
  return { baseUrl: state.api.url, prometheusRemoteWrite };
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

export async function executeRun(request: RunRequest): Promise<RunOutcome> {
  const info = request.onInfo ?? (() => undefined);
  validateRequest(request);
  const k6 = await resolveK6(info);
  const { baseUrl, prometheusRemoteWrite } = await resolveTarget(request, info);

  const { scenarios } = buildShape(request.shape, { scale: request.scale, duration: request.duration });
  const plannedS = plannedSeconds(scenarios);
  const startedAt = new Date();
  const reportsDir = request.reportsDir ?? DEFAULT_REPORTS_DIR;
  const runId = freshRunId(reportsDir, startedAt, request.shape, request.workload);
  const runDir = join(reportsDir, runId);
  mkdirSync(runDir, { recursive: true });

  const split = request.segments > 1;
  const rawFiles = split ? Array.from({ length: request.segments }, (_, i) => `raw.${i}.json.gz`) : [RunFiles.raw];
  const summaryFiles = split ? Array.from({ length: request.segments }, (_, i) => `summary.${i}.json`) : [RunFiles.summary];
  let meta: RunMeta = RunMeta.parse({
    runId,
    shape: request.shape,
    workload: request.workload,
    target: baseUrl,
    scale: request.scale,
    k6Version: k6.version,
    gitCommit: await gitCommit(REPO_ROOT),
    machine: machineInfo(),
    startedAt: startedAt.toISOString(),
    rawFiles,
    summaryFiles,
    segments: request.segments,
    phases: plannedPhases(scenarios),
  });
  const writeMeta = (): void => writeFileSync(join(runDir, RunFiles.meta), `${JSON.stringify(RunMeta.parse(meta), null, 2)}\n`);
  writeMeta();

  // The API's own view of the run, one scrape a second.
  const serverMetrics = openLog(join(runDir, RunFiles.serverMetrics));
  let scrapeFailures = 0;
  const apiCpu: { first?: [number, number]; last?: [number, number] } = {};
  const scraper = scrapeLoop(
    `${baseUrl}/metrics`,
    1000,
    (t, samples) => {
      const line: ServerMetricsSample = { t, values: finiteSamples(samples) };
      const cpu = line.values[API_CPU_METRIC];
      if (cpu !== undefined) {
        apiCpu.first ??= [t, cpu];
        apiCpu.last = [t, cpu];
      }
      serverMetrics.write(`${JSON.stringify(line)}\n`);
    },
    { onError: (error) => scrapeFailures++ === 0 && info(`could not sample ${baseUrl}/metrics (${error.message}); continuing without server metrics`) },
  );

  const log = openLog(join(runDir, RunFiles.k6Log));
  const processes: { process: K6Process; address: string }[] = [];
  for (let index = 0; index < request.segments; index++) {
    const address = `127.0.0.1:${await freePort()}`;
    const args = buildK6Args({
      script: join(REPO_ROOT, workloadScript(request.workload)),
      baseUrl,
      shape: request.shape,
      scale: request.scale,
      duration: request.duration,
      summaryFile: join(runDir, summaryFiles[index]!),
      rawFile: join(runDir, rawFiles[index]!),
      apiAddress: address,
      segment: split ? { index, count: request.segments } : undefined,
      prometheusRemoteWrite,
    });
    const process = startK6(k6.path, args, { cwd: REPO_ROOT, env: k6Environment({ prometheusRemoteWrite }), log, label: split ? `segment ${index}` : undefined });
    processes.push({ process, address });
  }

  let interrupted = false;
  const interrupt = (): void => {
    interrupted = true;
    meta = { ...meta, interrupted: true, events: [...meta.events, { at: new Date().toISOString(), kind: 'note', name: 'interrupted', detail: 'stopped by the user (SIGINT to k6)' }] };
    for (const { process } of processes) process.interrupt();
  };
  if (request.signal?.aborted) interrupt();
  request.signal?.addEventListener('abort', interrupt, { once: true });
  const killOnExit = (): void => processes.forEach(({ process }) => process.kill());
  globalThis.process.once('exit', killOnExit);

  let previous: K6Snapshot | undefined;
  let previousAt = Date.now();
  // last CPU reading per k6 process: /proc forgets a process once it has exited
  const k6Cpu = processes.map(() => 0);
  const k6StartedAt = Date.now();
  const progressTimer = setInterval(() => {
    processes.forEach(({ process }, index) => (k6Cpu[index] = process.cpuSeconds() ?? k6Cpu[index]!));
    void Promise.all(processes.map(({ address }) => fetchSnapshot(address))).then((snapshots) => {
      const live = snapshots.filter((s): s is K6Snapshot => s !== undefined);
      if (live.length === 0) return;
      const current = combineSnapshots(live);
      const now = Date.now();
      request.onProgress?.(progressFigures(previous, current, (now - previousAt) / 1000, (now - startedAt.getTime()) / 1000, plannedS));
      previous = current;
      previousAt = now;
    });
  }, 1000);

  const k6ExitCodes = await Promise.all(processes.map(({ process }) => process.done));
  clearInterval(progressTimer);
  request.signal?.removeEventListener('abort', interrupt);
  globalThis.process.removeListener('exit', killOnExit);
  await scraper.stop();
  await Promise.all([new Promise((done) => serverMetrics.end(done)), new Promise((done) => log.end(done))]);

  const summaries = summaryFiles.map((file) => parseSummary(readJson(join(runDir, file)))).filter((s) => s !== undefined);
  const digest = summaries.length === summaryFiles.length ? digestSummaries(summaries) : undefined;
  const k6ExitCode = k6ExitCodes.find((code) => code !== 0) ?? 0;
  const loadGenerator = { cpuSeconds: Math.round(k6Cpu.reduce((a, b) => a + b, 0) * 100) / 100, wallSeconds: Math.round((Date.now() - k6StartedAt) / 100) / 10 };
  meta = { ...meta, endedAt: new Date().toISOString(), k6ExitCode, interrupted: meta.interrupted || interrupted, loadGenerator };
  writeMeta();

  const droppedExplanation = digest ? explainDroppedIterations(digest, scenarios) : undefined;
  let reportError: string | undefined;
  try {
    info('writing the report');
    await writeReport(runDir);
  } catch (error) {
    reportError = (error as Error).message;
    info(`could not write the report (${reportError}); the run's files are complete — retry with: loadctl report ${runDir}`);
  }
  const missingRaw = rawFiles.filter((file) => !existsSync(join(runDir, file)));
  if (!interrupted && (!digest || missingRaw.length > 0) && k6ExitCodes.every((code) => code === 0 || code === 99)) {
    throw new UserError(`k6 finished but left no ${!digest ? 'summary' : missingRaw.join(', ')} in ${runDir}.`, `see ${join(runDir, RunFiles.k6Log)}`, ExitCode.environment);
  }
  const apiCores = apiCpu.first && apiCpu.last && apiCpu.last[0] > apiCpu.first[0] ? (apiCpu.last[1] - apiCpu.first[1]) / ((apiCpu.last[0] - apiCpu.first[0]) / 1000) : undefined;
  const cores = { k6: loadGenerator.wallSeconds ? loadGenerator.cpuSeconds / loadGenerator.wallSeconds : 0, api: apiCores, machine: meta.machine.cpus };
  return { runDir, meta, digest, droppedExplanation, reportPath: join(runDir, RunFiles.report), reportError, cores, exitCode: loadctlExitCode(k6ExitCodes, interrupted) };
}
