// Safety checks shared by the faults: a fault only ever acts on a service the stack started itself.
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import type { ServiceState } from '../shared/stack-state.ts';

export function requireOwned(service: ServiceState | undefined, what: string, fault: string): ServiceState {
  if (!service) {
    throw new UserError(`the stack has no ${what}, so fault ${fault} has nothing to act on.`, 'start the stack with `loadctl up`', ExitCode.environment);
  }
  if (!service.owned) {
    throw new UserError(
      `${what} at ${service.url} was not started by loadctl, so fault ${fault} refuses to touch it.`,
      'run faults only against a stack started by `loadctl up` without REDIS_URL/DATABASE_URL',
      ExitCode.badInput,
    );
  }
  return service;
}

/** reads an integer --param, with bounds, or the default */
export function intParam(params: Record<string, string>, name: string, fallback: number, min: number, max: number): number {
  const raw = params[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UserError(`--${name} must be an integer from ${min} to ${max}, got "${raw}".`);
  }
  return value;
}
