// One capacity step: the `rate` shape at one arrival rate through executeRun, with the CPU of every process
// involved sampled from /proc over the seconds k6 was sending (k6; the API's primary and workers; Redis;
// PostgreSQL and its backends). For an external target only k6 is local: the API's CPU comes from its own
// /metrics (process_cpu_seconds_total), the database's is not known.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSubject } from '../k6/subject.ts';
import { executeRun } from '../run/run.ts';
import { parseServerMetrics } from '../report/server-signals.ts';
import { RunFiles } from '../shared/run-dir.ts';
import type { StackState } from '../shared/stack-state.ts';
import { childPids, executableName, machineBusyCpuSeconds, procCpuSeconds } from '../stack/processes.ts';
import { RATE_SHAPE_BASE, vusForRate } from '../../scenarios/lib/shapes.ts';
import { serverView } from './server-view.ts';
import { COMPONENTS, type Component, type StepMeasurement } from './step-types.ts';

export interface StepRequest {
  rate: number;
  durationS: number;
  /** a workload or a user's script, at the `rate` shape */
  subject: RunSubject;
  /** the embedded stack whose processes are measured; absent for an external --target */
  stack?: StackState;
  target?: string;
  allowRemote: boolean;
  metricsUrls?: readonly string[];
  stepsDir: string;
  signal?: AbortSignal;
  onInfo?: (line: string) => void;
}

type Pids = Record<Component, () => number[]>;

function processTree(pid: number | undefined): () => number[] {
  return () => (pid === undefined ? [] : [pid, ...childPids(pid)]);
}

function pidsOf(stack: StackState | undefined): Pids {
  return {
    // k6 runs as a child of this process (one per execution segment)
    k6: () => childPids(process.pid).filter((pid) => executableName(pid) === 'k6'),
    api: processTree(stack?.api.pid),
    redis: processTree(stack?.redis.pid),
    postgres: processTree(stack?.postgres.pid),
  };
}

type CpuSnapshot = Record<Component | 'machine', number>;

function cpuSnapshot(pids: Pids): CpuSnapshot {
  const seconds = (list: number[]) => list.reduce((sum, pid) => sum + (procCpuSeconds(pid) ?? 0), 0);
  return {
    ...(Object.fromEntries(COMPONENTS.map((c) => [c, seconds(pids[c]())])) as Record<Component, number>),
    machine: machineBusyCpuSeconds(),
  };
}

export async function runStep(request: StepRequest): Promise<StepMeasurement> {
  const pids = pidsOf(request.stack);
  const samples: { at: number; cpu: CpuSnapshot }[] = [];
  const outcome = await executeRun({
    subject: request.subject,
    scale: request.rate / RATE_SHAPE_BASE,
    duration: `${request.durationS}s`,
    target: request.target ?? request.stack?.api.url,
    allowRemote: request.allowRemote,
    metricsUrls: request.metricsUrls,
    segments: 1,
    reportsDir: request.stepsDir,
    stateDir: request.stack?.stateDir,
    signal: request.signal,
    // k6's live figures arrive once a second while it sends: the CPU window is the first to the last
    onProgress: () => samples.push({ at: Date.now(), cpu: cpuSnapshot(pids) }),
    onInfo: request.onInfo,
  });
  const first = samples[0];
  const last = samples.at(-1);
  const windowS = first && last ? (last.at - first.at) / 1000 : 0;
  const cores: Partial<Record<Component, number>> = {};
  for (const component of COMPONENTS) {
    const used = first && last && windowS > 0 ? (last.cpu[component] - first.cpu[component]) / windowS : undefined;
    const local = component === 'k6' || request.stack?.[component].pid !== undefined;
    if (local && used !== undefined) cores[component] = used;
  }
  cores.k6 ??= outcome.cores.k6;
  if (!request.stack?.api.pid && outcome.cores.api !== undefined) cores.api = outcome.cores.api;
  const digest = outcome.digest;
  let server: ReturnType<typeof serverView> = {};
  try {
    server = serverView(
      parseServerMetrics(readFileSync(join(outcome.runDir, RunFiles.serverMetrics), 'utf8'), RunFiles.serverMetrics),
    );
  } catch {
    // no /metrics (an external API without them): k6's view alone
  }
  return {
    offeredRate: request.rate,
    durationS: request.durationS,
    requests: digest?.httpReqs ?? 0,
    // k6's own rate divides by the whole test, setup() included: per second of the step is what was carried
    throughput: (digest?.httpReqs ?? 0) / request.durationS,
    iterations: digest?.iterations ?? 0,
    dropped: digest?.droppedIterations ?? 0,
    p95Ms: digest?.p95Ms,
    p99Ms: digest?.p99Ms,
    avgIterationMs: digest?.avgIterationMs,
    errorPercent: digest?.failedPercent ?? 0,
    maxVus: vusForRate(request.rate).maxVUs,
    ...server,
    cores,
    machineBusyCores: first && last && windowS > 0 ? (last.cpu.machine - first.cpu.machine) / windowS : undefined,
    runDir: outcome.runDir,
    interrupted: outcome.meta.interrupted === true,
  };
}
