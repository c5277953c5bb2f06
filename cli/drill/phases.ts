// The phases of a drill after its plan (drill.ts), in the order runDrill runs them: prepare, inject, detect,
// mitigate, recover, then wind down and judge. Each acts on the drill's state and records what it does
// through drill.record, so meta.json's events and journal.json tell one story.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { faultContext, injectFault, recoverFault } from '../faults/engine.ts';
import { K6_EXIT } from '../k6/exit-codes.ts';
import type { ProgressFigures } from '../k6/live.ts';
import { finiteSamples, scrapeLoop, type ScrapeLoop } from '../observe/prometheus.ts';
import { writeReport } from '../report/index.ts';
import { holds } from '../runbooks/condition.ts';
import { runLoadctl } from '../runbooks/exec.ts';
import type { StepGroup } from '../runbooks/schema.ts';
import { executeRun, type RunOutcome } from '../run/run.ts';
import { RunFiles, RunMeta } from '../shared/run-dir.ts';
import { verifyInvariants } from '../verify/index.ts';
import { shapeDefinition } from '../../scenarios/lib/shapes.ts';
import type { Drill } from './context.ts';
import { figuresOf, drillMarkdown, verdictsOf, type Journal } from './journal.ts';
import { compileCheck, type Check } from './watch.ts';

/** The load and its observers while they run; stopped by windDown. */
export interface LoadUnderway {
  run: Promise<RunOutcome>;
  /** resolves once the run has ended, whichever way, and the timeline was told */
  settled: Promise<void>;
  stop: AbortController;
  scraper: ScrapeLoop;
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

/**
 * prepare: a stack the fault can act on (which may restart the API, hence the fresh context), its /metrics
 * sampled every second under the guard's watch, and the load started.
 */
export async function prepare(drill: Drill): Promise<LoadUnderway> {
  const { plan, happened, samples, timeline } = drill;
  drill.preparation = await drill.fault.prepare?.(drill.target);
  if (drill.preparation) {
    drill.record('phase', 'stack prepared', drill.preparation.summary);
    drill.target = await faultContext(drill.surroundings.stateDir);
  }

  const scraper = scrapeLoop(`${drill.target.state.api.url}/metrics`, 1000, (t, scraped) => {
    samples.add('api-metrics', { t: t / 1000, values: finiteSamples(scraped) });
    if (drill.guard && !happened.guardTrippedAt && drill.guard.tick(samples, t / 1000)) {
      happened.guardTrippedAt = drill.record('guard-tripped', plan.guard ?? '', 'halting the drill and recovering the fault');
      timeline.stop(`guard "${plan.guard}" tripped`);
    }
  });

  const stop = new AbortController();
  drill.record('phase', 'load started', `${plan.shape} × ${plan.scale}, workload ${plan.workload}, up to ${plan.loadDurationS} s`);
  const run = executeRun({
    shape: plan.shape,
    workload: plan.workload,
    scale: plan.scale,
    duration: shapeDefinition(plan.shape).steady ? `${plan.loadDurationS}s` : undefined,
    allowRemote: false,
    segments: 1,
    stateDir: drill.target.stateDir,
    reportsDir: drill.surroundings.reportsDir,
    signal: stop.signal,
    onProgress: (figures) => samples.add('k6', { t: Date.now() / 1000, values: k6Sample(figures) }),
    onInfo: (line) => drill.say(`run             ${line}`),
  });
  // a run that ends (or fails) on its own ends the timeline too
  const settled = run.then(
    () => timeline.stop('the load run ended before the drill finished'),
    () => timeline.stop('the load run failed'),
  );
  drill.loadStartedAtMs = Date.now();
  return { run, settled, stop, scraper };
}

/** inject: the fault, at its planned time after the load started */
export async function inject(drill: Drill): Promise<void> {
  const { plan, happened } = drill;
  await drill.timeline.waitUntil(drill.loadStartedAtMs + plan.injectAtS * 1000);
  // the keeper's deadline is a backstop well past the drill: the drill recovers the fault itself
  const durationS = plan.faultDurationS + plan.loadDurationS + 60;
  const { name, mode, params } = plan.fault;
  const injected = await injectFault(drill.target, name, { mode, durationS, params });
  drill.faultActive = true;
  happened.injectedAt = drill.record('fault-injected', name, `${mode}: ${injected.summary}`);
  happened.faultSummary = injected.summary;
}

/** detect: every signal evaluated once a second on its own window, after the injection only */
export async function detect(drill: Drill): Promise<void> {
  const { plan, happened, samples } = drill;
  const injectedS = Date.parse(happened.injectedAt as string) / 1000;
  for (;;) {
    const now = Date.now() / 1000;
    drill.signals.forEach(({ id, check }, index) => {
      const record = happened.signals[index];
      if (!record || record.firedAt) return;
      const { holds: fired, value } = samples.holds(check, now, injectedS - check.windowS);
      record.value = value;
      const latest = samples.latest(check.source);
      if (fired && latest !== undefined && latest > injectedS) {
        record.firedAt = drill.record('signal-fired', id, `${check.text} (value ${value.toPrecision(3)})`);
      }
    });
    if (happened.signals.every((record) => record.firedAt) || now - injectedS >= plan.detectTimeoutS) break;
    await drill.timeline.wait(1000);
  }
  const missing = happened.signals.filter((record) => !record.firedAt).map((record) => record.id);
  if (missing.length) drill.record('note', 'detection window over', `not fired: ${missing.join(', ')}`);
}

/** mitigate: the immediate steps at once, the short-term ones once the fault window is over */
export async function mitigate(drill: Drill): Promise<void> {
  await runSteps(drill, 'immediate');
  await drill.timeline.waitUntil(Date.parse(drill.happened.injectedAt as string) + drill.plan.faultDurationS * 1000);
  await runSteps(drill, 'short_term');
}

async function runSteps(drill: Drill, group: StepGroup): Promise<void> {
  const { happened } = drill;
  for (const step of drill.plan.steps.filter((candidate) => candidate.group === group && candidate.handling !== 'skipped')) {
    const startedAt = new Date().toISOString();
    const { number, title, run: command } = step;
    if (step.handling === 'person') {
      drill.say(`step ${step.number}: ${step.title}${step.run ? `\n    $ ${step.run}` : ''}\n    press Enter when it is done`);
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      await prompt.question('', { signal: drill.timeline.signal }).finally(() => prompt.close());
      happened.steps.push({ number, title, command, by: 'person', startedAt, endedAt: new Date().toISOString() });
      drill.record('mitigation', `step ${step.number}: ${step.title}`, 'done by a person');
      continue;
    }
    const result = await runLoadctl(step.run as string, drill.target.stateDir);
    const endedAt = new Date().toISOString();
    const { exitCode, output } = result;
    happened.steps.push({ number, title, command, by: 'drill', startedAt, endedAt, exitCode, output });
    const outcome = `${result.exitCode === 0 ? '' : `exit ${result.exitCode}: `}${result.output.split('\n').at(-1) ?? ''}`;
    drill.record('mitigation', `step ${step.number}: ${step.title}`, `${step.run} → ${outcome}`);
  }
}

/** recover: the fault ends; then the SLO must hold on a window that lies wholly after the recovery */
export async function recover(drill: Drill): Promise<void> {
  await endFault(drill, 'end of the fault window');
  const { happened, slo, plan } = drill;
  const recoveredS = Date.parse(happened.recoveredAt as string) / 1000;
  for (;;) {
    const now = Date.now() / 1000;
    if (now - recoveredS >= slo.windowS) {
      const { holds: restored, value } = drill.samples.holds(slo, now, recoveredS);
      happened.sloLastValue = value;
      if (restored) {
        happened.sloRestoredAt = drill.record('slo-restored', drill.runbook.slo.description ?? slo.text, `${slo.text} (value ${value.toPrecision(3)})`);
        return;
      }
    }
    if (now - recoveredS > plan.restoreWithinS + slo.windowS) {
      drill.record('note', 'SLO not restored', `${slo.text} still fails after ${plan.restoreWithinS} s (value ${happened.sloLastValue})`);
      return;
    }
    await drill.timeline.wait(1000);
  }
}

/** Recovers the fault if it is still active (safe to call again), noting whether the runbook had already fixed it. */
async function endFault(drill: Drill, why: string): Promise<void> {
  if (!drill.faultActive) return;
  drill.faultActive = false;
  const { happened, fault, target } = drill;
  const observed = await fault.observe(target, undefined).catch(() => ({ healthy: false, detail: '' }));
  happened.fixedByRunbook ??= observed.healthy;
  const { summary } = await recoverFault(target, fault.name);
  happened.recoveredAt = drill.record('fault-recovered', fault.name, `${why}: ${summary}`);
  happened.recoverSummary = summary;
}

/** Whatever stopped the timeline early (guard, Ctrl-C, the load run ending, an error) goes on the record. */
export function noteStoppedEarly(drill: Drill, error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error);
  drill.happened.aborted = reason;
  drill.record('note', 'drill stopped early', reason);
}

/**
 * After the timeline, however it ended: the fault recovered, the load stopped and waited for, the stack as
 * it was before prepare. → the load run's outcome, undefined when it failed.
 */
export async function windDown(drill: Drill, load: LoadUnderway): Promise<RunOutcome | undefined> {
  const { happened } = drill;
  const why = happened.guardTrippedAt ? 'guard tripped' : 'drill stopped';
  await endFault(drill, why).catch((error: Error) => drill.record('note', 'recover failed', error.message));
  drill.record('phase', 'load stopping');
  load.stop.abort();

  let outcome: RunOutcome | undefined;
  try {
    outcome = await load.run;
  } catch (error) {
    happened.aborted ??= `load run failed: ${(error as Error).message}`;
  }
  await load.settled;
  await load.scraper.stop();
  happened.k6ExitCode = outcome?.meta.k6ExitCode;
  const { preparation } = drill;
  if (preparation) {
    const undone = await preparation.undo(drill.target).catch((error: Error) => `could not undo (${error.message}): ${preparation.summary}`);
    drill.record('phase', 'stack as before', undone);
    drill.target = await faultContext(drill.surroundings.stateDir);
  }
  return outcome;
}

/** judge: the data invariants checked, each claim evaluated over its phase, and a verdict per runbook promise */
export async function judge(drill: Drill): Promise<Journal> {
  const { happened, plan } = drill;
  try {
    const report = await verifyInvariants(drill.target.state);
    happened.invariants = { ok: report.ok, violated: report.checks.filter((check) => check.status === 'violated').map((check) => check.id) };
  } catch (error) {
    happened.invariants = { ok: false, violated: [], error: (error as Error).message };
  }
  const { invariants } = happened;
  drill.record('phase', 'invariants checked', invariants.ok ? 'all hold' : `violated: ${invariants.violated.join(', ') || invariants.error}`);

  evaluateClaims(drill);
  happened.endedAt = new Date().toISOString();
  const verdicts = verdictsOf(plan, happened);
  return { version: 1, planned: plan, happened, figures: figuresOf(happened), verdicts, ok: verdicts.every((verdict) => verdict.ok) };
}

/** claims are checked once over their whole phase, from the samples recorded */
function evaluateClaims({ runbook, samples, happened }: Drill): void {
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
    const value = samples.valueBetween(check, Date.parse(from) / 1000 - 1, Date.parse(to) / 1000 + 1);
    happened.claims.push({ id: claim.id, value, holds: holds(check.condition, value), from, to });
  }
}

/**
 * The drill's record in the run directory: journal.json, its events added to meta.json (the report's charts
 * show the fault window and the steps), and report.md with the drill section. → the report's path.
 */
export async function writeDrillRecord(runDir: string, journal: Journal): Promise<string> {
  const { planned, happened } = journal;
  writeFileSync(path.join(runDir, RunFiles.journal), `${JSON.stringify(journal, null, 2)}\n`);
  const metaPath = path.join(runDir, RunFiles.meta);
  const meta = RunMeta.parse(JSON.parse(readFileSync(metaPath, 'utf8')));
  const stoppedEarly =
    meta.k6ExitCode === K6_EXIT.externalAbort ? `the drill ended its load once its timeline was done${happened.aborted ? ` (${happened.aborted})` : ''}` : undefined;
  const drillMeta: RunMeta = { ...meta, workload: `${meta.workload} (drill ${planned.runbookId})`, events: [...meta.events, ...happened.events], stoppedEarly };
  writeFileSync(metaPath, `${JSON.stringify(drillMeta, null, 2)}\n`);
  const { markdownPath } = await writeReport(runDir);
  appendFileSync(markdownPath, `\n\n${drillMarkdown(journal)}\n`);
  return markdownPath;
}
