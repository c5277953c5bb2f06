// Stopping the stack's services, behind the safety gate: loadctl signals, restarts or breaks only what it
// started itself, and nothing that listens on the machine's shared ports.
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { SHARED_PORTS } from '../shared/ports.ts';
import type { ServiceState } from '../shared/stack-state.ts';
import { identityOf, type ServiceName } from './layout.ts';
import { findOurProcesses, isOurProcess, stopGroup } from './processes.ts';

/** Dependents first, so the API never sees its databases vanish while it still serves. */
export const STOP_ORDER: readonly ServiceName[] = [
  'prometheus',
  'redisExporter',
  'postgresExporter',
  'api',
  'toxiproxy',
  'replica',
  'redis',
  'postgres',
];

/** SIGINT is PostgreSQL's fast shutdown (what `pg_ctl stop -m fast` sends); the others stop on SIGTERM. */
const STOP_POLICY: Record<ServiceName, { signal: NodeJS.Signals; graceMs: number }> = {
  prometheus: { signal: 'SIGTERM', graceMs: 10_000 },
  redisExporter: { signal: 'SIGTERM', graceMs: 5_000 },
  postgresExporter: { signal: 'SIGTERM', graceMs: 5_000 },
  api: { signal: 'SIGTERM', graceMs: 15_000 },
  toxiproxy: { signal: 'SIGTERM', graceMs: 5_000 },
  replica: { signal: 'SIGINT', graceMs: 30_000 },
  redis: { signal: 'SIGTERM', graceMs: 10_000 },
  postgres: { signal: 'SIGINT', graceMs: 30_000 },
};

/** Every live process that is provably part of the stack in this state dir, recorded or not. */
export function stackProcesses(stateDir: string): number[] {
  return findOurProcesses(STOP_ORDER.map((name) => identityOf(stateDir, name)));
}

/**
 * The service, when this stack started it: a restart, a fault or a mitigation (`action`, e.g. "redis-kill")
 * never acts on a service given by URL.
 */
export function requireOwned(service: ServiceState | undefined, what: string, action: string): ServiceState {
  if (!service) {
    const hint = 'start the stack with `loadctl up`';
    throw new UserError(`the stack has no ${what}, so ${action} has nothing to act on.`, hint, ExitCode.environment);
  }
  if (!service.owned) {
    throw new UserError(
      `${what} at ${service.url} was not started by loadctl, so ${action} refuses to touch it.`,
      'use a stack started by `loadctl up` without REDIS_URL/DATABASE_URL',
      ExitCode.badInput,
    );
  }
  return service;
}

/**
 * The safety gate before any signal: only services this stack started, never on the shared ports.
 * A state file claiming to own something on 5432/6379 is refused outright.
 */
export function assertSignallable(name: ServiceName, service: ServiceState): void {
  if (SHARED_PORTS.has(service.port)) {
    throw new UserError(
      `refusing to stop ${name}: the state file says it listens on port ${service.port}, which belongs to the machine's shared instance.`,
      'loadctl never touches the shared Redis/PostgreSQL; remove the state file if it was edited by hand',
      ExitCode.badInput,
    );
  }
  if (!service.owned || service.pid === undefined) {
    throw new UserError(`refusing to stop ${name}: this stack did not start it.`, undefined, ExitCode.badInput);
  }
}

export interface StoppedService {
  name: ServiceName;
  pid: number;
  /** false when the process was already gone (crashed, killed) */
  wasRunning: boolean;
  /** processes of its group still running after it had died (API workers, PostgreSQL backends), stopped too */
  orphans: number[];
  /** PIDs that ignored the polite signal and were SIGKILLed */
  killed: number[];
}

export async function stopService(stateDir: string, name: ServiceName, service: ServiceState): Promise<StoppedService> {
  assertSignallable(name, service);
  const pid = service.pid as number;
  const identity = identityOf(stateDir, name);
  const wasRunning = isOurProcess(pid, identity);
  const policy = STOP_POLICY[name];
  const { orphans, killed } = await stopGroup({
    name,
    pid,
    identity,
    gracefulSignal: policy.signal,
    graceMs: policy.graceMs,
  });
  return { name, pid, wasRunning, orphans, killed };
}

export async function stopServices(
  stateDir: string,
  services: Partial<Record<ServiceName, ServiceState>>,
): Promise<StoppedService[]> {
  const owned = STOP_ORDER.flatMap((name) => {
    const service = services[name];
    return service?.owned && service.pid !== undefined ? [[name, service] as const] : [];
  });
  // Check every service before signalling any, so a crafted file cannot get half of its way.
  for (const [name, service] of owned) assertSignallable(name, service);
  const stopped: StoppedService[] = [];
  for (const [name, service] of owned) stopped.push(await stopService(stateDir, name, service));
  return stopped;
}
