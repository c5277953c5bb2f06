// `loadctl drill <runbook>`: a game day, run as named phases over one event sink (in the spirit of Chaos
// Toolkit): plan (here), then prepare, inject, detect, mitigate, recover, wind down and judge (phases.ts).
// Load runs (the run engine's executeRun); Prometheus scrapes the stack every second; the runbook's fault
// is injected at the planned time; its signals' alerts are watched (time to detect); its automatable steps are
// carried out, or a person does them (--manual); the fault is recovered; the SLO is watched until it holds
// again (time to recover); then the data invariants are checked. Every moment goes into meta.json events
// (fault windows on the charts) and journal.json.
import { UserError } from '../shared/errors.ts';
import { ExitCode, type ExitCodeValue } from '../shared/exit-codes.ts';
import { faultByName } from '../faults/registry.ts';
import { loadRunbook, type Runbook } from '../runbooks/load.ts';
import { durationSeconds } from '../../scenarios/lib/durations.ts';
import { checkPromql, oneLine } from '../runbooks/promql.ts';
import { numberedSteps, signalsOfMode } from '../runbooks/schema.ts';
import type { WorkloadName } from '../../scenarios/lib/catalogue.ts';
import { buildShape, plannedSeconds, shapeDefinition, type ShapeName } from '../../scenarios/lib/shapes.ts';
import { openDrill, type DrillSurroundings } from './context.ts';
import type { DrillPlan, Journal, PlannedStep } from './journal.ts';
import {
  detect,
  inject,
  judge,
  mitigate,
  noteStoppedEarly,
  prepare,
  recover,
  windDown,
  writeDrillRecord,
} from './phases.ts';
import { parseGuard } from './watch.ts';

export interface DrillOptions extends DrillSurroundings {
  runbookId: string;
  shape: ShapeName;
  workload?: WorkloadName;
  /** default: the fault's drillScale, else 1 */
  scale?: number;
  injectAtS: number;
  faultDurationS: number;
  detectTimeoutS: number;
  manual: boolean;
  guard?: string;
  faultMode?: string;
  faultParams?: Record<string, string>;
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

/** plan: what the drill will do and when, from the runbook, its fault and the options; refuses what cannot work */
export function planDrill(runbook: Runbook, options: DrillOptions): DrillPlan {
  const fault = faultByName(runbook.fault.name);
  const mode = options.faultMode ?? runbook.fault.mode ?? fault.defaultMode;
  if (!fault.modes.includes(mode))
    throw new UserError(`fault ${fault.name} has no mode "${mode}".`, `use one of: ${fault.modes.join(', ')}`);
  const scale = options.scale ?? fault.drillScale ?? 1;
  const sloWindowS = checkPromql(runbook.slo.expr).windowS;
  const restoreWithinS = durationSeconds(runbook.slo.restoreWithin);
  // load must outlast: injection, detection or the fault window, the steps, and the SLO's restore budget
  const wantedS = Math.ceil(
    options.injectAtS + Math.max(options.faultDurationS, options.detectTimeoutS) + 30 + restoreWithinS + sloWindowS,
  );
  // a steady shape is stretched to cover the drill; a ramping one (load, peak) keeps its own length
  const loadDurationS = shapeDefinition(options.shape).steady
    ? wantedS
    : plannedSeconds(buildShape(options.shape, { scale }).scenarios);
  if (options.injectAtS + options.faultDurationS >= loadDurationS) {
    throw new UserError(
      `the ${options.shape} shape lasts ${loadDurationS} s, too short to inject at ${options.injectAtS} s for ${options.faultDurationS} s.`,
      'inject earlier, shorten --duration, or use a steady shape (smoke, soak)',
    );
  }
  if (options.guard) {
    try {
      parseGuard(options.guard);
    } catch (error) {
      throw new UserError(`${(error as Error).message}.`, 'see loadctl drill --help');
    }
  }
  return {
    runbookId: runbook.id,
    runbookTitle: runbook.title,
    fault: { name: fault.name, mode, params: { ...runbook.fault.params, ...options.faultParams } },
    shape: options.shape,
    workload: options.workload ?? fault.drillWorkload,
    scale,
    injectAtS: options.injectAtS,
    faultDurationS: options.faultDurationS,
    detectTimeoutS: options.detectTimeoutS,
    restoreWithinS,
    loadDurationS,
    manual: options.manual,
    guard: options.guard,
    signals: signalsOfMode(runbook.signals, mode).map((signal) => ({
      id: signal.id,
      check: oneLine(signal.expr),
      windowS: checkPromql(signal.expr).windowS,
      forS: durationSeconds(signal.for),
    })),
    claims: runbook.claims.map((claim) => ({
      id: claim.id,
      during: claim.during,
      check: oneLine(claim.expr),
      description: claim.description,
    })),
    slo: { check: oneLine(runbook.slo.expr), windowS: sloWindowS, restoreWithinS },
    steps: planSteps(runbook, options.manual),
  };
}

export async function runDrill(options: DrillOptions): Promise<DrillOutcome> {
  const runbook = await loadRunbook(options.runbookId);
  const drill = await openDrill(runbook, planDrill(runbook, options), options);
  const load = await prepare(drill);
  // the timeline: any phase may be cut short by the guard, by Ctrl-C or by the load run ending
  try {
    await inject(drill);
    await detect(drill);
    await mitigate(drill);
    await recover(drill);
  } catch (error) {
    noteStoppedEarly(drill, error);
  }
  const loadOutcome = await windDown(drill, load);
  const journal = await judge(drill);

  if (!loadOutcome) {
    const why = `the load run failed, so the drill has no run directory. ${drill.happened.aborted ?? ''}`;
    throw new UserError(why, 'run `loadctl run smoke` to see why', ExitCode.environment);
  }
  const reportPath = await writeDrillRecord(loadOutcome.runDir, journal);
  return { runDir: loadOutcome.runDir, journal, reportPath, exitCode: journal.ok ? ExitCode.ok : ExitCode.violation };
}
