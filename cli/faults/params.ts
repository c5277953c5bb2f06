// Bounds on the faults' --params (a fault acts only on services the stack started: requireOwned in
// cli/stack/stopping.ts is that one rule, for faults and the stack alike).
import { UserError } from '../shared/errors.ts';

/** reads an integer --param, with bounds, or the default */
export function intParam(
  params: Record<string, string>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = params[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UserError(`--${name} must be an integer from ${min} to ${max}, got "${raw}".`);
  }
  return value;
}
