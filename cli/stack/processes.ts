// Starting, recognising and stopping the processes of one stack. The safety rule lives here: a PID is only
// ever signalled after /proc proves it is a process this stack started — the right executable AND either
// the stack's marker in its environment or its data dir inside the state dir as working directory. The
// machine's shared Redis/PostgreSQL have neither, so no state file, however crafted, can make loadctl
// signal them.
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';

/** Environment variable set on every process a stack starts; its value is the stack's state dir. */
export const STACK_MARKER_ENV = 'LOADCTL_STACK_DIR';

export interface LaunchSpec {
  /** human name used in messages: "redis-server", "PostgreSQL", "API" */
  name: string;
  command: string;
  args: string[];
  logFile: string;
  stateDir: string;
  env?: Record<string, string>;
  cwd?: string;
  /** run as this user (PostgreSQL refuses to run as root) */
  user?: { uid: number; gid: number };
}

/**
 * Start a process detached in its own session (so its children share its process group and it survives
 * the CLI exiting), stdout+stderr appended to its log file. Resolves with its PID once it has spawned.
 */
export async function launchDetached(spec: LaunchSpec): Promise<number> {
  const logFd = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env, [STACK_MARKER_ENV]: spec.stateDir },
      uid: spec.user?.uid,
      gid: spec.user?.gid,
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid as number));
      child.once('error', (error) =>
        reject(
          new UserError(
            `could not start ${spec.name} (${spec.command}): ${error.message}.`,
            'run `loadctl doctor` to see what is missing',
            ExitCode.environment,
          ),
        ),
      );
    });
    child.unref();
    return pid;
  } finally {
    closeSync(logFd);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isZombie(pid: number): boolean {
  return procStat(pid)?.state === 'Z';
}

interface ProcStat {
  state: string;
  ppid: number;
  pgrp: number;
  /** user + system CPU seconds of the process itself */
  cpuSeconds: number;
  /** user + system CPU seconds of its children that exited and were waited for */
  waitedChildrenCpuSeconds: number;
}

/** /proc/<pid>/stat counts CPU time in clock ticks of 1/100 s (Linux USER_HZ) */
const CLOCK_TICKS_PER_SECOND = 100;

function procStat(pid: number | 'self'): ProcStat | undefined {
  const text = readProc(pid, 'stat');
  if (text === undefined) return undefined;
  // The command name in field 2 may contain spaces and parentheses; the fields after the last ')' do not.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const field = (index: number) => Number(fields[index] ?? 0);
  // fields 14–17 of proc(5)'s stat (utime, stime, cutime, cstime) are 11–14 here
  return {
    state: fields[0] ?? '?',
    ppid: field(1),
    pgrp: field(2),
    cpuSeconds: (field(11) + field(12)) / CLOCK_TICKS_PER_SECOND,
    waitedChildrenCpuSeconds: (field(13) + field(14)) / CLOCK_TICKS_PER_SECOND,
  };
}

/** CPU seconds (user + system) a live process has used so far; undefined once it has exited, or off Linux. */
export function procCpuSeconds(pid: number): number | undefined {
  return procStat(pid)?.cpuSeconds;
}

/** CPU seconds used by this process's children that have exited and been waited for (finished k6 runs). */
export function waitedChildrenCpuSeconds(): number {
  return procStat('self')?.waitedChildrenCpuSeconds ?? 0;
}

/** The PIDs a process has forked and that are still its children (a cluster primary's workers). */
export function childPids(pid: number): number[] {
  return (readProc(pid, `task/${pid}/children`) ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** CPU seconds the whole machine has been busy (all cores, every process; /proc/stat), 0 off Linux. */
export function machineBusyCpuSeconds(): number {
  let line = '';
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  } catch {
    return 0;
  }
  // cpu  user nice system idle iowait irq softirq steal …: everything but idle and iowait is busy
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (
    [user, nice, system, irq, softirq, steal].reduce<number>((sum, ticks) => sum + (ticks ?? 0), 0) /
    CLOCK_TICKS_PER_SECOND
  );
}

/** The executable a process runs (basename), e.g. to pick k6 out of a process's children. */
export function executableName(pid: number): string | undefined {
  return processNames(pid)[0];
}

function readProc(pid: number | 'self', file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The names a process goes by: its executable's basename and its argv[0]'s (they differ for symlinked
 * programs — Debian's redis-server is a link to redis-check-rdb — and for processes that retitle themselves).
 */
function processNames(pid: number): string[] {
  const names: string[] = [];
  try {
    names.push(basename(readlinkSync(`/proc/${pid}/exe`)).replace(/ \(deleted\)$/, ''));
  } catch {
    // not readable (another user's process without privileges): argv[0] must do
  }
  const argv0 = readProc(pid, 'cmdline')?.split('\0')[0]?.split(' ')[0];
  if (argv0) names.push(basename(argv0));
  return names;
}

/** How to recognise a process of this stack. */
export interface ProcessIdentity {
  /** the executables it may run (basename) */
  executables: readonly string[];
  stateDir: string;
  /** the directory it runs in, when it chdirs into its own data dir (redis-server --dir, postgres -D) */
  workDir?: string;
}

/**
 * True when the PID is alive, runs one of the expected executables, and is marked as this stack's: its
 * environment carries the marker, or it runs in its data dir inside the state dir. (Both, because
 * redis-server overwrites its environment block when it retitles itself, but chdirs into its --dir.)
 * Anything else — a recycled PID, a foreign process, the machine's shared services — is not ours.
 */
export function isOurProcess(pid: number, identity: ProcessIdentity): boolean {
  if (!isAlive(pid)) return false;
  if (!processNames(pid).some((name) => identity.executables.includes(name))) return false;
  const environ = readProc(pid, 'environ');
  if (environ?.split('\0').includes(`${STACK_MARKER_ENV}=${identity.stateDir}`)) return true;
  return identity.workDir !== undefined && workingDirectory(pid) === identity.workDir;
}

function workingDirectory(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/**
 * The live processes of a group this stack started: the leader and every child (PostgreSQL backends,
 * API workers) — still found after the leader was `kill -9`ed, because the group id outlives it.
 */
export function ourGroupMembers(leaderPid: number, identity: ProcessIdentity): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (procStat(pid)?.pgrp === leaderPid && isOurProcess(pid, identity)) members.push(pid);
  }
  return members;
}

const ORPHAN_GRACE_MS = 3_000;

/** Every live process that passes isOurProcess for one of the identities, whatever its group. */
export function findOurProcesses(identities: readonly ProcessIdentity[]): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => pid !== process.pid && identities.some((identity) => isOurProcess(pid, identity)));
}

/** SIGTERM, a short wait, then SIGKILL for what is left — for processes already proven ours. */
export async function terminate(pids: readonly number[], graceMs = ORPHAN_GRACE_MS): Promise<void> {
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(100);
  for (const pid of pids.filter(isAlive)) signal(pid, 'SIGKILL');
}

export interface StopSpec {
  name: string;
  pid: number;
  identity: ProcessIdentity;
  /** the signal that asks for a clean shutdown (PostgreSQL: SIGINT = fast shutdown) */
  gracefulSignal: NodeJS.Signals;
  graceMs: number;
}

/**
 * Ask the leader to stop, wait, then SIGKILL whatever is left of the group. Only processes that pass
 * isOurProcess are signalled. Returns the orphans found when the leader was already gone, and the PIDs
 * that had to be SIGKILLed.
 */
export async function stopGroup(spec: StopSpec): Promise<{ orphans: number[]; killed: number[] }> {
  let left = ourGroupMembers(spec.pid, spec.identity);
  const orphans = left.includes(spec.pid) ? [] : left;
  let deadline = Date.now() + spec.graceMs;
  if (left.includes(spec.pid)) {
    signal(spec.pid, spec.gracefulSignal);
  } else {
    // The leader is gone (kill -9): its orphans (API workers, PostgreSQL backends) get a plain SIGTERM
    // and a short grace — there is no one left to coordinate a clean shutdown.
    for (const pid of left) signal(pid, 'SIGTERM');
    deadline = Date.now() + Math.min(spec.graceMs, ORPHAN_GRACE_MS);
  }
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(100);
    left = ourGroupMembers(spec.pid, spec.identity);
  }
  for (const pid of left) signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (ourGroupMembers(spec.pid, spec.identity).length > 0) {
    if (Date.now() > killDeadline) {
      throw new UserError(
        `${spec.name} (PID ${spec.pid}) is still running after SIGKILL.`,
        `check it with \`ps -o pid,stat,cmd -g ${spec.pid}\``,
        ExitCode.environment,
      );
    }
    await sleep(50);
  }
  return { orphans, killed: left };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** The last lines of a log file, for error messages that say why a process did not come up. */
export function tailLog(logFile: string, lines = 12): string {
  try {
    const text = readFileSync(logFile, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(log file is empty or missing)';
  }
}

export interface ReadinessSpec {
  name: string;
  pid?: number;
  logFile?: string;
  timeoutMs: number;
  /** resolves true when the service answers; a throw counts as "not yet" */
  probe: () => Promise<boolean>;
}

/** Poll until the probe answers; fail fast with the log's last lines when the process died meanwhile. */
export async function waitUntilReady(spec: ReadinessSpec): Promise<void> {
  const deadline = Date.now() + spec.timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      if (await spec.probe()) return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    const died = spec.pid !== undefined && !isAlive(spec.pid);
    if (died || Date.now() > deadline) {
      const why = died
        ? `exited during start-up`
        : `was not ready within ${Math.round(spec.timeoutMs / 1000)} s${lastError ? ` (${lastError})` : ''}`;
      const log = spec.logFile ? `; last lines of ${spec.logFile}:\n${tailLog(spec.logFile)}` : '';
      throw new UserError(
        `${spec.name} ${why}${log}`,
        spec.logFile ? `read ${spec.logFile}` : undefined,
        ExitCode.environment,
      );
    }
    await sleep(150);
  }
}
