// `loadctl run` without the terminal: check the request and its target (before anything slow), find k6, start
// k6 (one process, or one per execution segment) on the subject — a workload at a shape, or a user's script —,
// follow it live, sample the servers' /metrics beside it, and leave a complete run directory — also when the
// user interrupts. Data flows one way: subject → k6 → files in reports/<run-id>/ → report.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../shared/errors.ts';
import { ExitCode, type ExitCodeValue } from '../shared/exit-codes.ts';
import { DEFAULT_REPORTS_DIR, REPO_ROOT } from '../shared/paths.ts';
import { buildK6Args, k6Environment } from '../k6/args.ts';
import { loadctlExitCode } from '../k6/exit-codes.ts';
import { inspectEntry, k6ErrorLine } from '../k6/inspect.ts';
import { combineSnapshots, fetchSnapshot, progressFigures, type K6Snapshot } from '../k6/live.ts';
import { openLog, startK6, type K6Process } from '../k6/process.ts';
import { k6Entry, scriptRecord, shapeScenarios, subjectLabels, type K6Entry, type RunSubject } from '../k6/subject.ts';
import { alertRulesYaml } from '../runbooks/alerts.ts';
import { loadRunbooks } from '../runbooks/load.ts';
import { up } from '../stack/lifecycle.ts';
import { freePort } from '../shared/ports.ts';
import { resolveK6, type ResolvedTool } from '../toolchain/tools.ts';
import { plannedPhases, plannedSeconds, type ScenarioSpec } from '../../scenarios/lib/shapes.ts';
import { digestSummaries, explainDroppedIterations, parseSummary, type RunDigest } from './digest.ts';
import { gitCommit, machineInfo } from './environment.ts';
import { RunFiles, RunMeta, SCRIPT_HOSTS_NOTE } from '../shared/run-dir.ts';
import { freshRunId } from './run-id.ts';
import { metricsUrlSource, recordServerMetrics, type MetricsSource } from './server-metrics.ts';
import { checkRequest, type CheckedRequest, type RunRequest } from './request.ts';

export interface RunOutcome {
  runDir: string;
  meta: RunMeta;
  digest?: RunDigest;
  /** why k6 dropped iterations, when it did */
  droppedExplanation?: string;
  /** k6's own error when it failed (a script exception, an invalid option …), on one line */
  k6Error?: string;
  /** <runDir>/report.md */
  reportPath: string;
  /** why report.md could not be written, when it could not (the run's own files are complete regardless) */
  reportError?: string;
  /** average cores used by k6 and (when their /metrics say) by the scraped servers: which side saturated */
  cores: { k6: number; api?: number; machine: number };
  exitCode: ExitCodeValue;
}

/** The base URL k6 loads (the checked target, the embedded stack for a workload, or none: the script's own), and the stack's Prometheus. */
async function baseUrlFor(
  subject: RunSubject,
  target: string | undefined,
  request: RunRequest,
  info: (line: string) => void,
): Promise<{ baseUrl?: string; prometheusRemoteWrite?: string }> {
  if (target !== undefined || subject.kind === 'script') return { baseUrl: target };
  const alertRules = alertRulesYaml(await loadRunbooks(), process.env.LOADCTL_RUNBOOK_BASE_URL);
  const state = await up({ stateDir: request.stateDir, onProgress: info, alertRules });
  // k6 also writes its metrics into the embedded stack's Prometheus, beside the API's, Redis' and PostgreSQL's
  return { baseUrl: state.api.url, prometheusRemoteWrite: state.prometheus && `${state.prometheus.url}/api/v1/write` };
}

/** The scenarios k6 will run: a shape's, or a script's own as k6 inspect reads them (which also fails early on a broken script). */
async function plannedScenariosFor(
  checked: CheckedRequest,
  request: RunRequest,
  k6: ResolvedTool,
  entry: K6Entry,
): Promise<Record<string, ScenarioSpec>> {
  const scaling = { scale: request.scale, duration: request.duration };
  if (checked.subject.kind === 'workload') return shapeScenarios(checked.subject, scaling) ?? {};
  const inspected = await inspectEntry(k6.path, entry, checked.passthrough.envArgs);
  return shapeScenarios(checked.subject, scaling) ?? inspected.scenarios;
}

export interface DryRun {
  /** what `k6 inspect --execution-requirements` prints for the final entry: the options k6 would run with */
  options: string;
  /** the k6 command line, with placeholders for the run directory */
  command: string[];
}

/** Everything `executeRun` would decide, without sending load: the final k6 options and command line. */
export async function dryRun(request: RunRequest): Promise<DryRun> {
  const info = request.onInfo ?? (() => undefined);
  const checked = await checkRequest(request);
  const target = checked.target;
  const k6 = await resolveK6(info);
  const work = mkdtempSync(join(tmpdir(), 'loadctl-dry-run-'));
  try {
    const baseUrl = target ?? (checked.subject.kind === 'workload' ? 'http://<embedded stack>' : undefined);
    const entry = k6Entry(checked.subject, { scale: request.scale, duration: request.duration }, baseUrl, work);
    const inspected = await inspectEntry(k6.path, entry, checked.passthrough.envArgs);
    const runDir = '<run-dir>';
    const command = k6Command(entry, {
      passthrough: checked.passthrough.args,
      runDir,
      address: '127.0.0.1:<port>',
      names: files(1),
      index: 0,
      count: 1,
    });
    return { options: inspected.text, command: [k6.path, ...command.map((arg) => arg.replace(work, '<run-dir>'))] };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The raw stream and summary file of each segment (one of each for an unsplit run). */
function files(segments: number): { raw: string[]; summaries: string[] } {
  if (segments === 1) return { raw: [RunFiles.raw], summaries: [RunFiles.summary] };
  const each = (name: string) =>
    Array.from({ length: segments }, (_, i) => `${name}.${i}.json${name === 'raw' ? '.gz' : ''}`);
  return { raw: each('raw'), summaries: each('summary') };
}

/** One k6 process's command line: segment `index` of `count`, writing into the run directory. */
function k6Command(
  entry: K6Entry,
  at: {
    passthrough: readonly string[];
    runDir: string;
    address: string;
    names: ReturnType<typeof files>;
    index: number;
    count: number;
    prometheusRemoteWrite?: string;
  },
): string[] {
  return buildK6Args({
    script: entry.script,
    ...entry.env,
    rawFile: join(at.runDir, at.names.raw[at.index]!),
    [entry.summary]: join(at.runDir, at.names.summaries[at.index]!),
    prometheusRemoteWrite: at.prometheusRemoteWrite,
    apiAddress: at.address,
    segment: at.count > 1 ? { index: at.index, count: at.count } : undefined,
    passthrough: at.passthrough,
  });
}

/** meta.json, rewritten as the run goes. */
function metaWriter(runDir: string, initial: RunMeta): { meta: RunMeta; update(change: Partial<RunMeta>): RunMeta } {
  const state = { meta: initial };
  const write = (): void =>
    writeFileSync(join(runDir, RunFiles.meta), `${JSON.stringify(RunMeta.parse(state.meta), null, 2)}\n`);
  write();
  return {
    get meta() {
      return state.meta;
    },
    update(change) {
      state.meta = { ...state.meta, ...change };
      write();
      return state.meta;
    },
  };
}

interface FollowedRun {
  k6ExitCodes: number[];
  /** when the user interrupted, if they did */
  interruptedAt?: string;
  loadGenerator: { cpuSeconds: number; wallSeconds: number };
}

/** Waits for the k6 processes while polling their REST APIs for the live line; forwards one interrupt. */
async function followK6(
  processes: { process: K6Process; address: string }[],
  request: RunRequest,
  plannedS: number,
): Promise<FollowedRun> {
  let interruptedAt: string | undefined;
  const interrupt = (): void => {
    interruptedAt ??= new Date().toISOString();
    for (const { process } of processes) process.interrupt();
  };
  if (request.signal?.aborted) interrupt();
  request.signal?.addEventListener('abort', interrupt, { once: true });
  const killOnExit = (): void => {
    for (const { process } of processes) process.kill();
  };
  globalThis.process.once('exit', killOnExit);

  let previous: K6Snapshot | undefined;
  const startedAt = Date.now();
  let previousAt = startedAt;
  // last CPU reading per k6 process: /proc forgets a process once it has exited
  const k6Cpu = processes.map(() => 0);
  const progressTimer = setInterval(() => {
    processes.forEach(({ process }, index) => {
      k6Cpu[index] = process.cpuSeconds() ?? k6Cpu[index] ?? 0;
    });
    void Promise.all(processes.map(({ address }) => fetchSnapshot(address))).then((snapshots) => {
      const live = snapshots.filter((s): s is K6Snapshot => s !== undefined);
      if (live.length === 0) return;
      const current = combineSnapshots(live);
      const now = Date.now();
      request.onProgress?.(
        progressFigures(previous, current, (now - previousAt) / 1000, (now - startedAt) / 1000, plannedS),
      );
      previous = current;
      previousAt = now;
    });
  }, 1000);

  const k6ExitCodes = await Promise.all(processes.map(({ process }) => process.done));
  clearInterval(progressTimer);
  request.signal?.removeEventListener('abort', interrupt);
  globalThis.process.removeListener('exit', killOnExit);
  const cpuSeconds = Math.round(k6Cpu.reduce((a, b) => a + b, 0) * 100) / 100;
  return {
    k6ExitCodes,
    interruptedAt,
    loadGenerator: { cpuSeconds, wallSeconds: Math.round((Date.now() - startedAt) / 100) / 10 },
  };
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The run directory's closing writes — meta, report — and the outcome the command prints. */
async function finishRun(
  runDir: string,
  meta: ReturnType<typeof metaWriter>,
  followed: FollowedRun,
  scenarios: Record<string, ScenarioSpec>,
  serverCores: number | undefined,
  info: (line: string) => void,
): Promise<RunOutcome> {
  const { k6ExitCodes, interruptedAt, loadGenerator } = followed;
  const interrupted = interruptedAt !== undefined;
  const summaries = meta.meta.summaryFiles
    .map((file) => parseSummary(readJson(join(runDir, file)), file))
    .filter((s) => s !== undefined);
  const digest = summaries.length === meta.meta.summaryFiles.length ? digestSummaries(summaries) : undefined;
  const k6ExitCode = k6ExitCodes.find((code) => code !== 0) ?? 0;
  const events = interrupted
    ? [
        ...meta.meta.events,
        { at: interruptedAt, kind: 'note' as const, name: 'interrupted', detail: 'stopped by the user (SIGINT to k6)' },
      ]
    : meta.meta.events;
  const finalMeta = meta.update({ endedAt: new Date().toISOString(), k6ExitCode, interrupted, events, loadGenerator });

  const droppedExplanation = digest ? explainDroppedIterations(digest, scenarios) : undefined;
  let reportError: string | undefined;
  try {
    info('writing the report');
    // loaded here, not at the top: its chart libraries take most of a second, which a refused run should not wait for
    const { writeReport } = await import('../report/index.ts');
    await writeReport(runDir);
  } catch (error) {
    reportError = (error as Error).message;
    info(
      `could not write the report (${reportError}); the run's files are complete — retry with: loadctl report ${runDir}`,
    );
  }
  const missingRaw = finalMeta.rawFiles.filter((file) => !existsSync(join(runDir, file)));
  const k6Completed = k6ExitCodes.every((code) => code === 0 || code === 99);
  if (!interrupted && (!digest || missingRaw.length > 0) && k6Completed) {
    throw new UserError(
      `k6 finished but left no ${!digest ? 'summary' : missingRaw.join(', ')} in ${runDir}.`,
      `see ${join(runDir, RunFiles.k6Log)}`,
      ExitCode.environment,
    );
  }
  const k6Error =
    k6Completed || interrupted ? undefined : k6ErrorLine(readFileSync(join(runDir, RunFiles.k6Log), 'utf8'));
  const cores = {
    k6: loadGenerator.wallSeconds ? loadGenerator.cpuSeconds / loadGenerator.wallSeconds : 0,
    api: serverCores,
    machine: finalMeta.machine.cpus,
  };
  const exitCode = loadctlExitCode(k6ExitCodes, interrupted);
  return {
    runDir,
    meta: finalMeta,
    digest,
    droppedExplanation,
    k6Error,
    reportPath: join(runDir, RunFiles.report),
    reportError,
    cores,
    exitCode,
  };
}

export async function executeRun(request: RunRequest): Promise<RunOutcome> {
  const info = request.onInfo ?? (() => undefined);
  const checked = await checkRequest(request);
  const k6 = await resolveK6(info);
  const { subject, target } = checked;
  const { baseUrl, prometheusRemoteWrite } = await baseUrlFor(subject, target, request, info);

  const startedAt = new Date();
  const labels = subjectLabels(subject);
  // absolute: k6 runs in the repository (workloads) or the user's directory (scripts)
  const reportsDir = resolve(request.reportsDir ?? DEFAULT_REPORTS_DIR);
  const runId = freshRunId(reportsDir, startedAt, labels.shape, labels.workload);
  const runDir = join(reportsDir, runId);
  mkdirSync(runDir, { recursive: true });
  const entry = k6Entry(subject, { scale: request.scale, duration: request.duration }, baseUrl, runDir);
  let scenarios: Record<string, ScenarioSpec>;
  try {
    scenarios = await plannedScenariosFor(checked, request, k6, entry);
  } catch (error) {
    // nothing ran: no half-made run directory
    rmSync(runDir, { recursive: true, force: true });
    throw error;
  }

  const names = files(request.segments);
  const meta = metaWriter(
    runDir,
    RunMeta.parse({
      runId,
      ...labels,
      target: baseUrl ?? 'the hosts the script names',
      script: subject.kind === 'script' ? { ...scriptRecord(subject.file), hosts: SCRIPT_HOSTS_NOTE } : undefined,
      scale: request.scale,
      k6Version: k6.version,
      gitCommit: await gitCommit(REPO_ROOT),
      machine: machineInfo(),
      startedAt: startedAt.toISOString(),
      rawFiles: names.raw,
      summaryFiles: names.summaries,
      segments: request.segments,
      phases: plannedPhases(scenarios),
    }),
  );

  // The servers' own view of the run, one scrape a second.
  const sources: MetricsSource[] = [
    ...(subject.kind === 'workload' && baseUrl ? [{ url: `${baseUrl}/metrics` }] : []),
    ...(request.metricsUrls ?? []).map(metricsUrlSource),
  ];
  const servers = recordServerMetrics(sources, runDir, info);

  const log = openLog(join(runDir, RunFiles.k6Log));
  const processes: { process: K6Process; address: string }[] = [];
  for (let index = 0; index < request.segments; index++) {
    const address = `127.0.0.1:${await freePort()}`;
    const args = k6Command(entry, {
      passthrough: checked.passthrough.args,
      runDir,
      address,
      names,
      index,
      count: request.segments,
      prometheusRemoteWrite,
    });
    const label = request.segments > 1 ? `segment ${index}` : undefined;
    processes.push({
      process: startK6(k6.path, args, { cwd: entry.cwd, env: k6Environment({ prometheusRemoteWrite }), log, label }),
      address,
    });
  }
  const followed = await followK6(processes, request, plannedSeconds(scenarios));
  const { serverCores } = await servers.stop();
  await new Promise((done) => log.end(done));
  return finishRun(runDir, meta, followed, scenarios, serverCores, info);
}
