import { UserError } from '../shared/errors.ts';
import type { ProgressFigures } from '../k6/live.ts';
import { checkPassthrough, type CheckedPassthrough } from '../k6/passthrough.ts';
import { checkSubject, shapeScenarios, type RunSubject } from '../k6/subject.ts';
import type { WorkloadName } from '../../scenarios/lib/catalogue.ts';
import { durationSeconds } from '../../scenarios/lib/durations.ts';
import type { ShapeName } from '../../scenarios/lib/shapes.ts';
import { assertTargetAllowed } from './target.ts';

export interface RunSettings {
  scale: number;
  /** replaces a steady shape's duration (smoke, journey, soak, browser) */
  duration?: string;
  /** base URL of the API; the embedded stack when absent (a user's script may name its own hosts instead) */
  target?: string;
  allowRemote: boolean;
  /** split the run over this many k6 processes (execution segments) */
  segments: number;
  /** Prometheus endpoints to scrape beside the run (the reference API's /metrics is scraped without asking) */
  metricsUrls?: readonly string[];
  /** the user's own `k6 run` arguments (after `--`) */
  k6Args?: readonly string[];
  /** the directory run directories are created in (default <repo>/reports) */
  reportsDir?: string;
  /** the embedded stack's state dir (default $LOADCTL_STATE_DIR or <repo>/.loadctl) */
  stateDir?: string;
  /** aborting asks k6 to stop gracefully; the run directory is still completed */
  signal?: AbortSignal;
  onProgress?: (figures: ProgressFigures) => void;
  onInfo?: (line: string) => void;
}

/** What to run: a subject, or (as drills spell it) a workload at a shape. */
export type RunRequest = RunSettings & ({ subject: RunSubject } | { shape: ShapeName; workload: WorkloadName });

export function subjectOf(request: RunRequest): RunSubject {
  return 'subject' in request
    ? request.subject
    : { kind: 'workload', shape: request.shape, workload: request.workload };
}

/** A request checked before anything starts: the subject, the user's k6 arguments, the target to check. */
export interface CheckedRequest {
  subject: RunSubject;
  passthrough: CheckedPassthrough;
  /** the base URL to pass as BASE_URL (checked by checkRequest); undefined: the embedded stack or the script's own */
  target?: string;
}

/** Checks a request before anything starts; every problem is a UserError naming the valid choices. */
export function validateRequest(request: RunRequest): CheckedRequest {
  const subject = subjectOf(request);
  checkSubject(subject);
  if (subject.kind === 'script') {
    if (!subject.shape && (request.scale !== 1 || request.duration !== undefined)) {
      throw new UserError(
        '--scale and --duration resize a seed shape; a script under its own options has none.',
        'add --shape, e.g. --shape load',
      );
    }
  }
  if (!Number.isInteger(request.segments) || request.segments < 1 || request.segments > 64) {
    throw new UserError(`--segments must be a whole number from 1 to 64, got ${request.segments}.`);
  }
  try {
    if (request.duration !== undefined) durationSeconds(request.duration);
    shapeScenarios(subject, { scale: request.scale, duration: request.duration });
  } catch (error) {
    throw new UserError(`${(error as Error).message}.`, 'see loadctl run --help');
  }
  for (const url of request.metricsUrls ?? []) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
      throw new UserError(`--metrics-url '${url}' is not an http(s) URL.`);
  }
  const passthrough = checkPassthrough(request.k6Args ?? [], { shape: subject.shape !== undefined });
  if (request.target && passthrough.baseUrl && passthrough.baseUrl !== request.target) {
    throw new UserError(
      `two targets: --target ${request.target} and -e BASE_URL=${passthrough.baseUrl}.`,
      'give the target once',
    );
  }
  // k6 hands a script the system environment too: a BASE_URL there is a target like any other
  const fromEnvironment = subject.kind === 'script' ? process.env.BASE_URL || undefined : undefined;
  return { subject, passthrough, target: request.target ?? passthrough.baseUrl ?? fromEnvironment };
}

/**
 * The request checked, then the loopback rule on its target (a DNS lookup at most): all of it before k6 is found
 * or built and before the stack starts. The target comes back as the base URL to pass as BASE_URL.
 */
export async function checkRequest(request: RunRequest): Promise<CheckedRequest> {
  const checked = validateRequest(request);
  if (checked.target === undefined) return checked;
  const url = await assertTargetAllowed(checked.target, request.allowRemote);
  return { ...checked, target: url.href.replace(/\/$/, '') };
}
