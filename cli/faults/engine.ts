// Inject, recover and inspect faults. Every injection is bounded: a detached keeper process recovers it at
// its deadline, and every `loadctl fault …` call also recovers any fault whose deadline passed (in case
// the keeper was killed), so no fault outlives its window silently.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, closeSync, readFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { readStackState } from '../stack/state-file.ts';
import { faultByName } from './registry.ts';
import { readFaults, updateFaults } from './active-faults.ts';
import type { ActiveFault, FaultContext, Observation } from './types.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const KEEPER = path.join(here, 'keeper.ts');
const TSX_LOADER = path.resolve(here, '../../node_modules/tsx/dist/esm/index.mjs');

export const MAX_DURATION_S = 3600;

export async function faultContext(stateDir?: string): Promise<FaultContext> {
  const state = await readStackState(stateDir);
  if (!state)
    throw new UserError(
      'no stack is running, so there is nothing to inject a fault into.',
      'start one with `loadctl up`',
      ExitCode.environment,
    );
  return { state, stateDir: state.stateDir };
}

export interface InjectResult {
  fault: ActiveFault;
  summary: string;
  alreadyActive: boolean;
}

export async function injectFault(
  ctx: FaultContext,
  name: string,
  options: { mode?: string; durationS: number; params?: Record<string, string> },
): Promise<InjectResult> {
  const fault = faultByName(name);
  const mode = options.mode ?? fault.defaultMode;
  if (!fault.modes.includes(mode))
    throw new UserError(`fault ${name} has no mode "${mode}".`, `use one of: ${fault.modes.join(', ')}`);
  if (!(options.durationS > 0 && options.durationS <= MAX_DURATION_S)) {
    throw new UserError(`--duration must be between 1 and ${MAX_DURATION_S} seconds.`, 'pass e.g. --duration 60');
  }
  await enforceDeadlines(ctx);
  const existing = (await readFaults(ctx.stateDir)).find((active) => active.name === name);
  if (existing)
    return {
      fault: existing,
      summary: `${name} is already active (mode ${existing.mode}) until ${existing.deadline}`,
      alreadyActive: true,
    };

  const injectedAt = new Date();
  const { details, summary } = await fault.inject(ctx, {
    mode,
    durationS: options.durationS,
    params: options.params ?? {},
  });
  const active: ActiveFault = {
    id: `${name}-${injectedAt.getTime()}-${randomBytes(3).toString('hex')}`,
    name,
    mode,
    runbookId: fault.runbookId,
    injectedAt: injectedAt.toISOString(),
    deadline: new Date(injectedAt.getTime() + options.durationS * 1000).toISOString(),
    details,
  };
  await updateFaults(ctx.stateDir, (list) => ({ active: [...list, active], result: undefined }));
  active.keeperPid = spawnKeeper(ctx.stateDir, active);
  await updateFaults(ctx.stateDir, (list) => ({
    active: list.map((entry) => (entry.id === active.id ? { ...entry, keeperPid: active.keeperPid } : entry)),
    result: undefined,
  }));
  await fault.ready?.(ctx, active);
  return { fault: active, summary, alreadyActive: false };
}

function spawnKeeper(stateDir: string, fault: ActiveFault): number {
  const logDir = path.join(stateDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const log = openSync(path.join(logDir, `fault-${fault.name}.log`), 'a');
  try {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, KEEPER, stateDir, fault.id], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
    if (child.pid === undefined)
      throw new UserError(`could not start the keeper process for ${fault.name}.`, undefined, ExitCode.environment);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** true only for a live keeper process of exactly this injection (a recycled PID is never signalled) */
function isKeeperOf(pid: number, fault: ActiveFault): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes(KEEPER) && argv.includes(fault.id);
  } catch {
    return false;
  }
}

/**
 * Recovers the named fault. `fromKeeper` is the keeper recovering at its own deadline (it must not
 * signal itself). Recovering a fault that is not active still runs the fault's recover, which is
 * idempotent, so `recover` always leaves the target healthy.
 */
export async function recoverFault(
  ctx: FaultContext,
  name: string,
  options: { fromKeeper?: string } = {},
): Promise<{ wasActive: boolean; summary: string }> {
  const fault = faultByName(name);
  const active = (await readFaults(ctx.stateDir)).find((entry) => entry.name === name);
  if (options.fromKeeper && active?.id !== options.fromKeeper) return { wasActive: false, summary: 'superseded' };
  if (active?.keeperPid && !options.fromKeeper && isKeeperOf(active.keeperPid, active))
    process.kill(active.keeperPid, 'SIGTERM');
  const summary = await fault.recover(
    ctx,
    active ?? {
      id: 'none',
      name,
      mode: fault.defaultMode,
      runbookId: fault.runbookId,
      injectedAt: '',
      deadline: '',
      details: {},
    },
  );
  await updateFaults(ctx.stateDir, (list) => ({
    active: list.filter((entry) => entry.name !== name),
    result: undefined,
  }));
  return { wasActive: active !== undefined, summary };
}

/** Recovers every fault whose deadline has passed; returns their names. */
export async function enforceDeadlines(ctx: FaultContext): Promise<string[]> {
  const now = Date.now();
  const expired = (await readFaults(ctx.stateDir)).filter((fault) => Date.parse(fault.deadline) <= now);
  for (const fault of expired) await recoverFault(ctx, fault.name);
  return expired.map((fault) => fault.name);
}

export interface FaultStatus {
  name: string;
  active?: ActiveFault & { remainingS: number };
  observed: Observation;
}

export async function faultStatuses(
  ctx: FaultContext,
  names: readonly string[],
): Promise<{ statuses: FaultStatus[]; expired: string[] }> {
  const expired = await enforceDeadlines(ctx);
  const active = await readFaults(ctx.stateDir);
  const statuses = await Promise.all(
    names.map(async (name) => {
      const entry = active.find((fault) => fault.name === name);
      const observed = await faultByName(name)
        .observe(ctx, entry)
        .catch((error: Error) => ({ healthy: false, detail: `could not observe: ${error.message}` }));
      return {
        name,
        observed,
        active: entry && {
          ...entry,
          remainingS: Math.max(0, Math.round((Date.parse(entry.deadline) - Date.now()) / 1000)),
        },
      };
    }),
  );
  return { statuses, expired };
}
