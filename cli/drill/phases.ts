// The phases of a drill after its plan (drill.ts), in the order runDrill runs them: prepare, inject, detect,
// mitigate, recover, then wind down and judge. Each acts on the drill's state and records what it does
// through drill.record, so meta.json's events and journal.json tell one story.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { faultContext, injectFault, recoverFault } from '../faults/engine.ts';
import { K6_EXIT } from '../k6/exit-codes.ts';
import { writeReport } from '../report/index.ts';
import { alertName } from '../runbooks/alerts.ts';
import { runLoadctl } from '../runbooks/exec.ts';
import { withRange } from '../runbooks/promql.ts';
import { signalsOfMode, type StepGroup } from '../runbooks/schema.ts';
import { executeRun, type RunOutcome } from '../run/run.ts';
import { RunFiles, RunMeta } from '../shared/run-dir.ts';
import { verifyInvariants } from '../verify/index.ts';
import { durationSeconds } from '../../scenarios/lib/durations.ts';
import { shapeDefinition } from '../../scenarios/lib/shapes.ts';
import type { Drill } from './context.ts';
import { figuresOf, drillMarkdown, verdictsOf, type Journal } from './journal.ts';
import { alertFiringAt, evaluateCheck, everyInterval } from './watch.ts';

/** The load and its observers while they run; stopped by windDown. */
export interface LoadUnderway {
  run: Promise<RunOutcome>;
  /** resolves once the run has ended, whichever way, and the timeline was told */
  settled: Promise<void>;
  stop: AbortController;
  /** the guard's check, once a second */
  guardWatch?: { stop(): Promise<void> };
}

/**
 * prepare: a stack the fault can act on (which may restart the API, hence the fresh context), the guard
 * checked every second through Prometheus, and the load started (k6 remote-writes into Prometheus too).
 */
export async function prepare(drill: Drill): Promise<LoadUnderway> {
  const { plan, happened, timeline, guard } = drill;
  drill.preparation = await drill.fault.prepare?.(drill.target);
  if (drill.preparation) {
    drill.record('phase', 'stack prepared', drill.preparation.summary);
    drill.target = await faultContext(drill.surroundings.stateDir);
  }

  const guardWatch = guard
    ? everyInterval(
        1000,
        async () => {
          if (happened.guardTrippedAt) return;
          const { holds } = await evaluateCheck(drill.prometheus, guard.guard.expr);
          if (!guard.observe(holds, Date.now() / 1000)) return;
          happened.guardTrippedAt = drill.record(
            'guard-tripped',
            plan.guard ?? '',
            'halting the drill and recovering the fault',
          );
          timeline.stop(`guard "${plan.guard}" tripped`);
        },
        (error) => drill.say(`guard           not evaluated: ${error.message}`),
      )
    : undefined;

  const stop = new AbortController();
  drill.record(
    'phase',
    'load started',
    `${plan.shape} × ${plan.scale}, workload ${plan.workload}, up to ${plan.loadDurationS} s`,
  );
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
    onInfo: (line) => drill.say(`run             ${line}`),
  });
  // a run that ends (or fails) on its own ends the timeline too
  const settled = run.then(
    () => timeline.stop('the load run ended before the drill finished'),
    () => timeline.stop('the load run failed'),
  );
  drill.loadStartedAtMs = Date.now();
  return { run, settled, stop, guardWatch };
}

/** inject: the fault, at its planned time after the load started */
export async function inject(drill: Drill): Promise<void> {
  const { plan, happened } = drill;
  await drill.timeline.waitUntil(drill.loadStartedAtMs + plan.injectAtS * 1000);
  // the keeper's deadline is a backstop well past the drill: the drill recovers the fault itself
  const durationS = plan.faultDurationS + plan.loadDurationS + 60;
  const { name, mode, params } = plan.fault;
  drill.injectionStartedAtMs = Date.now();
  const injected = await injectFault(drill.target, name, { mode, durationS, params });
  drill.faultActive = true;
  happened.injectedAt = drill.record('fault-injected', name, `${mode}: ${injected.summary}`);
  happened.faultSummary = injected.summary;
}

/**
 * detect: once a second, which signals' alerts fire in Prometheus; a signal is detected at its alert's firing
 * time (pending since + `for:`). An alert already pending before the injection began is not the fault's
 * doing and does not count: a signal that fires on a healthy system fails the drill. A signal whose rule
 * Prometheus has not loaded (a Prometheus of the user's) is detected when its expression first holds.
 */
export async function detect(drill: Drill): Promise<void> {
  const { plan, happened, runbook, prometheus } = drill;
  const injectedMs = Date.parse(happened.injectedAt as string);
  for (;;) {
    const alerts = await prometheus.alerts();
    for (const [index, signal] of signalsOfMode(runbook.signals, plan.fault.mode).entries()) {
      const record = happened.signals[index];
      if (!record || record.firedAt) continue;
      const reading = await evaluateCheck(prometheus, signal.expr);
      record.value = reading.value;
      const viaAlert = drill.loadedAlerts.has(alertName(runbook.id, signal.id));
      const forMs = durationSeconds(signal.for) * 1000;
      const firingAt = viaAlert
        ? alertFiringAt(alerts, runbook.id, signal.id, forMs / 1000)
        : reading.holds
          ? Date.now()
          : undefined;
      if (firingAt === undefined) continue;
      if (firingAt - forMs < drill.injectionStartedAtMs) {
        if (!record.firingBeforeInjection)
          drill.record('note', `${signal.id} was firing before the injection`, 'not counted');
        record.firingBeforeInjection = true;
        continue;
      }
      const how = viaAlert ? `alert ${alertName(runbook.id, signal.id)} firing` : 'expression holds';
      const detail = `${how}: ${plan.signals[index]?.check} (value ${reading.value.toPrecision(3)})`;
      record.firedAt = drill.record('signal-fired', signal.id, detail, new Date(Math.max(firingAt, injectedMs)));
    }
    const allFired = happened.signals.every((record) => record.firedAt);
    if (allFired || Date.now() - injectedMs >= plan.detectTimeoutS * 1000) break;
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
  for (const step of drill.plan.steps.filter(
    (candidate) => candidate.group === group && candidate.handling !== 'skipped',
  )) {
    const startedAt = new Date().toISOString();
    const { number, title, run: command } = step;
    if (step.handling === 'person') {
      drill.say(
        `step ${step.number}: ${step.title}${step.run ? `\n    $ ${step.run}` : ''}\n    press Enter when it is done`,
      );
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
  const { happened, plan, runbook } = drill;
  const { check, windowS } = plan.slo;
  const recoveredS = Date.parse(happened.recoveredAt as string) / 1000;
  for (;;) {
    const now = Date.now() / 1000;
    if (now - recoveredS >= windowS) {
      const { holds: restored, value } = await evaluateCheck(drill.prometheus, runbook.slo.expr);
      happened.sloLastValue = value;
      if (restored) {
        happened.sloRestoredAt = drill.record(
          'slo-restored',
          runbook.slo.description ?? check,
          `${check} (value ${value.toPrecision(3)})`,
        );
        return;
      }
    }
    if (now - recoveredS > plan.restoreWithinS + windowS) {
      drill.record(
        'note',
        'SLO not restored',
        `${check} still fails after ${plan.restoreWithinS} s (value ${happened.sloLastValue})`,
      );
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
  await load.guardWatch?.stop();
  happened.k6ExitCode = outcome?.meta.k6ExitCode;
  const { preparation } = drill;
  if (preparation) {
    const undone = await preparation
      .undo(drill.target)
      .catch((error: Error) => `could not undo (${error.message}): ${preparation.summary}`);
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
    happened.invariants = {
      ok: report.ok,
      violated: report.checks.filter((check) => check.status === 'violated').map((check) => check.id),
    };
  } catch (error) {
    happened.invariants = { ok: false, violated: [], error: (error as Error).message };
  }
  const { invariants } = happened;
  drill.record(
    'phase',
    'invariants checked',
    invariants.ok ? 'all hold' : `violated: ${invariants.violated.join(', ') || invariants.error}`,
  );

  await evaluateClaims(drill);
  happened.endedAt = new Date().toISOString();
  const verdicts = verdictsOf(plan, happened);
  return {
    version: 1,
    planned: plan,
    happened,
    figures: figuresOf(happened),
    verdicts,
    ok: verdicts.every((verdict) => verdict.ok),
  };
}

/** claims are checked once, at the end of their phase, with every range stretched over the whole phase */
async function evaluateClaims({ runbook, prometheus, happened }: Drill): Promise<void> {
  const firstStep = happened.steps[0]?.startedAt;
  const lastStep = happened.steps.at(-1)?.endedAt;
  const phases: Record<string, [string | undefined, string | undefined]> = {
    fault: [happened.injectedAt, happened.recoveredAt],
    mitigation: [firstStep, lastStep && new Date(Date.parse(lastStep) + 2000).toISOString()],
  };
  for (const claim of runbook.claims) {
    const [from, to] = phases[claim.during] ?? [undefined, undefined];
    if (!from || !to) continue;
    const phaseS = (Date.parse(to) - Date.parse(from)) / 1000 + 1;
    const { holds, value } = await evaluateCheck(prometheus, withRange(claim.expr, phaseS), new Date(to));
    happened.claims.push({ id: claim.id, value, holds, from, to });
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
    meta.k6ExitCode === K6_EXIT.externalAbort
      ? `the drill ended its load once its timeline was done${happened.aborted ? ` (${happened.aborted})` : ''}`
      : undefined;
  const drillMeta: RunMeta = {
    ...meta,
    workload: `${meta.workload} (drill ${planned.runbookId})`,
    events: [...meta.events, ...happened.events],
    stoppedEarly,
  };
  writeFileSync(metaPath, `${JSON.stringify(drillMeta, null, 2)}\n`);
  const { markdownPath } = await writeReport(runDir);
  appendFileSync(markdownPath, `\n\n${drillMarkdown(journal)}\n`);
  return markdownPath;
}
