// `loadctl drill <runbook>`: a game day. Load runs (the run engine's executeRun); the API's /metrics is
// sampled every second; the runbook's fault is injected at the planned time; its signals are watched
// (time to detect); its automatable steps are carried out, or a person does them (--manual); the fault
// is recovered; the SLO is watched until it holds again (time to recover); then the data invariants are
// checked. Every moment goes into meta.json events (fault windows on the charts) and journal.json.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../shared/errors.ts';
import { ExitCode, type ExitCodeValue } from '../shared/exit-codes.ts';
import { faultContext, injectFault, recoverFault } from '../faults/engine.ts';
import { faultByName } from '../faults/registry.ts';
import { finiteSamples, scrapeLoop } from '../observe/prometheus.ts';
import { K6_EXIT } from '../k6/exit-codes.ts';
import type { ProgressFigures } from '../k6/live.ts';
import { writeReport } from '../report/index.ts';
import { executeRun, type RunOutcome } from '../run/run.ts';
import { RunFiles, RunMeta, type RunEvent } from '../shared/run-dir.ts';
import { holds } from '../runbooks/condition.ts';
import { runLoadctl } from '../runbooks/exec.ts';
import { loadRunbook, type Runbook } from '../runbooks/load.ts';
import { durationSeconds } from '../../scenarios/lib/durations.ts';
import { numberedSteps } from '../runbooks/schema.ts';
import { verifyInvariants } from '../verify/index.ts';
import type { WorkloadName } from '../../scenarios/lib/catalogue.ts';
import { buildShape, plannedSeconds, shapeDefinition, type ShapeName } from '../../scenarios/lib/shapes.ts';
import { drillMarkdown, figuresOf, verdictsOf, type DrillPlan, type Happened, type Journal, type PlannedStep } from './journal.ts';
import { compileCheck, GuardWatch, parseGuard, SampleStore, type Check } from './watch.ts';

/** the workload each drill puts on the API unless told otherwise: one that exercises what the fault breaks */
export const DRILL_WORKLOADS: Record<string, WorkloadName> = {
  'cache-failure': 'seats',
  'database-overload': 'journey',
  'queue-malfunction': 'queue',
  'memory-leak': 'journey',
  'network-degradation': 'journey',
};

export interface DrillOptions {
  runbookId: string;
  shape: ShapeName;
  workload?: WorkloadName;
  scale: number;
  injectAtS: number;
  faultDurationS: number;
  detectTimeoutS: number;
  manual: boolean;
  guard?: string;
  faultMode?: string;
  faultParams?: Record<string, string>;
  stateDir?: string;
  reportsDir?: string;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

export interface DrillOutcome {
  runDir: string;
  journal: Journal;
  reportPath: string;
  exitCode: ExitCodeValue;
}

/** how the drill treats each step: immediate and short-term steps with a command are automated */
function planSteps(runbook: Runbook, manual: boolean): PlannedStep[] {
  return numberedSteps(runbook).map(({ number, group, step }) => ({
    number,
    group,
    title: step.title,
    run: step.run,
    handling: group === 'long_term' ? 'skipped' : manual ? 'person' : step.automatable ? 'automated' : 'skipped',
  }));
}

export function planDrill(runbook: Runbook, options: DrillOptions): DrillPlan {
  const fault = faultByName(runbook.fault.name);
  const mode = options.faultMode ?? runbook.fault.mode ?? fault.defaultMode;
  if (!fault.modes.includes(mode)) throw new UserError(`fault ${fault.name} has no mode "${mode}".`, `use one of: ${fault.modes.join(', ')}`);
  const sloWindowS = durationSeconds(runbook.slo.window);
  const restoreWithinS = durationSeconds(runbook.slo.restoreWithin);
  // load must outlast: injection, detection or the fault window, the steps, and the SLO's restore budget
  const wantedS = Math.ceil(options.injectAtS + Math.max(options.faultDurationS, options.detectTimeoutS) + 30 + restoreWithinS + sloWindowS);
  // a steady shape is stretched to cover the drill; a ramping one (load, peak) keeps its own length
  const loadDurationS = shapeDefinition(options.shape).steady ? wantedS : plannedSeconds(buildShape(options.shape, { scale: options.scale }).scenarios);
  if (options.injectAtS + options.faultDurationS >= loadDurationS) {
    throw new UserError(`the ${options.shape} shape lasts ${loadDurationS} s, too short to inject at ${options.injectAtS} s for ${options.faultDurationS} s.`, 'inject earlier, shorten --duration, or use a steady shape (smoke, soak)');
  }
  if (options.guard) parseGuard(options.guard);
  return {
    runbookId: runbook.id,
    runbookTitle: runbook.title,
    fault: { name: fault.name, mode, params: { ...runbook.fault.params, ...options.faultParams } },
    shape: options.shape,
    workload: options.workload ?? DRILL_WORKLOADS[runbook.id] ?? 'journey',
    scale: options.scale,
    injectAtS: options.injectAtS,
    faultDurationS: options.faultDurationS,
    detectTimeoutS: options.detectTimeoutS,
    restoreWithinS,
    loadDurationS,
    manual: options.manual,
    guard: options.guard,
    signals: runbook.signals.map((signal) => ({ id: signal.id, source: signal.source, check: `${signal.metric} ${signal.condition}`, windowS: durationSeconds(signal.window) })),
    claims: runbook.claims.map((claim) => ({ id: claim.id, during: claim.during, check: `${claim.metric} ${claim.condition}`, description: claim.description })),
    slo: { check: `${runbook.slo.metric} ${runbook.slo.condition}`, windowS: sloWindowS, restoreWithinS },
    steps: planSteps(runbook, options.manual),
  };
}

/** k6's live figures as a sample, so guards and k6-sourced checks can read them (see runbooks/README.md) */
function k6Sample(figures: ProgressFigures): Record<string, number> {
  return {
    k6_requests_per_second: figures.rps,
    k6_error_percent: figures.errorPercent,
    k6_vus: figures.vus,
    k6_dropped_iterations: figures.droppedIterations,
    ...(figures.p95Ms === undefined ? {} : { k6_p95_ms: figures.p95Ms }),
  };
}

class Aborted extends Error {}

export async function runDrill(options: DrillOptions): Promise<DrillOutcome> {
  const say = options.onLine ?? (() => undefined);
  const runbook = await loadRunbook(options.runbookId);
  const plan = planDrill(runbook, options);
  let ctx = await faultContext(options.stateDir);
  const faultName = plan.fault.name;

  const store = new SampleStore();
  const signals = runbook.signals.map((signal) => ({ id: signal.id, check: compileCheck(signal) }));
  const slo = compileCheck(runbook.slo);
  const guard = plan.guard ? new GuardWatch(parseGuard(plan.guard)) : undefined;

  const happened: Happened = { startedAt: new Date().toISOString(), endedAt: '', events: [], signals: signals.map(({ id }) => ({ id })), steps: [], claims: [] };
  const event = (kind: RunEvent['kind'], name: string, detail?: string): string => {
    const at = new Date().toISOString();
    happened.events.push({ at, kind, name, ...(detail ? { detail } : {}) });
    say(`${kind.padEnd(15)} ${name}${detail ? ` — ${detail}` : ''}`);
    return at;
  };

  // The timeline stops early on the guard, on Ctrl-C (options.signal) or on an error.
  const timeline = new AbortController();
  const stopTimeline = (reason: string): void => {
    if (!timeline.signal.aborted) timeline.abort(new Aborted(reason));
  };
  options.signal?.addEventListener('abort', () => stopTimeline('interrupted by the user'), { once: true });
  const wait = async (ms: number): Promise<void> => {
    await sleep(Math.max(0, ms), undefined, { signal: timeline.signal }).catch(() => {
      throw timeline.signal.reason instanceof Error ? timeline.signal.reason : new Aborted('aborted');
    });
  };
  const nowS = (): number => Date.now() / 1000;

  // before anything is measured: a stack the fault can act on (it may restart the API, hence the new context)
  const preparation = await faultByName(faultName).prepare?.(ctx);
  if (preparation) {
    event('phase', 'stack prepared', preparation.summary);
    ctx = await faultContext(options.stateDir);
  }

  const scraper = scrapeLoop(`${ctx.state.api.url}/metrics`, 1000, (t, samples) => {
    store.add('api-metrics', { t: t / 1000, values: finiteSamples(samples) });
    if (guard && !happened.guardTrippedAt && guard.tick(store, t / 1000)) {
      happened.guardTrippedAt = event('guard-tripped', plan.guard ?? '', 'halting the drill and recovering the fault');
      stopTimeline(`guard "${plan.guard}" tripped`);
    }
  });

  const load = new AbortController();
  event('phase', 'load started', `${plan.shape} × ${plan.scale}, workload ${plan.workload}, up to ${plan.loadDurationS} s`);
  const run: Promise<RunOutcome> = executeRun({
    shape: options.shape,
    workload: plan.workload as WorkloadName,
    scale: plan.scale,
    duration: shapeDefinition(options.shape).steady ? `${plan.loadDurationS}s` : undefined,
    allowRemote: false,
    segments: 1,
    stateDir: ctx.stateDir,
    reportsDir: options.reportsDir,
    signal: load.signal,
    onProgress: (figures) => store.add('k6', { t: nowS(), values: k6Sample(figures) }),
    onInfo: (line) => say(`run             ${line}`),
  });
  // a run that ends (or fails) on its own ends the timeline too
  const runSettled = run.then(
    () => stopTimeline('the load run ended before the drill finished'),
    () => stopTimeline('the load run failed'),
  );
  const t0 = Date.now();

  const runSteps = async (group: 'immediate' | 'short_term'): Promise<void> => {
    for (const step of plan.steps.filter((candidate) => candidate.group === group && candidate.handling !== 'skipped')) {
      const startedAt = new Date().toISOString();
      if (step.handling === 'person') {
        say(`step ${step.number}: ${step.title}${step.run ? `\n    $ ${step.run}` : ''}\n    press Enter when it is done`);
        const prompt = createInterface({ input: process.stdin, output: process.stderr });
        await prompt.question('', { signal: timeline.signal }).finally(() => prompt.close());
        happened.steps.push({ number: step.number, title: step.title, command: step.run, by: 'person', startedAt, endedAt: new Date().toISOString() });
        event('mitigation', `step ${step.number}: ${step.title}`, 'done by a person');
        continue;
      }
      const result = await runLoadctl(step.run as string, ctx.stateDir);
      happened.steps.push({ number: step.number, title: step.title, command: step.run, by: 'drill', startedAt, endedAt: new Date().toISOString(), exitCode: result.exitCode, output: result.output });
      event('mitigation', `step ${step.number}: ${step.title}`, `${step.run} → ${result.exitCode === 0 ? '' : `exit ${result.exitCode}: `}${result.output.split('\n').at(-1) ?? ''}`);
    }
  };

  let faultActive = false;
  const recover = async (why: string): Promise<void> => {
    if (!faultActive) return;
    faultActive = false;
    const observed = await faultByName(faultName)
      .observe(ctx, undefined)
      .catch(() => ({ healthy: false, detail: '' }));
    happened.fixedByRunbook ??= observed.healthy;
    const { summary } = await recoverFault(ctx, faultName);
    happened.recoveredAt = event('fault-recovered', faultName, `${why}: ${summary}`);
    happened.recoverSummary = summary;
  };

  try {
    await wait(t0 + plan.injectAtS * 1000 - Date.now());
    // the keeper's deadline is a backstop well past the drill: the drill recovers the fault itself
    const injected = await injectFault(ctx, faultName, { mode: plan.fault.mode, durationS: plan.faultDurationS + plan.loadDurationS + 60, params: plan.fault.params });
    faultActive = true;
    happened.injectedAt = event('fault-injected', faultName, `${plan.fault.mode}: ${injected.summary}`);
    happened.faultSummary = injected.summary;
    const injectedS = Date.parse(happened.injectedAt) / 1000;

    // detection: every signal evaluated once a second on its own window, after the injection only
    for (;;) {
      const now = nowS();
      signals.forEach(({ id, check }, index) => {
        const record = happened.signals[index];
        if (!record || record.firedAt) return;
        const { holds: fired, value } = store.holds(check, now, injectedS - check.windowS);
        record.value = value;
        if (fired && store.latest(check.source) !== undefined && (store.latest(check.source) as number) > injectedS) {
          record.firedAt = event('signal-fired', id, `${check.text} (value ${value.toPrecision(3)})`);
        }
      });
      if (happened.signals.every((record) => record.firedAt) || now - injectedS >= plan.detectTimeoutS) break;
      await wait(1000);
    }
    const missing = happened.signals.filter((record) => !record.firedAt).map((record) => record.id);
    if (missing.length) event('note', 'detection window over', `not fired: ${missing.join(', ')}`);

    await runSteps('immediate');
    await wait(Date.parse(happened.injectedAt) + plan.faultDurationS * 1000 - Date.now());
    await runSteps('short_term');
    await recover('end of the fault window');

    // the SLO must hold on a window that lies wholly after the recovery
    const recoveredS = Date.parse(happened.recoveredAt as string) / 1000;
    for (;;) {
      const now = nowS();
      if (now - recoveredS >= slo.windowS) {
        const { holds: restored, value } = store.holds(slo, now, recoveredS);
        happened.sloLastValue = value;
        if (restored) {
          happened.sloRestoredAt = event('slo-restored', runbook.slo.description ?? slo.text, `${slo.text} (value ${value.toPrecision(3)})`);
          break;
        }
      }
      if (now - recoveredS > plan.restoreWithinS + slo.windowS) {
        event('note', 'SLO not restored', `${slo.text} still fails after ${plan.restoreWithinS} s (value ${happened.sloLastValue})`);
        break;
      }
      await wait(1000);
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    happened.aborted = reason;
    event('note', 'drill stopped early', reason);
  } finally {
    await recover(happened.guardTrippedAt ? 'guard tripped' : 'drill stopped').catch((error: Error) => event('note', 'recover failed', error.message));
    event('phase', 'load stopping');
    load.abort();
  }

  let outcome: RunOutcome | undefined;
  try {
    outcome = await run;
  } catch (error) {
    happened.aborted ??= `load run failed: ${(error as Error).message}`;
  }
  await runSettled;
  await scraper.stop();
  happened.k6ExitCode = outcome?.meta.k6ExitCode;
  if (preparation) {
    const undone = await preparation.undo(ctx).catch((error: Error) => `could not undo (${error.message}): ${preparation.summary}`);
    event('phase', 'stack as before', undone);
    ctx = await faultContext(options.stateDir);
  }

  try {
    const report = await verifyInvariants(ctx.state);
    happened.invariants = { ok: report.ok, violated: report.checks.filter((check) => check.status === 'violated').map((check) => check.id) };
  } catch (error) {
    happened.invariants = { ok: false, violated: [], error: (error as Error).message };
  }
  event('phase', 'invariants checked', happened.invariants.ok ? 'all hold' : `violated: ${happened.invariants.violated.join(', ') || happened.invariants.error}`);

  evaluateClaims(runbook, store, happened);
  happened.endedAt = new Date().toISOString();
  const verdicts = verdictsOf(plan, happened);
  const journal: Journal = { version: 1, planned: plan, happened, figures: figuresOf(happened), verdicts, ok: verdicts.every((verdict) => verdict.ok) };

  if (!outcome) throw new UserError(`the load run failed, so the drill has no run directory. ${happened.aborted ?? ''}`, 'run `loadctl run smoke` to see why', ExitCode.environment);
  const runDir = outcome.runDir;
  writeFileSync(path.join(runDir, RunFiles.journal), `${JSON.stringify(journal, null, 2)}\n`);
  const metaPath = path.join(runDir, RunFiles.meta);
  const meta = RunMeta.parse(JSON.parse(readFileSync(metaPath, 'utf8')));
  const stoppedEarly = meta.k6ExitCode === K6_EXIT.externalAbort ? `the drill ended its load once its timeline was done${happened.aborted ? ` (${happened.aborted})` : ''}` : undefined;
  const drillMeta: RunMeta = { ...meta, workload: `${meta.workload} (drill ${plan.runbookId})`, events: [...meta.events, ...happened.events], stoppedEarly };
  writeFileSync(metaPath, `${JSON.stringify(drillMeta, null, 2)}\n`);
  const reportPath = await writeDrillReport(runDir, journal);
  return { runDir, journal, reportPath, exitCode: journal.ok ? ExitCode.ok : ExitCode.violation };
}

/** claims are checked once over their whole phase, from the samples recorded */
function evaluateClaims(runbook: Runbook, store: SampleStore, happened: Happened): void {
  const firstStep = happened.steps[0]?.startedAt;
  const lastStep = happened.steps.at(-1)?.endedAt;
  const phases: Record<string, [string | undefined, string | undefined]> = {
    fault: [happened.injectedAt, happened.recoveredAt],
    mitigation: [firstStep, lastStep && new Date(Date.parse(lastStep) + 2000).toISOString()],
  };
  for (const claim of runbook.claims) {
    const [from, to] = phases[claim.during] ?? [undefined, undefined];
    if (!from || !to) continue;
    const check: Check = compileCheck({ ...claim, window: undefined });
    const value = store.valueBetween(check, Date.parse(from) / 1000 - 1, Date.parse(to) / 1000 + 1);
    happened.claims.push({ id: claim.id, value, holds: holds(check.condition, value), from, to });
  }
}

/** The run's report with the drill section appended. */
async function writeDrillReport(runDir: string, journal: Journal): Promise<string> {
  const { markdownPath } = await writeReport(runDir);
  appendFileSync(markdownPath, `\n\n${drillMarkdown(journal)}\n`);
  return markdownPath;
}
