// Checks shared by the faults before they act: a fault only ever acts on a service the stack started itself
// (the stack's own ownership rule), and its parameters stay within bounds.
import { UserError } from '../shared/errors.ts';

export { requireOwned } from '../stack/stopping.ts';

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
