// Every fault loadctl can inject, by name. Adding one: its own file (a Fault), one line here, and its runbook
// in runbooks/; the commands and the drill read everything else from the Fault. Each fault is tied to exactly
// one runbook (checked by a unit test).
import { UserError } from '../shared/errors.ts';
import { dbSaturate } from './db-saturate.ts';
import { memoryLeak } from './memory-leak.ts';
import { network } from './network.ts';
import { queueCorrupt } from './queue-corrupt.ts';
import { redisKill } from './redis-kill.ts';
import type { Fault } from './types.ts';

export const FAULTS: readonly Fault[] = [redisKill, dbSaturate, queueCorrupt, memoryLeak, network];

export function faultByName(name: string): Fault {
  const fault = FAULTS.find((candidate) => candidate.name === name);
  if (!fault)
    throw new UserError(`no fault "${name}".`, `pick one of: ${FAULTS.map((known) => known.name).join(', ')}`);
  return fault;
}

/** Every --<param> some fault takes, once, with what it means to each fault that takes it. */
export function faultParams(): Array<{ name: string; description: string }> {
  const uses = new Map<string, string[]>();
  for (const fault of FAULTS) {
    for (const [param, description] of Object.entries(fault.params)) {
      uses.set(param, [...(uses.get(param) ?? []), `${fault.name}: ${description}`]);
    }
  }
  return [...uses].map(([name, meanings]) => ({ name, description: meanings.join('; ') }));
}
