// What every fault implements, and the record of an active fault kept in <stateDir>/faults.json.
import { z } from 'zod';
import type { StackState } from '../shared/stack-state.ts';
import type { WorkloadName } from '../../scenarios/lib/catalogue.ts';

export const ActiveFault = z.object({
  /** unique per injection, so a late timer can never recover a later injection of the same fault */
  id: z.string(),
  name: z.string(),
  mode: z.string(),
  runbookId: z.string(),
  injectedAt: z.string(),
  /** ISO time after which the fault is recovered whatever happens (keeper timer, or the next loadctl fault call) */
  deadline: z.string(),
  /** the detached process that holds the fault (db connections) and enforces the deadline */
  keeperPid: z.number().int().positive().optional(),
  /** what inject did, so recover can undo exactly that (snapshot id, killed pid, toxic names …) */
  details: z.record(z.string(), z.unknown()).default({}),
});
export type ActiveFault = z.infer<typeof ActiveFault>;

export const FaultsFile = z.object({ version: z.literal(1), active: z.array(ActiveFault) });
export type FaultsFile = z.infer<typeof FaultsFile>;

export interface FaultContext {
  state: StackState;
  stateDir: string;
}

export interface InjectRequest {
  mode: string;
  durationS: number;
  /** fault-specific knobs from the command line (--connections, --target, --latency …) */
  params: Record<string, string>;
}

export interface Observation {
  /** true when the target looks healthy (the fault's effect is absent) */
  healthy: boolean;
  detail: string;
}

/**
 * One fault, declared whole in its own file: everything the CLI (`fault list`, the `--<param>` options of
 * `fault inject`) and the drill need comes from here through the registry.
 */
export interface Fault {
  name: string;
  description: string;
  modes: readonly string[];
  defaultMode: string;
  /** the one runbook for this fault; its front matter names the fault back (checked by a unit test) */
  runbookId: string;
  /** the workload a drill puts on the API unless told otherwise: one that exercises what the fault breaks */
  drillWorkload: WorkloadName;
  /**
   * the load scale a drill uses unless told otherwise (default 1): enough requests finishing in every signal
   * window for the signals to have data, when the fault makes requests wait rather than fail
   */
  drillScale?: number;
  /** the --<param> options inject accepts, each with one line for `fault list` and `fault inject --help` */
  params: Readonly<Record<string, string>>;
  /** refuses (UserError) when the stack does not own the target; returns what recover needs */
  inject(ctx: FaultContext, request: InjectRequest): Promise<{ details: Record<string, unknown>; summary: string }>;
  /** runs inside the keeper process for the whole window when the fault needs a live client (db-saturate) */
  hold?(ctx: FaultContext, fault: ActiveFault, stop: AbortSignal): Promise<void>;
  /** resolves once the keeper holds the fault (the effect is really there) */
  ready?(ctx: FaultContext, fault: ActiveFault): Promise<void>;
  /** undoes the fault; safe to call twice */
  recover(ctx: FaultContext, fault: ActiveFault): Promise<string>;
  /** looks at the target itself, not at faults.json */
  observe(ctx: FaultContext, fault: ActiveFault | undefined): Promise<Observation>;
  /**
   * Before a drill's load starts: makes the stack one this fault can act on (the API routed through
   * toxiproxy, users waiting in the queue). → what it did and how to undo it; undefined when nothing was needed.
   */
  prepare?(ctx: FaultContext): Promise<Preparation | undefined>;
}

export interface Preparation {
  summary: string;
  undo(ctx: FaultContext): Promise<string>;
}
