// What one drill carries from phase to phase (phases.ts): its plan, the stack it acts on, the Prometheus that
// watches it, its clock, and the one event sink every phase records into. Each recorded moment becomes a run
// event (meta.json, the fault window on the report's charts) and a line for whoever is watching.
import { setTimeout as sleep } from 'node:timers/promises';
import { faultContext } from '../faults/engine.ts';
import { faultByName } from '../faults/registry.ts';
import type { Fault, FaultContext, Preparation } from '../faults/types.ts';
import type { Runbook } from '../runbooks/load.ts';
import { signalsOfMode } from '../runbooks/schema.ts';
import type { RunEvent } from '../shared/run-dir.ts';
import type { DrillPlan, Happened } from './journal.ts';
import { PrometheusClient } from '../observe/prometheus-api.ts';
import { resolvePrometheusUrl } from '../stack/monitoring.ts';
import { GuardWatch, parseGuard } from './watch.ts';

/** Where a drill runs and reports, and who hears about it: the part of DrillOptions the phases read. */
export interface DrillSurroundings {
  stateDir?: string;
  reportsDir?: string;
  /** the Prometheus to watch through (default: $PROMETHEUS_URL, else the stack's) */
  prometheusUrl?: string;
  /** Ctrl-C: the drill stops its timeline, recovers the fault and still writes its record */
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

/** why the timeline stopped before its end: the guard, Ctrl-C, or the load run ending */
class TimelineStopped extends Error {}

/** The drill's clock. Once stopped, every wait in progress or to come throws the reason it was stopped for. */
export class Timeline {
  private readonly controller = new AbortController();

  constructor(interrupt: AbortSignal | undefined) {
    interrupt?.addEventListener('abort', () => this.stop('interrupted by the user'), { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  stop(reason: string): void {
    if (!this.controller.signal.aborted) this.controller.abort(new TimelineStopped(reason));
  }

  async wait(ms: number): Promise<void> {
    await sleep(Math.max(0, ms), undefined, { signal: this.signal }).catch(() => {
      throw this.signal.reason instanceof Error ? this.signal.reason : new TimelineStopped('aborted');
    });
  }

  waitUntil(epochMs: number): Promise<void> {
    return this.wait(epochMs - Date.now());
  }
}

export interface Drill {
  runbook: Runbook;
  plan: DrillPlan;
  fault: Fault;
  surroundings: DrillSurroundings;
  /** the stack the fault acts on; read again after a phase restarts part of it (prepare, its undo) */
  target: FaultContext;
  /** evaluates the runbook's PromQL and fires its alerts */
  prometheus: PrometheusClient;
  /** the alert rules Prometheus has loaded: a signal without its alert is watched by querying its expression */
  loadedAlerts: ReadonlySet<string>;
  guard?: GuardWatch;
  timeline: Timeline;
  /** the journal's "happened" half, filled in as the phases go */
  happened: Happened;
  /** what prepare changed on the stack, undone when the load has stopped */
  preparation?: Preparation;
  /** the load's start (epoch ms): the injection is planned relative to it */
  loadStartedAtMs: number;
  /** when injecting began (epoch ms): an alert pending since before then was not set off by the fault */
  injectionStartedAtMs: number;
  faultActive: boolean;
  /** the event sink: records one moment (now, or `at` when it happened earlier) and returns its time (ISO) */
  record(kind: RunEvent['kind'], name: string, detail?: string, at?: Date): string;
  /** a line for the operator that is not an event (k6's own messages, a manual step's instructions) */
  say(line: string): void;
}

export async function openDrill(runbook: Runbook, plan: DrillPlan, surroundings: DrillSurroundings): Promise<Drill> {
  const say = surroundings.onLine ?? (() => undefined);
  const target = await faultContext(surroundings.stateDir);
  const prometheus = new PrometheusClient(resolvePrometheusUrl(surroundings.prometheusUrl, target.stateDir));
  const loadedAlerts = new Set(await prometheus.alertRuleNames());
  const happened: Happened = {
    startedAt: new Date().toISOString(),
    endedAt: '',
    events: [],
    signals: signalsOfMode(runbook.signals, plan.fault.mode).map(({ id }) => ({ id })),
    steps: [],
    claims: [],
  };
  return {
    runbook,
    plan,
    fault: faultByName(plan.fault.name),
    surroundings,
    target,
    prometheus,
    loadedAlerts,
    guard: plan.guard ? new GuardWatch(parseGuard(plan.guard)) : undefined,
    timeline: new Timeline(surroundings.signal),
    happened,
    loadStartedAtMs: Date.now(),
    injectionStartedAtMs: Number.POSITIVE_INFINITY,
    faultActive: false,
    record(kind, name, detail, when) {
      const at = (when ?? new Date()).toISOString();
      happened.events.push({ at, kind, name, ...(detail ? { detail } : {}) });
      say(`${kind.padEnd(15)} ${name}${detail ? ` — ${detail}` : ''}`);
      return at;
    },
    say,
  };
}
