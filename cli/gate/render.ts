// Pure: a gate outcome → JUnit XML (one test case per endpoint × metric, plus one per k6 threshold), the
// markdown summary for $GITHUB_STEP_SUMMARY, and the compact comment for a pull request.
import junitReportBuilder, { type Builder } from 'junit-report-builder';
import { METRIC_LABEL, formatValue, type GateOutcome, type MetricVerdict, type VerdictStatus } from './verdicts.ts';

// The package's typings declare an ES default export, but it is CommonJS whose module.exports is the builder.
const junit = junitReportBuilder as unknown as Builder;

export function renderJunit(outcome: GateOutcome): string {
  const builder = junit.newBuilder();
  const thresholds = builder.testSuite().name('k6 thresholds');
  for (const threshold of outcome.thresholds) {
    const testCase = thresholds
      .testCase()
      .className('loadctl.gate.thresholds')
      .name(`${threshold.metric}: ${threshold.expression}`);
    if (!threshold.ok)
      testCase.failure(`k6 threshold failed: ${threshold.metric} ${threshold.expression}`, 'threshold');
  }
  const regressions = builder.testSuite().name(`regression vs ${outcome.baselineLabel}`);
  for (const verdict of outcome.verdicts) {
    const testCase = regressions
      .testCase()
      .className(`loadctl.gate.${verdict.endpoint}`)
      .name(METRIC_LABEL[verdict.metric])
      .property('baseline', String(verdict.baseline ?? ''))
      .property('current', String(verdict.current ?? ''));
    if (verdict.status === 'regressed')
      testCase.failure(
        `${verdict.endpoint} ${METRIC_LABEL[verdict.metric]} regressed: ${verdict.explanation}`,
        'regression',
      );
    else if (verdict.status === 'not-gated') testCase.skipped().standardOutput(verdict.explanation);
    else testCase.standardOutput(verdict.explanation);
  }
  return builder.build();
}

const STATUS_MARK: Record<VerdictStatus, string> = {
  regressed: '❌ regressed',
  pass: '✅ ok',
  improved: '🟢 improved',
  'not-gated': '➖ not gated',
};

function headline(outcome: GateOutcome): string {
  const regressed = outcome.verdicts.filter((verdict) => verdict.status === 'regressed').length;
  const failedThresholds = outcome.thresholds.filter((threshold) => !threshold.ok).length;
  const median = outcome.runs > 1 ? ` (median of ${outcome.runs} runs)` : '';
  switch (outcome.status) {
    case 'passed':
      return `✅ **Load gate passed**: ${outcome.currentLabel}${median} vs baseline ${outcome.baselineLabel}, no metric regressed beyond tolerance.`;
    case 'thresholds-failed':
      return `❌ **Load gate failed**: ${failedThresholds} k6 threshold(s) failed in ${outcome.currentLabel}${median}${regressed > 0 ? `, and ${regressed} metric(s) regressed vs ${outcome.baselineLabel}` : ''}.`;
    case 'regressed':
      return `❌ **Load gate failed**: ${regressed} metric(s) regressed beyond tolerance in ${outcome.currentLabel}${median} vs baseline ${outcome.baselineLabel}.`;
  }
}

function verdictRow(verdict: MetricVerdict): string[] {
  return [
    verdict.endpoint,
    METRIC_LABEL[verdict.metric],
    formatValue(verdict.metric, verdict.baseline),
    formatValue(verdict.metric, verdict.current),
    STATUS_MARK[verdict.status],
    verdict.explanation,
  ];
}

/** The full summary: headline, failed thresholds, and every endpoint × metric with its numbers. */
export function renderSummary(outcome: GateOutcome): string {
  const lines = ['## loadctl gate', '', headline(outcome), ''];
  if (outcome.thresholds.length > 0) {
    lines.push('### k6 thresholds', '');
    lines.push(
      markdownTable(
        ['metric', 'threshold', 'result'],
        outcome.thresholds.map((threshold) => [
          threshold.metric,
          threshold.expression,
          threshold.ok ? '✅ ok' : '❌ failed',
        ]),
      ),
      '',
    );
  }
  lines.push('### Per endpoint', '');
  lines.push(
    markdownTable(['endpoint', 'metric', 'baseline', 'current', 'verdict', 'why'], outcome.verdicts.map(verdictRow)),
    '',
  );
  lines.push(
    '<sub>A metric regresses only when it is worse by more than its relative tolerance **and** its absolute minimum effect ' +
      '(defaults: p95 > 15 % and > 2 ms, p99 > 25 % and > 5 ms, throughput < −10 % and < −5 req/s, error rate > +0.5 pp; ' +
      'set in loadctl.gate.yaml).</sub>',
    '',
  );
  return lines.join('\n');
}

/** A pull-request comment that fits on a screen: the headline and only what failed. */
export function renderPrComment(outcome: GateOutcome): string {
  const lines = [headline(outcome)];
  const failedThresholds = outcome.thresholds.filter((threshold) => !threshold.ok);
  if (failedThresholds.length > 0)
    lines.push(
      '',
      ...failedThresholds.map((threshold) => `- threshold \`${threshold.metric}: ${threshold.expression}\` failed`),
    );
  const regressed = outcome.verdicts.filter((verdict) => verdict.status === 'regressed');
  if (regressed.length > 0) {
    lines.push(
      '',
      markdownTable(
        ['endpoint', 'metric', 'baseline', 'current'],
        regressed.map((verdict) => verdictRow(verdict).slice(0, 4)),
      ),
    );
  }
  const improved = outcome.verdicts.filter((verdict) => verdict.status === 'improved').length;
  if (improved > 0) lines.push('', `${improved} metric(s) improved beyond tolerance.`);
  lines.push('', '<sub>Full per-endpoint table in the job summary and the uploaded report artifact.</sub>', '');
  return lines.join('\n');
}

function markdownTable(header: string[], rows: string[][]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [header, header.map(() => '---'), ...rows].map((row) => `| ${row.map(cell).join(' | ')} |`).join('\n');
}
