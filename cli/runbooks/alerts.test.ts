// The exported alert rules pass `promtool check rules`, and `promtool test rules` shows each alert firing on
// its fault's pattern and silent on a healthy one (series fixtures in runbooks/alerts.fixtures.yaml).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { alertName, alertRulesYaml, runbookUrl } from './alerts.ts';
import { loadRunbooks, RUNBOOKS_DIR, type Runbook } from './load.ts';

const BASE_URL = 'https://runbooks.example/';
const Fixtures = z.record(
  z.string(),
  z.object({ at: z.string(), fault: z.record(z.string(), z.string()), healthy: z.record(z.string(), z.string()) }),
);
type Fixture = z.infer<typeof Fixtures>[string];

/** Two promtool test groups per alert: firing on the fault's series, silent on the healthy ones. */
function promtoolTests(runbooks: readonly Runbook[], fixtures: Record<string, Fixture>) {
  const tests = runbooks.flatMap((runbook) =>
    runbook.signals.flatMap((signal) => {
      const name = alertName(runbook.id, signal.id);
      const fixture = fixtures[name] as Fixture;
      const series = (values: Record<string, string>) =>
        Object.entries(values).map(([selector, text]) => ({ series: selector, values: text }));
      const expected = {
        exp_labels: { severity: runbook.severity, runbook: runbook.id, signal: signal.id },
        exp_annotations: {
          summary: `${runbook.title}: ${signal.id}`,
          description: signal.description ?? signal.id,
          runbook_url: runbookUrl(runbook, BASE_URL),
        },
      };
      return [
        {
          name: `${name} fires on the fault`,
          interval: '1s',
          input_series: series(fixture.fault),
          alert_rule_test: [{ eval_time: fixture.at, alertname: name, exp_alerts: [expected] }],
        },
        {
          name: `${name} stays silent when healthy`,
          interval: '1s',
          input_series: series(fixture.healthy),
          alert_rule_test: [{ eval_time: fixture.at, alertname: name, exp_alerts: [] }],
        },
      ];
    }),
  );
  return { rule_files: ['alerts.yml'], evaluation_interval: '1s', tests };
}

describe('alert rules export', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'loadctl-alerts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names one alert per signal, links its runbook, and takes for: from the signal', async () => {
    const runbooks = await loadRunbooks();
    const { groups } = parse(alertRulesYaml(runbooks)) as { groups: Array<{ rules: Array<Record<string, unknown>> }> };
    const rules = groups.flatMap((group) => group.rules);
    expect(rules).toHaveLength(runbooks.reduce((sum, runbook) => sum + runbook.signals.length, 0));
    expect(rules[0]).toMatchObject({
      alert: 'CacheFailureRedisErrors',
      for: '1s',
      labels: { severity: 'sev2' },
      annotations: { runbook_url: `file://${path.join(RUNBOOKS_DIR, 'cache-failure.md')}` },
    });
  });

  it('passes promtool check rules and promtool test rules', async () => {
    const runbooks = await loadRunbooks();
    const fixtures = Fixtures.parse(parse(readFileSync(path.join(RUNBOOKS_DIR, 'alerts.fixtures.yaml'), 'utf8')));
    const names = runbooks.flatMap((runbook) => runbook.signals.map((signal) => alertName(runbook.id, signal.id)));
    expect(Object.keys(fixtures).sort(), 'one fixture per alert').toEqual([...names].sort());
    writeFileSync(path.join(dir, 'alerts.yml'), alertRulesYaml(runbooks, BASE_URL));
    writeFileSync(path.join(dir, 'alerts.test.yaml'), stringify(promtoolTests(runbooks, fixtures)));
    const check = await execa('promtool', ['check', 'rules', 'alerts.yml'], { cwd: dir, reject: false, all: true });
    expect(check.exitCode, check.all).toBe(0);
    const test = await execa('promtool', ['test', 'rules', 'alerts.test.yaml'], { cwd: dir, reject: false, all: true });
    expect(test.exitCode, test.all).toBe(0);
    expect(test.all).toContain('SUCCESS');
  });
});
