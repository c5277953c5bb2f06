// What one capacity step measured: the load asked and carried, k6's view of latency and errors, the API's own
// view (its latency histogram, its pool) and the CPU of every process involved. Plain data: the search, the
// model and the sizing read it; cli/capacity/step.ts fills it in.

/** The processes whose CPU a step measures; undefined when not measurable (an external target's database). */
export type Component = 'k6' | 'api' | 'redis' | 'postgres';
export const COMPONENTS: readonly Component[] = ['k6', 'api', 'redis', 'postgres'];
export const COMPONENT_LABEL: Record<Component, string> = {
  k6: 'k6 (load generator)',
  api: 'API',
  redis: 'Redis',
  postgres: 'PostgreSQL',
};

export interface Placement {
  /** logical CPUs of the machine */
  machineCores: number;
  /** the CPUs k6 may run on (its affinity): fewer than the machine when capped with taskset */
  k6Cores: number;
  /** API worker processes (each one event loop: at most one core) */
  apiWorkers?: number;
  /** k6 and the system under test share this machine's cores (the embedded stack or a local --target) */
  shared: boolean;
}

export interface StepMeasurement {
  /** iterations per second asked of k6 */
  offeredRate: number;
  durationS: number;
  requests: number;
  /** requests per second carried */
  throughput: number;
  iterations: number;
  dropped: number;
  p95Ms?: number;
  p99Ms?: number;
  avgIterationMs?: number;
  /** unexpected failures only (409 seat taken is expected) */
  errorPercent: number;
  /** the most VUs the step could use (the `rate` shape's maxVUs) */
  maxVus: number;
  /** the API's own p95 from its latency histogram (time inside the API, not in k6 or the socket queues) */
  serverP95Ms?: number;
  /** most PostgreSQL pool clients queued at once, by the API's metrics */
  poolWaitingMax?: number;
  /** average cores used during the step, per component */
  cores: Partial<Record<Component, number>>;
  /** average cores the whole machine was busy (ours and everyone else's) */
  machineBusyCores?: number;
  runDir: string;
  /** Ctrl-C cut the step short: its figures are partial */
  interrupted: boolean;
}
