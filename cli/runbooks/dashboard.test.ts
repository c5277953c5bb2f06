import { describe, expect, it } from 'vitest';
import { alertName } from './alerts.ts';
import { GrafanaDashboard, grafanaDashboard } from './dashboard.ts';
import { loadRunbooks } from './load.ts';

describe('Grafana dashboard export', () => {
  it('has a panel per runbook signal beside k6, an annotation per runbook, and passes its own schema', async () => {
    const runbooks = await loadRunbooks();
    const dashboard = GrafanaDashboard.parse(JSON.parse(JSON.stringify(grafanaDashboard(runbooks))));
    const titles = dashboard.panels.filter((panel) => panel.type === 'timeseries').map((panel) => panel.title);
    expect(titles.slice(0, 2)).toEqual(['k6 request rate', 'k6 request latency']);
    for (const runbook of runbooks) {
      for (const signal of runbook.signals)
        expect(titles).toContain(`${signal.id} (alert ${alertName(runbook.id, signal.id)})`);
    }
    expect(dashboard.annotations.list.map((annotation) => annotation.expr)).toContain(
      'ALERTS{alertstate="firing",runbook="cache-failure"}',
    );
    // the plotted expression is the comparison's left-hand side: no threshold left in it
    const panel = dashboard.panels.find((candidate) => candidate.title.startsWith('redis-errors'));
    expect(panel?.targets?.[0]?.expr).toBe('sum(rate(api_redis_errors_total[5s]))');
    // panels never overlap: each (x, y) cell is used once
    const cells = dashboard.panels.map((candidate) => `${candidate.gridPos.x},${candidate.gridPos.y}`);
    expect(new Set(cells).size).toBe(cells.length);
  });
});
