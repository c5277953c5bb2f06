// The k6 options of a workload run: the shape (-e SHAPE) scaled by -e SCALE, with -e DURATION for steady
// shapes. The CLI passes these; running a script by hand with plain `k6 run` gives the smoke shape.
import type { Options } from 'k6/options';
import { WORKLOADS, type WorkloadName } from './catalogue.ts';
import { buildShape, isShapeName, SHAPE_NAMES } from './shapes.ts';

/** Tags every sample carries. `url` is left out on purpose: the `name` tag groups routes, and per-id URLs
 *  would make the raw stream far larger for nothing. A browser run keeps it: k6/browser tags its Web Vitals
 *  and page requests with the page's url and nothing else, and a browser loads few pages. */
const SYSTEM_TAGS = ['status', 'method', 'name', 'group', 'check', 'error', 'error_code', 'scenario', 'expected_response'];

/** Workloads whose iterations only look at status codes: k6 need not keep their bodies. */
const STATUS_ONLY: readonly WorkloadName[] = ['balance', 'recharge', 'concerts', 'schedules', 'seats'];

export function workloadOptions(workload: WorkloadName): Options {
  const shape = __ENV.SHAPE ?? 'smoke';
  if (!isShapeName(shape)) throw new Error(`unknown SHAPE '${shape}'; valid: ${SHAPE_NAMES.join(', ')}`);
  const allowed: readonly string[] = WORKLOADS[workload].shapes;
  if (!allowed.includes(shape)) throw new Error(`workload '${workload}' does not run under shape '${shape}'; valid: ${allowed.join(', ')}`);
  const { scenarios, thresholds } = buildShape(shape, {
    scale: __ENV.SCALE ? Number(__ENV.SCALE) : 1,
    duration: __ENV.DURATION || undefined,
    browser: workload === 'browser',
  });
  return {
    scenarios,
    thresholds,
    setupTimeout: '120s',
    // p(75): the percentile Web Vitals are judged at, so the summary carries it beside the report's
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(75)', 'p(90)', 'p(95)', 'p(99)'],
    systemTags: workload === 'browser' ? [...SYSTEM_TAGS, 'url'] : SYSTEM_TAGS,
    discardResponseBodies: STATUS_ONLY.includes(workload),
    tags: { workload, shape },
  };
}
