// The workloads loadctl can run: each is its script (scenarios/workloads/<name>.ts) and one entry here, which
// says what it does, the shapes it makes sense under and how k6 must run it. Pure data shared by the k6
// scripts and the CLI (flag choices, --help, defaults, the k8s runner image).
import { isShapeName, SHAPE_NAMES, type ShapeName } from './shapes.ts';

export interface Workload {
  description: string;
  shapes: readonly ShapeName[];
  /** its iterations look at status codes only, so k6 need not keep response bodies (memory and CPU at high rates) */
  discardResponseBodies: boolean;
  /** drives a real Chromium through k6/browser: every scenario gets a browser, k8s runners k6's -with-browser image */
  browser?: boolean;
}

const API_SHAPES: readonly ShapeName[] = ['smoke', 'load', 'peak', 'seed', 'journey', 'soak', 'rate'];

const CATALOGUE = {
  balance: {
    description: 'GET /balance/users/:userId (seed §4.1)',
    shapes: API_SHAPES,
    discardResponseBodies: true,
  },
  recharge: {
    description: 'POST /balance/users/:userId/recharge (seed §4.2)',
    shapes: API_SHAPES,
    discardResponseBodies: true,
  },
  concerts: {
    description: 'GET /concerts, a cached read (seed §4.3)',
    shapes: API_SHAPES,
    discardResponseBodies: true,
  },
  schedules: {
    description: 'GET /concerts/:concertId/schedules, a cached read (seed §4.4)',
    shapes: API_SHAPES,
    discardResponseBodies: true,
  },
  seats: {
    description: 'GET /concerts/:cid/schedules/:sid/seats, a cached read (seed §4.5)',
    shapes: API_SHAPES,
    discardResponseBodies: true,
  },
  payment: {
    description: 'POST /payment/payments/users/:userId on real reservations made in setup (seed §4.6)',
    shapes: API_SHAPES,
    discardResponseBodies: false,
  },
  queue: {
    description: 'POST /queue/users/:userId, the waiting-queue token (seed §4.7)',
    shapes: API_SHAPES,
    discardResponseBodies: false,
  },
  reservation: {
    description: 'POST /reservations of 1–4 random seats; 409 seat taken is an expected outcome (seed §4.8)',
    shapes: API_SHAPES,
    discardResponseBodies: false,
  },
  journey: {
    description: 'token → concerts → schedules → seats → reserve → pay, as one user (seed §5)',
    shapes: API_SHAPES,
    discardResponseBodies: false,
  },
  browser: {
    description: 'a real Chromium user booking through the web page at / (k6/browser)',
    shapes: ['smoke', 'browser'],
    discardResponseBodies: false,
    browser: true,
  },
} as const satisfies Record<string, Workload>;

export type WorkloadName = keyof typeof CATALOGUE;
export const WORKLOADS: Record<WorkloadName, Workload> = CATALOGUE;
export const WORKLOAD_NAMES = Object.keys(WORKLOADS) as WorkloadName[];

export function isWorkloadName(name: string): name is WorkloadName {
  return (WORKLOAD_NAMES as string[]).includes(name);
}

export type ShapeWorkloadCheck =
  | { ok: true; shape: ShapeName; workload: WorkloadName }
  | { ok: false; problem: string; choices: readonly string[] };

/** The one check of a shape and workload pair, for the CLI's requests and a k6 script's -e values alike. */
export function checkShapeWorkload(shape: string, workload: string): ShapeWorkloadCheck {
  if (!isShapeName(shape)) return { ok: false, problem: `unknown shape '${shape}'`, choices: SHAPE_NAMES };
  if (!isWorkloadName(workload))
    return { ok: false, problem: `unknown workload '${workload}'`, choices: WORKLOAD_NAMES };
  const shapes = WORKLOADS[workload].shapes;
  if (!shapes.includes(shape)) {
    return {
      ok: false,
      problem: `the '${workload}' workload does not run under the '${shape}' shape`,
      choices: shapes,
    };
  }
  return { ok: true, shape, workload };
}

/** What `loadctl run <shape>` runs when no --workload is given. */
export const DEFAULT_WORKLOAD: Record<ShapeName, WorkloadName> = {
  smoke: 'journey',
  load: 'concerts',
  peak: 'concerts',
  seed: 'concerts',
  journey: 'journey',
  soak: 'journey',
  rate: 'concerts',
  browser: 'browser',
};

/** The k6 script of a workload, relative to the repository root. */
export const workloadScript = (name: WorkloadName): string => `scenarios/workloads/${name}.ts`;
