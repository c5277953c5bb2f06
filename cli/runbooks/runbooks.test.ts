import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../shared/paths.ts';
import { FAULTS } from '../faults/registry.ts';
import { evaluate, parseExpression, type Sample } from './expression.ts';
import { holds, parseCondition } from './condition.ts';
import { loadRunbooks, parseRunbook } from './load.ts';
import { markdownForTerminal } from './render.ts';
import { checkPromql, promDurationSeconds } from './promql.ts';
import { numberedSteps } from './schema.ts';

describe('runbook files', () => {
  it('every file in runbooks/ validates against the schema', async () => {
    const runbooks = await loadRunbooks();
    const files = readdirSync(join(REPO_ROOT, 'runbooks')).filter((name) => name.endsWith('.md') && name !== 'README.md');
    // each runbook file loads, under the id its file is named after (so a new runbook needs no edit here)
    expect(runbooks.map((runbook) => `${runbook.id}.md`).sort()).toEqual(files.sort());
    expect(files.length).toBeGreaterThanOrEqual(FAULTS.length);
    for (const runbook of runbooks) expect(runbook.body.length).toBeGreaterThan(500);
  });

  it('every fault has exactly one runbook and every runbook names a known fault and mode', async () => {
    const runbooks = await loadRunbooks();
    for (const fault of FAULTS) {
      const matching = runbooks.filter((runbook) => runbook.fault.name === fault.name);
      expect(matching.map((runbook) => runbook.id), fault.name).toEqual([fault.runbookId]);
    }
    for (const runbook of runbooks) {
      const fault = FAULTS.find((candidate) => candidate.name === runbook.fault.name);
      expect(fault, runbook.id).toBeDefined();
      if (runbook.fault.mode) expect(fault?.modes).toContain(runbook.fault.mode);
    }
  });

  it('numbers steps across groups in order', async () => {
    const [runbook] = (await loadRunbooks()).filter((candidate) => candidate.id === 'cache-failure');
    const steps = numberedSteps(runbook!);
    expect(steps[0]).toMatchObject({ number: 1, group: 'immediate' });
    expect(steps.map((entry) => entry.number)).toEqual(steps.map((_, index) => index + 1));
  });

  it('rejects an automatable step without a command, a bad expression and a missing front matter', () => {
    const base = (steps: string, metric = 'rate(x_total)', expr = 'rate(x_total[5s]) > 1') =>
      `---\nid: x\ntitle: X\nseverity: sev2\nfault: { name: redis-kill }\n` +
      `signals: [{ id: s, expr: '${expr}', source: api-metrics, metric: '${metric}', condition: '> 1', window: 5s }]\n` +
      `slo: { expr: 'x < 1', metric: 'x', condition: '< 1', window: 5s }\nsteps:\n  immediate: [${steps}]\n---\nbody`;
    expect(() => parseRunbook(base('{ title: a, automatable: true }'), 'x.md')).toThrow(/automatable but has no run command/);
    expect(() => parseRunbook(base('{ title: a, automatable: false }', 'rate(x_total'), 'x.md')).toThrow(/expected/);
    expect(() => parseRunbook(base('{ title: a, run: "rm -rf /", automatable: true }'), 'x.md')).toThrow(/loadctl/);
    expect(() => parseRunbook('no front matter', 'x.md')).toThrow(/front matter/);
    // PromQL: a syntax error, and an expression that is no comparison, name the file and the field on one line
    const typo = () => parseRunbook(base('{ title: a, automatable: false }', 'x', 'rate(x_total[5s) > 1'), 'x.md');
    expect(typo).toThrow(/^x\.md: .*PromQL syntax error at column 16.*signals\[0\]\.expr$/);
    expect(() => parseRunbook(base('{ title: a, automatable: false }', 'x', 'rate(x_total[5s])'), 'x.md')).toThrow(/not a comparison.*signals\[0\]\.expr/);
    expect(parseRunbook(base('{ title: a, run: "loadctl mitigate cache-warm", automatable: true }'), 'x.md').steps.immediate).toHaveLength(1);
  });
});

describe('PromQL checks', () => {
  it('accepts what Prometheus accepts and reports the longest range window', () => {
    expect(checkPromql('histogram_quantile(0.95, sum by (le) (rate(x_bucket[10s]))) > 0.05', { comparison: true }).windowS).toBe(10);
    expect(checkPromql('sum(rate(a[1m30s])) / sum(rate(b[5s])) < 1').windowS).toBe(90);
    expect(checkPromql('(sum(increase(a{s=~"5.."}[10s])) or vector(0)) == 0', { comparison: true }).windowS).toBe(10);
    expect(checkPromql('up').windowS).toBe(0);
  });

  it('rejects syntax errors with a column, and non-comparisons where a condition is needed', () => {
    expect(() => checkPromql('sum(rate(x[5s]) > 1')).toThrow(/column/);
    expect(() => checkPromql('foo +')).toThrow(/column 6/);
    expect(() => checkPromql('sum(rate(x[5s])) + 1', { comparison: true })).toThrow(/not a comparison/);
    expect(promDurationSeconds('1m30s')).toBe(90);
    expect(() => promDurationSeconds('5 s')).toThrow();
  });
});

describe('metric expressions', () => {
  const samples: Sample[] = [
    { t: 0, values: { 'req_total{route="/a",status="200"}': 100, 'req_total{route="/a",status="500"}': 0, heap: 10 } },
    { t: 5, values: { 'req_total{route="/a",status="200"}': 150, 'req_total{route="/a",status="500"}': 5, 'req_total{route="/b",status="503"}': 5, heap: 30 } },
    { t: 10, values: { 'req_total{route="/a",status="200"}': 200, 'req_total{route="/a",status="500"}': 10, 'req_total{route="/b",status="503"}': 10, heap: 25 } },
  ];

  it('sums series, rates, increases, deltas and ratios', () => {
    expect(evaluate(parseExpression('req_total'), samples)).toBe(220);
    expect(evaluate(parseExpression('increase(req_total{status=~"5.."})'), samples)).toBe(20);
    expect(evaluate(parseExpression('rate(req_total{route="/a"})'), samples)).toBe(11);
    expect(evaluate(parseExpression('increase(req_total{status=~"5.."}) / increase(req_total)'), samples)).toBeCloseTo(20 / 120);
    expect(evaluate(parseExpression('delta(heap)'), samples)).toBe(15);
    expect(evaluate(parseExpression('-1 * delta(heap) + 2'), samples)).toBe(-13);
    expect(evaluate(parseExpression('increase(req_total{route!="/a"})'), samples)).toBe(10);
  });

  it('returns NaN on no data so that no condition holds', () => {
    expect(evaluate(parseExpression('rate(req_total)'), samples.slice(0, 1))).toBeNaN();
    expect(evaluate(parseExpression('increase(nothing) / increase(nothing)'), samples)).toBeNaN();
    expect(holds(parseCondition('< 1'), NaN)).toBe(false);
    expect(holds(parseCondition('>= 0.9'), 0.9)).toBe(true);
  });

  it('estimates a quantile from histogram bucket growth like histogram_quantile', () => {
    const bucket = (le: string, a: number, b: number): [string, number][] => [[`d_bucket{le="${le}",route="/a"}`, a], [`d_bucket{le="${le}",route="/b"}`, b]];
    const before = Object.fromEntries([...bucket('0.1', 0, 0), ...bucket('0.5', 0, 0), ...bucket('+Inf', 0, 0)]);
    const after = Object.fromEntries([...bucket('0.1', 50, 40), ...bucket('0.5', 50, 50), ...bucket('+Inf', 50, 50)]);
    const window = [{ t: 0, values: before }, { t: 1, values: after }];
    expect(evaluate(parseExpression('quantile(0.5, d_bucket)'), window)).toBeCloseTo(0.1 * (50 / 90));
    expect(evaluate(parseExpression('quantile(0.95, d_bucket)'), window)).toBeCloseTo(0.1 + 0.4 * (5 / 10));
  });

  it('handles counter resets (a restarted worker) as growth from zero', () => {
    const window = [{ t: 0, values: { c: 100 } }, { t: 1, values: { c: 7 } }];
    expect(evaluate(parseExpression('increase(c)'), window)).toBe(7);
  });

  it('rejects malformed expressions and conditions with a position', () => {
    expect(() => parseExpression('rate(')).toThrow(/position/);
    expect(() => parseExpression('median(x)')).toThrow(/unknown function/);
    expect(() => parseExpression('x{a~"b"}')).toThrow();
    expect(() => parseCondition('about 5')).toThrow(/comparison/);
  });
});

describe('markdownForTerminal', () => {
  it('renders bold and code inside list items instead of printing their markers', async () => {
    const text = await markdownForTerminal('1. **Freeze the queue** (`loadctl mitigate static-queue on`). Then wait.\n- plain **bold** item\n', 100);
    expect(text).not.toMatch(/\*\*|`/);
    expect(text.replace(/\u001b\[\d+m/g, '')).toContain('Freeze the queue (loadctl mitigate static-queue on). Then wait.');
  });
});
