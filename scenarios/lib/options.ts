// The k6 options of a workload run: the shape (-e SHAPE) scaled by -e SCALE, with -e DURATION for steady
// shapes. The CLI passes these; running a script by hand with plain `k6 run` gives the smoke shape.
import type { Options } from 'k6/options';
import { checkShapeWorkload, WORKLOADS, type WorkloadName } from './catalogue.ts';
import { buildShape } from './shapes.ts';

/** Tags every sample carries. `url` is left out on purpose: the `name` tag groups routes, and per-id URLs
 *  would make the raw stream far larger for nothing. A browser run keeps it: k6/browser tags its Web Vitals
 *  and page requests with the page's url and nothing else, and a browser loads few pages. */
const SYSTEM_TAGS = [
  'status',
  'method',
  'name',
  'group',
  'check',
  'error',
  'error_code',
  'scenario',
  'expected_response',
];

export function workloadOptions(workload: WorkloadName): Options {
  const checked = checkShapeWorkload(__ENV.SHAPE ?? 'smoke', workload);
  if (!checked.ok) throw new Error(`${checked.problem} (-e SHAPE); use one of: ${checked.choices.join(', ')}`);
  const { shape } = checked;
  const { scenarios, thresholds } = buildShape(shape, {
    scale: __ENV.SCALE ? Number(__ENV.SCALE) : 1,
    duration: __ENV.DURATION || undefined,
    browser: WORKLOADS[workload].browser,
  });
  return {
    scenarios,
    thresholds,
    setupTimeout: '120s',
    // p(75): the percentile Web Vitals are judged at, so the summary carries it beside the report's
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(75)', 'p(90)', 'p(95)', 'p(99)'],
    systemTags: WORKLOADS[workload].browser ? [...SYSTEM_TAGS, 'url'] : SYSTEM_TAGS,
    discardResponseBodies: WORKLOADS[workload].discardResponseBodies,
    tags: { workload, shape },
  };
}
