// `loadctl run <shape> --scale auto`: scale an arrival-rate shape to what this machine holds. The rate comes
// from a recent capacity result for the same workload, SLO and core count, or from a short calibration
// search; the shape's top rate is then scaled to 80 % of it, so the run passes with headroom instead of
// failing on dropped iterations the generator, not the API, caused.
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { DEFAULT_REPORTS_DIR, REPO_ROOT } from '../shared/paths.ts';
import type { WorkloadName } from '../../scenarios/lib/catalogue.ts';
import { buildShape, type ShapeName } from '../../scenarios/lib/shapes.ts';
import { searchCapacity } from './capacity.ts';
import { stepLine } from './render.ts';
import { storedResults } from './result.ts';

/** the `peak` shape's own thresholds (p95<100, failures<1 %): the rate must hold what the run will be judged by */
export const AUTO_SCALE_SLO = 'p95<100ms,errors<1%';
/** run at this share of the sustained rate */
export const AUTO_SCALE_HEADROOM = 0.8;
/** a capacity result older than this is measured again */
export const RECENT_MS = 24 * 3600 * 1000;
/** the calibration: a few short steps from this rate */
const CALIBRATION = { maxSteps: 5, maxTimeSeconds: 75, stepSeconds: 5, startRate: 500 };

/** Relative to the repository when inside it. */
const shown = (path: string): string => (path.startsWith(`${REPO_ROOT}/`) ? relative(REPO_ROOT, path) : path);

/** The highest arrival rate a shape asks for at scale 1; undefined for VU-driven shapes. */
export function topArrivalRate(shape: ShapeName): number | undefined {
  const rates = Object.values(buildShape(shape).scenarios).flatMap((scenario) =>
    scenario.executor === 'ramping-arrival-rate'
      ? scenario.stages.map((stage) => stage.target)
      : scenario.executor === 'constant-arrival-rate'
        ? [scenario.rate]
        : [],
  );
  return rates.length ? Math.max(...rates) : undefined;
}

/** The scale that puts a shape's top rate at the headroom share of the sustained rate, never above 1. */
export function scaleFor(sustained: number, topRate: number, headroom = AUTO_SCALE_HEADROOM): number {
  return Math.max(0.01, Math.min(1, Math.floor(((sustained * headroom) / topRate) * 100) / 100));
}

export interface AutoScale {
  scale: number;
  /** one sentence: the rate, where it came from, the arithmetic */
  reason: string;
}

export interface AutoScaleRequest {
  shape: ShapeName;
  workload: WorkloadName;
  target?: string;
  allowRemote: boolean;
  reportsDir?: string;
  stateDir?: string;
  signal?: AbortSignal;
  onInfo?: (line: string) => void;
}

export async function autoScale(request: AutoScaleRequest): Promise<AutoScale> {
  const topRate = topArrivalRate(request.shape);
  if (topRate === undefined)
    throw new UserError(
      `--scale auto needs an arrival-rate shape (peak, soak, rate); '${request.shape}' is driven by VUs.`,
      'give a number, e.g. --scale 0.2',
    );
  const reportsDir = request.reportsDir ?? DEFAULT_REPORTS_DIR;
  const recent = request.target
    ? undefined
    : storedResults(reportsDir).find(
        (r) =>
          r.workload === request.workload &&
          r.script === undefined &&
          r.sloText === AUTO_SCALE_SLO &&
          r.placement.machineCores === cpus().length &&
          r.sustainedRate !== undefined &&
          Date.now() - Date.parse(r.endedAt) < RECENT_MS,
      );
  let sustained = recent?.sustainedRate;
  let source = recent
    ? `the capacity result of ${recent.endedAt.slice(0, 16).replace('T', ' ')} UTC (${shown(recent.dir)})`
    : '';
  if (sustained === undefined) {
    request.onInfo?.(
      `--scale auto: calibrating — what ${request.workload} holds at ${AUTO_SCALE_SLO} on this machine (at most ${CALIBRATION.maxSteps} steps of ${CALIBRATION.stepSeconds} s)`,
    );
    const { result, dir } = await searchCapacity({
      workload: request.workload,
      sloText: AUTO_SCALE_SLO,
      target: request.target,
      allowRemote: request.allowRemote,
      limits: {
        maxSteps: CALIBRATION.maxSteps,
        maxTimeSeconds: CALIBRATION.maxTimeSeconds,
        stepSeconds: CALIBRATION.stepSeconds,
      },
      search: { startRate: CALIBRATION.startRate },
      reportsDir,
      stateDir: request.stateDir,
      signal: request.signal,
      onInfo: request.onInfo,
      onStep: (step) => request.onInfo?.(`  ${stepLine(step)}`),
    });
    if (request.signal?.aborted)
      throw new UserError('interrupted during the --scale auto calibration.', undefined, ExitCode.interrupted);
    sustained = result.sustainedRate;
    source = `a calibration just now, ${shown(join(dir, 'capacity.md'))}; its limit: ${result.limit.kind}, ${result.limit.what}`;
    if (sustained === undefined)
      throw new UserError(
        `--scale auto: no rate held ${AUTO_SCALE_SLO} on this machine, down to the lowest step.`,
        `read ${shown(join(dir, 'capacity.md'))}`,
      );
  }
  const scale = scaleFor(sustained, topRate);
  return {
    scale,
    reason:
      `this machine holds ${sustained}/s of ${request.workload} at ${AUTO_SCALE_SLO} (from ${source}); ` +
      `${request.shape} asks up to ${topRate}/s, so ${scale === 1 ? 'full size fits' : `scale = ${AUTO_SCALE_HEADROOM} × ${sustained} / ${topRate} = ${scale}`} ` +
      `(top rate ${Math.round(topRate * scale)}/s)${scale < 1 ? `; the full-size ${request.shape}: --scale 1` : ''}`,
  };
}
