// The detached process behind one injection: holds the fault when it needs a live client (db-saturate's
// connections), and recovers it at its deadline. `loadctl fault recover` ends it with SIGTERM.
// Usage (spawned by engine.ts): keeper.ts <stateDir> <faultId>
import { setTimeout as sleep } from 'node:timers/promises';
import { faultContext, recoverFault } from './engine.ts';
import { faultByName } from './registry.ts';
import { readFaults } from './active-faults.ts';

const [stateDir, faultId] = process.argv.slice(2);
if (!stateDir || !faultId) {
  console.error('usage: keeper.ts <stateDir> <faultId>');
  process.exit(2);
}

const stop = new AbortController();
process.on('SIGTERM', () => stop.abort());
process.on('SIGINT', () => stop.abort());

const ctx = await faultContext(stateDir);
const fault = (await readFaults(stateDir)).find((entry) => entry.id === faultId);
if (!fault) process.exit(0);

const log = (message: string) => console.log(`${new Date().toISOString()} ${fault.name} ${message}`);
log(`holding until ${fault.deadline}`);
const untilDeadline = sleep(Math.max(0, Date.parse(fault.deadline) - Date.now()), undefined, {
  signal: stop.signal,
}).then(
  () => 'deadline' as const,
  () => 'stopped' as const,
);
const holding = faultByName(fault.name)
  .hold?.(ctx, fault, stop.signal)
  .catch((error: Error) => log(`hold ended: ${error.message}`));
const outcome = await untilDeadline;
stop.abort();
await holding;
if (outcome === 'deadline') {
  const { summary } = await recoverFault(ctx, fault.name, { fromKeeper: fault.id });
  log(`deadline reached, recovered: ${summary}`);
} else {
  log('stopped by loadctl fault recover');
}
process.exit(0);
