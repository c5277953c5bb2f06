// Every fault loadctl can inject, by name. Each is tied to exactly one runbook (checked by a unit test).
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
  if (!fault) throw new UserError(`no fault "${name}".`, `pick one of: ${FAULTS.map((known) => known.name).join(', ')}`);
  return fault;
}
