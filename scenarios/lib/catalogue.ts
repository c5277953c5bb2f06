// The workloads loadctl can run, with the shapes each makes sense under. Pure data shared by the k6 scripts
// and the CLI (flag validation, --help, defaults).
import type { ShapeName } from './shapes.ts';

const API_SHAPES: readonly ShapeName[] = ['smoke', 'load', 'peak', 'seed', 'journey', 'soak'];

export const WORKLOADS = {
  balance: { description: 'GET /balance/users/:userId (seed §4.1)', shapes: API_SHAPES },
  recharge: { description: 'POST /balance/users/:userId/recharge (seed §4.2)', shapes: API_SHAPES },
  concerts: { description: 'GET /concerts, a cached read (seed §4.3)', shapes: API_SHAPES },
  schedules: { description: 'GET /concerts/:concertId/schedules, a cached read (seed §4.4)', shapes: API_SHAPES },
  seats: { description: 'GET /concerts/:cid/schedules/:sid/seats, a cached read (seed §4.5)', shapes: API_SHAPES },
  payment: { description: 'POST /payment/payments/users/:userId on real reservations made in setup (seed §4.6)', shapes: API_SHAPES },
  queue: { description: 'POST /queue/users/:userId, the waiting-queue token (seed §4.7)', shapes: API_SHAPES },
  reservation: { description: 'POST /reservations of 1–4 random seats; 409 seat taken is an expected outcome (seed §4.8)', shapes: API_SHAPES },
  journey: { description: 'token → concerts → schedules → seats → reserve → pay, as one user (seed §5)', shapes: API_SHAPES },
  browser: { description: 'a real Chromium user booking through the web page at / (k6/browser)', shapes: ['smoke', 'browser'] as readonly ShapeName[] },
} as const satisfies Record<string, { description: string; shapes: readonly ShapeName[] }>;

export type WorkloadName = keyof typeof WORKLOADS;
export const WORKLOAD_NAMES = Object.keys(WORKLOADS) as WorkloadName[];

export function isWorkloadName(name: string): name is WorkloadName {
  return (WORKLOAD_NAMES as string[]).includes(name);
}

/** What `loadctl run <shape>` runs when no --workload is given. */
export const DEFAULT_WORKLOAD: Record<ShapeName, WorkloadName> = {
  smoke: 'journey',
  load: 'concerts',
  peak: 'concerts',
  seed: 'concerts',
  journey: 'journey',
  soak: 'journey',
  browser: 'browser',
};

/** The k6 script of a workload, relative to the repository root. */
export const workloadScript = (name: WorkloadName): string => `scenarios/workloads/${name}.ts`;
