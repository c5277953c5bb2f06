// The notes a performance engineer would write under the tables, each carrying the number that triggered it.
// Pure: a model in, notes out.
import type { EndpointStats, LatencyStats, Note, ReportModel, TimelineBucket } from './model.ts';
import { formatCount, formatMs, formatPercent } from './units.ts';
import { describeK6Exit } from '../k6/exit-codes.ts';
import { droppedIterationCause, GENERATOR_SATURATED } from './dropped-iterations.ts';
import { protocolNotes, protocolObserved } from './protocols/analysis.ts';

type ModelWithoutNotes = Omit<ReportModel, 'notes'>;

/** p95 at least this many times the median is called a tail worth explaining. */
export const TAIL_SPREAD_RATIO = 4;

/** `given` are notes the readers wrote (what they could not read, how a figure was computed). */
export function analyse(model: ModelWithoutNotes, given: Note[] = []): Note[] {
  const notes = [
    ...given,
    ...k6ExitNotes(model),
    ...thresholdNotes(model),
    ...droppedIterationNotes(model),
    ...generatorNotes(model),
    ...plateauNotes(model.timeline),
    ...errorNotes(model),
    ...burstNotes(model),
    ...checkNotes(model),
    ...tailNotes(model),
    ...expectedOutcomeNotes(model),
    ...slowestNotes(model.endpoints),
    ...protocolNotes(model),
  ];
  const order = { critical: 0, warning: 1, info: 2 };
  return notes.sort((a, b) => order[a.severity] - order[b.severity]);
}

function k6ExitNotes(model: ModelWithoutNotes): Note[] {
  const code = model.context.k6ExitCode;
  if (code === undefined || code === 0 || code === 99) return [];
  const stoppedEarly = model.context.stoppedEarly;
  if (stoppedEarly)
    return [
      {
        id: 'k6-exit',
        severity: 'info',
        value: code,
        text: `The load ended before its planned end on purpose: ${stoppedEarly} (k6 exit ${code}).`,
      },
    ];
  return [
    {
      id: 'k6-exit',
      severity: 'critical',
      value: code,
      text: `k6 exited with code ${code} (${describeK6Exit(code)}); the numbers may cover only part of the planned run.`,
    },
  ];
}

const THRESHOLD_STAT = /^(p\(\d+(?:\.\d+)?\)|avg|med|min|max|rate|count)/;

function observedFor(
  model: ModelWithoutNotes,
  metric: string,
  expression: string,
): { value: number; shown: string } | undefined {
  const stat = THRESHOLD_STAT.exec(expression)?.[1];
  const name = /\{name:(.+)\}$/.exec(metric)?.[1];
  const traffic = name ? model.endpoints.find((e) => e.name === name) : model.overview;
  if (!stat) return undefined;
  if (metric.startsWith('http_req_duration') && traffic?.latency) {
    const key = stat.replace(/^p\((\d+)\)$/, 'p$1') as keyof LatencyStats;
    const value = traffic.latency[key];
    return value === undefined ? undefined : { value, shown: formatMs(value) };
  }
  if (metric.startsWith('http_req_failed') && stat === 'rate' && traffic?.errorRate !== undefined)
    return { value: traffic.errorRate, shown: formatPercent(traffic.errorRate) };
  return protocolObserved(model, metric, stat);
}

function thresholdNotes(model: ModelWithoutNotes): Note[] {
  return model.thresholds
    .filter((t) => !t.ok)
    .map((t) => {
      const observed = observedFor(model, t.metric, t.expression);
      const shown = observed === undefined ? '' : ` (observed ${observed.shown})`;
      return {
        id: 'threshold-failed',
        severity: 'critical',
        subject: t.metric,
        value: observed?.value ?? 0,
        text: `Threshold \`${t.expression}\` on \`${t.metric}\` failed${shown}.`,
      } satisfies Note;
    });
}

function droppedIterationNotes(model: ModelWithoutNotes): Note[] {
  const { overview } = model;
  const dropped = overview.droppedIterations ?? 0;
  if (dropped <= 0) return [];
  const offered = (overview.iterations ?? 0) + dropped;
  const durationS = overview.durationS;
  const generator = model.context.loadGenerator;
  const measured = durationS
    ? {
        durationS,
        offered,
        vusMax: overview.vusMax,
        scenarios: model.scenarios.flatMap((s) =>
          s.iterations !== undefined
            ? [
                {
                  name: s.name,
                  iterations: s.iterations,
                  dropped: s.droppedIterations ?? 0,
                  avgIterationMs: s.iterationDuration?.avg,
                  waitingMs:
                    s.latency && s.requests !== undefined && s.iterations > 0
                      ? (s.latency.avg * s.requests) / s.iterations
                      : undefined,
                },
              ]
            : [],
        ),
        generator:
          generator && generator.wallSeconds > 0
            ? { busyCores: generator.cpuSeconds / generator.wallSeconds, cpus: generator.cpus }
            : undefined,
      }
    : undefined;
  const cause = droppedIterationCause({ avgIterationMs: overview.iterationDuration?.avg, measured });
  const droppedBy = model.scenarios
    .filter((s) => (s.droppedIterations ?? 0) > 0)
    .map((s) => `${s.name}: ${formatCount(s.droppedIterations)}`);
  return [
    {
      id: 'dropped-iterations',
      severity: dropped / offered >= 0.01 ? 'critical' : 'warning',
      value: dropped,
      text: `k6 dropped ${formatCount(dropped)} iterations (${formatPercent(dropped / offered, 1)} of ${formatCount(offered)} offered${droppedBy.length > 0 ? `; ${droppedBy.join(', ')}` : ''}).${cause}`,
    },
  ];
}

function generatorNotes(model: ModelWithoutNotes): Note[] {
  const generator = model.context.loadGenerator;
  if (!generator || generator.wallSeconds <= 0) return [];
  const busyCores = generator.cpuSeconds / generator.wallSeconds;
  if (busyCores < generator.cpus * GENERATOR_SATURATED) return [];
  return [
    {
      id: 'load-generator',
      severity: 'warning',
      value: busyCores,
      text: `k6 kept ${formatCount(busyCores, 1)} of its ${formatCount(generator.cpus)} cores busy over the run: the load generator was saturated, so latencies and rates include k6's own queueing — run k6 on more cores or split the run (--segments).`,
    },
  ];
}

function plateauNotes(timeline: TimelineBucket[]): Note[] {
  const saturated = timeline.filter((b) => b.dropped > 0 && b.widthS >= 0.5);
  if (saturated.length < 2) return [];
  const achieved = Math.max(...saturated.map((b) => b.iterations / b.widthS));
  const offered = Math.max(...saturated.map((b) => (b.iterations + b.dropped) / b.widthS));
  if (offered <= achieved * 1.1) return [];
  return [
    {
      id: 'throughput-plateau',
      severity: 'warning',
      value: achieved,
      text: `Throughput plateaued at ${formatCount(achieved, 1)} iterations/s while the offered load reached ${formatCount(offered, 1)}/s (${saturated.length} intervals with dropped iterations).`,
    },
  ];
}

function errorNotes(model: ModelWithoutNotes): Note[] {
  const failedStatuses = model.statuses.filter((s) => s.count > s.expected);
  const failed = failedStatuses.reduce((sum, s) => sum + s.count - s.expected, 0);
  if (failed === 0) return [];
  const byStatus = failedStatuses.map((s) => {
    const where = model.endpoints
      .filter((e) => e.statuses.some((es) => es.status === s.status && es.count > es.expected))
      .map((e) => e.name);
    return `${s.status === '0' ? 'no response (status 0)' : s.status} × ${formatCount(s.count - s.expected)}${where.length > 0 ? ` (${where.join(', ')})` : ''}`;
  });
  const requests = model.overview.requests ?? 0;
  return [
    {
      id: 'errors-by-status',
      severity: requests > 0 && failed / requests >= 0.01 ? 'critical' : 'warning',
      value: failed,
      text: `${formatCount(failed)} failed requests (${formatPercent(requests > 0 ? failed / requests : undefined)}): ${byStatus.join('; ')}.`,
    },
  ];
}

function burstNotes(model: ModelWithoutNotes): Note[] {
  const overall = model.overview.errorRate ?? 0;
  const limit = Math.max(overall * 3, 0.05);
  const windows: { from: number; to: number; failed: number; requests: number }[] = [];
  for (const bucket of model.timeline) {
    const bursting = bucket.failed >= 3 && bucket.requests > 0 && bucket.failed / bucket.requests > limit;
    const last = windows.at(-1);
    if (!bursting) continue;
    if (last && Math.abs(last.to - bucket.startS) < 1e-6) {
      last.to = bucket.startS + bucket.widthS;
      last.failed += bucket.failed;
      last.requests += bucket.requests;
    } else
      windows.push({
        from: bucket.startS,
        to: bucket.startS + bucket.widthS,
        failed: bucket.failed,
        requests: bucket.requests,
      });
  }
  return windows.slice(0, 3).map((w) => ({
    id: 'error-burst',
    severity: 'warning',
    value: w.failed / w.requests,
    text: `Error burst from ${w.from.toFixed(0)} s to ${w.to.toFixed(0)} s: ${formatPercent(w.failed / w.requests, 1)} of requests failed (${formatCount(w.failed)} of ${formatCount(w.requests)}) against ${formatPercent(overall)} over the whole run.`,
  }));
}

function checkNotes(model: ModelWithoutNotes): Note[] {
  const checks = model.overview.checks;
  if (!checks || !(checks.fails > 0)) return [];
  const failing = model.checks.filter((c) => c.fails > 0).map((c) => `“${c.name}” ✗ ${formatCount(c.fails)}`);
  return [
    {
      id: 'checks-failed',
      severity: 'warning',
      value: checks.fails,
      text: `${formatCount(checks.fails)} of ${formatCount(checks.passes + checks.fails)} checks failed (${formatPercent(checks.fails / (checks.passes + checks.fails))})${failing.length > 0 ? `: ${failing.join(', ')}` : ''}.`,
    },
  ];
}

function tailNotes(model: ModelWithoutNotes): Note[] {
  const rows: { name: string; latency?: LatencyStats; requests?: number }[] =
    model.endpoints.length > 0 ? model.endpoints : [{ name: 'all requests', ...model.overview }];
  return rows
    .filter(
      (r) =>
        r.latency &&
        r.latency.med > 0 &&
        (r.requests === undefined || r.requests >= 20) &&
        r.latency.p95 / r.latency.med >= TAIL_SPREAD_RATIO,
    )
    .map((r) => {
      const l = r.latency as LatencyStats;
      const ratio = l.p95 / l.med;
      return {
        id: 'tail-spread',
        severity: 'warning',
        subject: r.name,
        value: ratio,
        text: `${r.name}: p95 is ${ratio.toFixed(1)}× the median (${formatMs(l.p95)} vs ${formatMs(l.med)}) — a slow tail, not a slow service: look for queueing (pool waits, locks, GC pauses) on a minority of requests.`,
      } satisfies Note;
    });
}

function expectedOutcomeNotes(model: ModelWithoutNotes): Note[] {
  const requests = model.overview.requests ?? 0;
  return model.statuses
    .filter((s) => Number(s.status) >= 400 && s.expected > 0)
    .map((s) => {
      const where = model.endpoints
        .filter((e) => e.statuses.some((es) => es.status === s.status && es.expected > 0))
        .map((e) => e.name);
      return {
        id: 'expected-outcomes',
        severity: 'info',
        subject: s.status,
        value: s.expected,
        text: `${formatCount(s.expected)} responses with status ${s.status} (${formatPercent(requests > 0 ? s.expected / requests : undefined, 1)} of requests${where.length > 0 ? `, ${where.join(', ')}` : ''}) were declared expected by the script (responseCallback): business outcomes such as a seat already taken, not failures.`,
      } satisfies Note;
    });
}

function slowestNotes(endpoints: EndpointStats[]): Note[] {
  const timed = endpoints.filter((e) => e.latency && Number.isFinite(e.latency.p95));
  if (timed.length < 2) return [];
  const slowest = [...timed].sort((a, b) => (b.latency?.p95 ?? 0) - (a.latency?.p95 ?? 0)).slice(0, 3);
  return [
    {
      id: 'slowest-endpoints',
      severity: 'info',
      subject: slowest[0]?.name,
      value: slowest[0]?.latency?.p95 ?? 0,
      text: `Slowest endpoints by p95: ${slowest.map((e) => `${e.name} ${formatMs(e.latency?.p95)}`).join(', ')}.`,
    },
  ];
}
