// `loadctl capacity` without the terminal: step the arrival rate (search.ts) with short bounded steps
// (step.ts), judge each against the SLO, and after every step rewrite capacity.json and capacity.md — so a
// bound, a broken step or Ctrl-C all leave a result. The answer: the sustained rate, who ran out first
// (limit.ts), the model's bounds and the sizing for the seed's targets.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../shared/errors.ts';
import { DEFAULT_REPORTS_DIR } from '../shared/paths.ts';
import { assertTargetAllowed } from '../run/target.ts';
import { up } from '../stack/lifecycle.ts';
import { checkSubject, isArchive, scriptRecord, subjectLabels, type RunSubject } from '../k6/subject.ts';
import type { WorkloadName } from '../../scenarios/lib/catalogue.ts';
import { classifyLimit } from './limit.ts';
import { attainedUtilisation, fitCosts, predictions, saturationBounds } from './model.ts';
import { renderMarkdownPage } from '../report/render/html.ts';
import { renderSvg } from '../report/render/charts.ts';
import { latencyThroughputChart } from './chart.ts';
import { renderCapacityMarkdown } from './render.ts';
import { CAPACITY_DIR_PREFIX, CAPACITY_FILE, type CapacityResult, type SearchLimits } from './result.ts';
import { DEFAULT_BOUNDS, nextRate, sustainedRate, type SearchBounds } from './search.ts';
import { judgeStep, parseSlo } from './slo.ts';
import { runStep } from './step.ts';
import type { Placement } from './step-types.ts';

const CHART_FILE = 'latency-vs-throughput.svg';
const WARM_UP_SECONDS = 3;
/** the target of a script searched without --target: the hosts it names itself, which loadctl does not know */
const SCRIPT_OWN_HOSTS = "the script's own hosts";
/** what a step costs beyond its load: k6 start-up, the graceful stop, the step's report */
const STEP_OVERHEAD_S = 5;

export interface CapacityRequest {
  workload: WorkloadName;
  /** a user's k6 script (absolute path): its default function at the `rate` shape instead of `workload`; the
   *  embedded stack is then not started, and --target (BASE_URL) is the only host loadctl knows it calls */
  script?: string;
  sloText: string;
  target?: string;
  allowRemote: boolean;
  /** Prometheus endpoints scraped beside each step: an external API's CPU comes from its process_cpu_seconds_total */
  metricsUrls?: readonly string[];
  limits: SearchLimits;
  search?: Partial<SearchBounds>;
  reportsDir?: string;
  stateDir?: string;
  signal?: AbortSignal;
  onInfo?: (line: string) => void;
  /** after each step, with the result so far */
  onStep?: (step: CapacityResult['steps'][number], result: CapacityResult) => void;
}

export interface CapacityOutcome {
  result: CapacityResult;
  dir: string;
  markdownPath: string;
}

function isLocal(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}

export async function searchCapacity(request: CapacityRequest): Promise<CapacityOutcome> {
  const info = request.onInfo ?? (() => undefined);
  let slo: ReturnType<typeof parseSlo>;
  try {
    slo = parseSlo(request.sloText);
  } catch (error) {
    throw new UserError(`--slo ${(error as Error).message}.`, "e.g. --slo 'p95<200ms,errors<1%'");
  }
  const subject: RunSubject = request.script
    ? { kind: 'script', file: request.script, shape: 'rate' }
    : { kind: 'workload', shape: 'rate', workload: request.workload };
  if (request.script && isArchive(request.script))
    throw new UserError('capacity needs a script, not a k6 archive: the scenarios sealed in it cannot be replaced.');
  checkSubject(subject);
  const { workload: name } = subjectLabels(subject);
  const search = { ...DEFAULT_BOUNDS, ...request.search };

  const target = request.target
    ? (await assertTargetAllowed(request.target, request.allowRemote)).href.replace(/\/$/, '')
    : undefined;
  const stack = target || request.script ? undefined : await up({ stateDir: request.stateDir, onProgress: info });
  const placement: Placement = {
    machineCores: cpus().length,
    // k6 inherits this process's CPU affinity (taskset)
    k6Cores: availableParallelism(),
    apiWorkers: stack?.api.workers,
    // a script without --target calls hosts of its own choosing: none of them is known to be this machine
    shared: target === undefined ? stack !== undefined : isLocal(target),
  };
  const startedAt = new Date();
  const dir = join(
    request.reportsDir ?? DEFAULT_REPORTS_DIR,
    `${CAPACITY_DIR_PREFIX}${startedAt.toISOString().replace(/[:.]/g, '-')}-${name}`,
  );
  const stepsDir = join(dir, 'steps');
  mkdirSync(stepsDir, { recursive: true });

  const result: CapacityResult = {
    version: 1,
    workload: name,
    ...(request.script ? { script: scriptRecord(request.script).file } : {}),
    target: target ?? stack?.api.url ?? SCRIPT_OWN_HOSTS,
    sloText: request.sloText,
    slo,
    startedAt: startedAt.toISOString(),
    loadAverage: loadavg(),
    placement,
    bounds: request.limits,
    steps: [],
    limit: classifyLimit(undefined, undefined, placement),
    model: { costs: { perRequestMs: {}, baselineCores: {}, fromRates: [] }, bounds: [], predictions: [] },
    stoppedBecause: 'it has just started',
  };
  const markdownPath = join(dir, 'capacity.md');
  const save = async (): Promise<void> => {
    conclude(result);
    writeFileSync(join(dir, CAPACITY_FILE), `${JSON.stringify(result, null, 2)}\n`);
    const chart = latencyThroughputChart(result);
    if (chart) writeFileSync(join(dir, CHART_FILE), await renderSvg(chart));
    const markdown = renderCapacityMarkdown(result, chart && CHART_FILE);
    writeFileSync(markdownPath, markdown);
    writeFileSync(
      join(dir, 'capacity.html'),
      renderMarkdownPage(
        `Capacity: ${result.workload}`,
        markdown.replace(/^!\[.*\]\(.*\.svg\)$/m, ''),
        chart ? [chart] : [],
      ),
    );
  };

  const deadline = startedAt.getTime() + request.limits.maxTimeSeconds * 1000;
  // A first step on a cold system pays for opening pool connections, JIT and caches: an unjudged warm-up at
  // half the start rate takes that cost, so the first judged step measures the rate and not the cold start.
  /** One bounded step at `rate` against this search's stack or target. */
  const stepAt = (rate: number, durationS: number) =>
    runStep({
      rate,
      durationS,
      subject,
      stack,
      target,
      allowRemote: request.allowRemote,
      metricsUrls: request.metricsUrls,
      stepsDir,
      signal: request.signal,
      onInfo: info,
    });
  if (!request.signal?.aborted) {
    const rate = Math.max(1, Math.round(search.startRate / 2));
    info(`warm-up: ${rate}/s for ${WARM_UP_SECONDS} s (not judged)`);
    const warm = await stepAt(rate, WARM_UP_SECONDS);
    result.warmUp = { rate, p95Ms: warm.p95Ms, runDir: warm.runDir };
  }
  for (;;) {
    const tried = result.steps.map((s) => ({ rate: s.offeredRate, held: s.verdict.held }));
    const rate = nextRate(tried, search);
    if (request.signal?.aborted) result.stoppedBecause = 'it was interrupted (Ctrl-C)';
    else if (rate === undefined)
      result.stoppedBecause =
        sustainedRate(tried) === undefined && tried.some((t) => !t.held)
          ? `no rate down to ${search.minRate}/s held`
          : tried.every((t) => t.held)
            ? `the maximum rate (${search.maxRate}/s) held`
            : `the edge was found within ${Math.round(search.precision * 100)} %`;
    else if (result.steps.length >= request.limits.maxSteps)
      result.stoppedBecause = `it reached --max-steps ${request.limits.maxSteps}`;
    else if (Date.now() + (request.limits.stepSeconds + STEP_OVERHEAD_S) * 1000 > deadline)
      result.stoppedBecause = `the next step would pass --max-time ${request.limits.maxTimeSeconds}s`;
    else {
      info(`step ${result.steps.length + 1}: ${rate}/s for ${request.limits.stepSeconds} s`);
      const step = await stepAt(rate, request.limits.stepSeconds);
      const judged = { ...step, verdict: judgeStep(step, slo) };
      result.steps.push(judged);
      await save();
      request.onStep?.(judged, result);
      continue;
    }
    break;
  }
  result.endedAt = new Date().toISOString();
  await save();
  return { result, dir, markdownPath };
}

/** The answer from the steps so far: sustained rate, the limit from the lowest broken step, the model. */
export function conclude(result: CapacityResult): void {
  const tried = result.steps.filter((s) => !s.interrupted).map((s) => ({ rate: s.offeredRate, held: s.verdict.held }));
  result.sustainedRate = sustainedRate(tried);
  const broken = result.steps
    .filter((s) => !s.verdict.held && !s.interrupted)
    .sort((a, b) => a.offeredRate - b.offeredRate)[0];
  result.limit = classifyLimit(broken, broken?.verdict, result.placement);
  // costs from the steps that held: a broken step's CPU is capped by the saturation it shows
  const held = result.steps.filter((s) => s.verdict.held && !s.interrupted);
  const costs = fitCosts(held.length ? held : result.steps.filter((s) => !s.interrupted));
  const utilisation =
    result.sustainedRate === undefined ? undefined : attainedUtilisation(result.sustainedRate, costs, result.placement);
  result.model = {
    costs,
    bounds: saturationBounds(costs, result.placement),
    utilisation,
    predictions: predictions(costs, result.placement, utilisation),
  };
}
