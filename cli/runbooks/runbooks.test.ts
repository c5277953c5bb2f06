import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../shared/paths.ts';
import { FAULTS } from '../faults/registry.ts';
import { loadRunbooks, parseRunbook } from './load.ts';
import { markdownForTerminal } from './render.ts';
import { checkPromql, promDurationSeconds, withRange } from './promql.ts';
import { numberedSteps, signalsOfMode } from './schema.ts';

describe('runbook files', () => {
  it('every file in runbooks/ validates against the schema', async () => {
    const runbooks = await loadRunbooks();
    const files = readdirSync(join(REPO_ROOT, 'runbooks')).filter(
      (name) => name.endsWith('.md') && name !== 'README.md',
    );
    // each runbook file loads, under the id its file is named after (so a new runbook needs no edit here)
    expect(runbooks.map((runbook) => `${runbook.id}.md`).sort()).toEqual(files.sort());
    expect(files.length).toBeGreaterThanOrEqual(FAULTS.length);
    for (const runbook of runbooks) expect(runbook.body.length).toBeGreaterThan(500);
  });

  it('every fault has exactly one runbook and every runbook names a known fault and mode', async () => {
    const runbooks = await loadRunbooks();
    for (const fault of FAULTS) {
      const matching = runbooks.filter((runbook) => runbook.fault.name === fault.name);
      expect(
        matching.map((runbook) => runbook.id),
        fault.name,
      ).toEqual([fault.runbookId]);
    }
    for (const runbook of runbooks) {
      const fault = FAULTS.find((candidate) => candidate.name === runbook.fault.name);
      expect(fault, runbook.id).toBeDefined();
      if (runbook.fault.mode) expect(fault?.modes).toContain(runbook.fault.mode);
      // a signal names only its fault's modes, and every mode shows at least one signal (a drill needs one)
      for (const signal of runbook.signals)
        for (const mode of signal.modes ?? []) expect(fault?.modes, signal.id).toContain(mode);
      for (const mode of fault?.modes ?? [])
        expect(signalsOfMode(runbook.signals, mode).length, `${runbook.id} ${mode}`).toBeGreaterThan(0);
    }
  });

  it('numbers steps across groups in order', async () => {
    const [runbook] = (await loadRunbooks()).filter((candidate) => candidate.id === 'cache-failure');
    const steps = numberedSteps(runbook!);
    expect(steps[0]).toMatchObject({ number: 1, group: 'immediate' });
    expect(steps.map((entry) => entry.number)).toEqual(steps.map((_, index) => index + 1));
  });

  it('rejects an automatable step without a command, a bad expression and a missing front matter', () => {
    const base = (steps: string, expr = 'rate(x_total[5s]) > 1') =>
      `---\nid: x\ntitle: X\nseverity: sev2\nfault: { name: redis-kill }\nsignals: [{ id: s, expr: '${expr}' }]\n` +
      `slo: { expr: 'x < 1' }\nsteps:\n  immediate: [${steps}]\n---\nbody`;
    expect(() => parseRunbook(base('{ title: a, automatable: true }'), 'x.md')).toThrow(
      /automatable but has no run command/,
    );
    expect(() => parseRunbook(base('{ title: a, run: "rm -rf /", automatable: true }'), 'x.md')).toThrow(/loadctl/);
    expect(() => parseRunbook('no front matter', 'x.md')).toThrow(/front matter/);
    // PromQL: a syntax error, and an expression that is no comparison, name the file and the field on one line
    const typo = () => parseRunbook(base('{ title: a, automatable: false }', 'rate(x_total[5s) > 1'), 'x.md');
    expect(typo).toThrow(/^x\.md: .*PromQL syntax error at column 16.*signals\[0\]\.expr$/);
    expect(() => parseRunbook(base('{ title: a, automatable: false }', 'rate(x_total[5s])'), 'x.md')).toThrow(
      /not a comparison.*signals\[0\]\.expr/,
    );
    expect(
      parseRunbook(base('{ title: a, run: "loadctl mitigate cache-warm", automatable: true }'), 'x.md').steps.immediate,
    ).toHaveLength(1);
  });
});

describe('PromQL checks', () => {
  it('accepts what Prometheus accepts and reports the longest range window', () => {
    expect(
      checkPromql('histogram_quantile(0.95, sum by (le) (rate(x_bucket[10s]))) > 0.05', { comparison: true }).windowS,
    ).toBe(10);
    expect(checkPromql('sum(rate(a[1m30s])) / sum(rate(b[5s])) < 1').windowS).toBe(90);
    expect(checkPromql('(sum(increase(a{s=~"5.."}[10s])) or vector(0)) == 0', { comparison: true }).windowS).toBe(10);
    expect(checkPromql('up').windowS).toBe(0);
    expect(() => checkPromql('(up{job="a"} < 1) and on () sum(rate(x[10s])) > 2', { comparison: true })).not.toThrow();
    expect(() => checkPromql('up{job="a"} < 1 and on () sum(rate(x[10s]))', { comparison: true })).toThrow(
      /not a comparison/,
    );
  });

  it('rejects syntax errors with a column, and non-comparisons where a condition is needed', () => {
    expect(() => checkPromql('sum(rate(x[5s]) > 1')).toThrow(/column/);
    expect(() => checkPromql('foo +')).toThrow(/column 6/);
    expect(() => checkPromql('sum(rate(x[5s])) + 1', { comparison: true })).toThrow(/not a comparison/);
    expect(promDurationSeconds('1m30s')).toBe(90);
  });

  it('stretches every range over a phase, for claims evaluated once at its end', () => {
    const claim = '(sum(increase(a{s=~"5.."}[10s])) or vector(0)) / sum(increase(a[1m])) < 0.01';
    expect(withRange(claim, 94.2)).toBe(
      '(sum(increase(a{s=~"5.."}[95s])) or vector(0)) / sum(increase(a[95s])) < 0.01',
    );
    expect(withRange('up == 0', 30)).toBe('up == 0');
    expect(() => promDurationSeconds('5 s')).toThrow();
  });
});

describe('markdownForTerminal', () => {
  it('renders bold and code inside list items instead of printing their markers', async () => {
    const text = await markdownForTerminal(
      '1. **Freeze the queue** (`loadctl mitigate static-queue on`). Then wait.\n- plain **bold** item\n',
      100,
    );
    expect(text).not.toMatch(/\*\*|`/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the terminal colour codes this test strips
    expect(text.replace(/\u001b\[\d+m/g, '')).toContain(
      'Freeze the queue (loadctl mitigate static-queue on). Then wait.',
    );
  });
});
