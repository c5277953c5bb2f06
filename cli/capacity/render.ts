// capacity.md: the answer first (sustained rate, who ran out, with the evidence), then the steps, the
// latency-versus-throughput chart with the knee marked, the model's arithmetic and the sizing tables.
import type { CapacityResult } from './result.ts';
import { round } from './slo.ts';
import { sizingMarkdown, seedTargets } from './sizing.ts';
import { COMPONENTS } from './step-types.ts';

const LIMIT_TITLE = {
  system: 'the system under test',
  generator: 'the load generator',
  machine: 'the shared machine',
  none: 'not reached',
} as const;
const BAR_WIDTH = 40;

const fmt = (value: number | undefined, unit = ''): string =>
  value === undefined ? '-' : `${round(value).toLocaleString('en')}${unit}`;

/** One line per step, by carried throughput: a bar as long as its p95 (log scale), the knee marked. */
export function latencyChart(result: CapacityResult): string[] {
  const points = result.steps.filter((s) => s.p95Ms !== undefined).sort((a, b) => a.throughput - b.throughput);
  if (points.length === 0) return [];
  const top = Math.log10(Math.max(...points.map((s) => s.p95Ms ?? 1), 10) + 1);
  const width = Math.max(...points.map((s) => fmt(s.throughput).length));
  const lines = points.map((s) => {
    const length = Math.max(1, Math.round((Math.log10((s.p95Ms ?? 0) + 1) / top) * BAR_WIDTH));
    const knee = s.offeredRate === result.sustainedRate ? '  ← knee: the highest rate that held' : '';
    return `${fmt(s.throughput).padStart(width)}/s ${(s.verdict.held ? '█' : '▒').repeat(length)} p95 ${fmt(s.p95Ms, ' ms')}${knee}`;
  });
  const slo = result.slo.latency.map((b) => `p${b.percentile} < ${b.maxMs} ms`).join(', ');
  return ['```', `carried   p95 latency (log scale; █ held, ▒ broke${slo ? `; SLO ${slo}` : ''})`, ...lines, '```'];
}

/** One line per finished step, for the terminal. */
export function stepLine(step: CapacityResult['steps'][number]): string {
  const cores = COMPONENTS.filter((c) => step.cores[c] !== undefined)
    .map((c) => `${c} ${(step.cores[c] ?? 0).toFixed(2)}`)
    .join(', ');
  const verdict = step.verdict.held ? 'held' : `broke (${step.verdict.breaches.join('; ')})`;
  return `${String(step.offeredRate).padStart(6)}/s asked → ${fmt(step.throughput)}/s, p95 ${fmt(step.p95Ms, ' ms')}, cores: ${cores}${step.machineBusyCores === undefined ? '' : ` (machine ${step.machineBusyCores.toFixed(2)})`}  ${verdict}${step.interrupted ? ' (interrupted)' : ''}`;
}

/** `chartFile`: the SVG of the chart beside capacity.md, when one was drawn. */
export function renderCapacityMarkdown(result: CapacityResult, chartFile?: string): string {
  const { placement, limit, model } = result;
  const knee = result.steps.find((s) => s.offeredRate === result.sustainedRate);
  const lines = [
    `# Capacity: ${result.workload} against ${result.target}`,
    '',
    `SLO \`${result.sloText}\` · ${placement.machineCores} cores · k6 may use ${placement.k6Cores}` +
      `${placement.apiWorkers ? ` · API ${placement.apiWorkers} workers` : ''} · ${placement.shared ? 'k6 and the system under test share this machine' : 'the system under test runs elsewhere'}` +
      ` · load average at start ${result.loadAverage.map((v) => v.toFixed(2)).join(' ')}`,
    '',
    result.sustainedRate === undefined
      ? `**No step held the SLO** (lowest tried ${fmt(Math.min(...result.steps.map((s) => s.offeredRate)))}/s).`
      : `**Sustained at the SLO: ${fmt(result.sustainedRate)}/s** asked, ${fmt(knee?.throughput)} requests/s carried, p95 ${fmt(knee?.p95Ms, ' ms')}.`,
    '',
    `**Limit: ${LIMIT_TITLE[limit.kind]} — ${limit.what}.**`,
    '',
    ...limit.evidence.map((line) => `- ${line}`),
    ...limit.advice.map((line) => `- → ${line}`),
    '',
    `Search: ${result.warmUp ? `an unjudged warm-up at ${result.warmUp.rate}/s, then ` : ''}${result.steps.length} steps of ${result.bounds.stepSeconds} s, stopped because ${result.stoppedBecause} (bounds: at most ${result.bounds.maxSteps} steps, ${result.bounds.maxTimeSeconds} s).`,
    '',
    '## Steps',
    '',
    '| # | asked/s | carried/s | p95 | p99 | API p95 | errors | dropped | k6 cores | API cores | Redis | PostgreSQL | verdict |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...result.steps.map(
      (s, i) =>
        `| ${i + 1} | ${fmt(s.offeredRate)} | ${fmt(s.throughput)} | ${fmt(s.p95Ms, ' ms')} | ${fmt(s.p99Ms, ' ms')} | ${fmt(s.serverP95Ms, ' ms')} | ${fmt(s.errorPercent, ' %')} | ${s.dropped} | ` +
        `${COMPONENTS.map((c) => (s.cores[c] === undefined ? '-' : s.cores[c].toFixed(2))).join(' | ')} | ${s.verdict.held ? 'held' : `broke: ${s.verdict.breaches.join('; ')}`}${s.interrupted ? ' (interrupted)' : ''} |`,
    ),
    '',
    '## Latency versus throughput',
    '',
    ...(chartFile ? [`![Latency versus throughput, the knee marked](${chartFile})`, ''] : []),
    ...latencyChart(result),
    '',
    '## Model',
    '',
    `CPU of each component, U = U₀ + X·S, fitted over the held steps at ${model.costs.fromRates.map((r) => `${fmt(r)}/s`).join(', ')} ` +
      '(open loop, the executor the search uses): ' +
      COMPONENTS.filter((c) => model.costs.perRequestMs[c] !== undefined)
        .map(
          (c) =>
            `${c} ${(model.costs.baselineCores[c] ?? 0).toFixed(2)} cores + ${(model.costs.perRequestMs[c] ?? 0).toFixed(3)} ms per request`,
        )
        .join('; ') +
      '.',
    '',
    'Utilisation law, X = (C − U₀) / S (each resource carries at most its free cores over its CPU per request):',
    '',
    ...model.bounds.map((b) => `- ${b.what}: ${b.formula} = ${fmt(b.rate)}/s`),
    '',
    model.utilisation === undefined
      ? ''
      : `The sustained rate is ${Math.round(model.utilisation * 100)} % of the tightest bound: the utilisation this system reaches before the SLO breaks (predictions for other placements use it).`,
    '',
    ...(model.predictions.length
      ? [
          'Predictions (runs this search did not make):',
          '',
          ...model.predictions.map((p) => `- ${p.what}: **${fmt(p.rate)}/s** — ${p.how}`),
          '',
        ]
      : []),
    '## Sizing',
    '',
    ...seedTargets((knee?.avgIterationMs ?? 10) / 1000).flatMap((target) => [
      ...sizingMarkdown(target, model.costs, (knee?.avgIterationMs ?? 10) / 1000),
      '',
    ]),
    `Costs measured with k6 and the system under test ${placement.shared ? 'on the same cores' : 'apart'}; a larger deployment adds network hops the costs do not include.`,
  ];
  return `${lines.join('\n')}\n`;
}
