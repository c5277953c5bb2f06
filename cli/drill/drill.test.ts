import { describe, expect, it } from 'vitest';
import { loadRunbook } from '../runbooks/load.ts';
import { planDrill, type DrillOptions } from './drill.ts';
import { drillMarkdown, figuresOf, verdictsOf, type Happened } from './journal.ts';
import { GuardWatch, parseGuard } from './watch.ts';

const options: DrillOptions = {
  runbookId: 'cache-failure',
  shape: 'smoke',
  scale: 1,
  injectAtS: 8,
  faultDurationS: 10,
  detectTimeoutS: 10,
  manual: false,
};

describe('planDrill', () => {
  it("loads at the fault's drill scale unless given one: db-saturate's waiting writes need 6 VUs", async () => {
    const runbook = await loadRunbook('database-overload');
    const { scale: _given, ...noScale } = options;
    expect(planDrill(runbook, { ...noScale, runbookId: runbook.id }).scale).toBe(3);
    expect(planDrill(runbook, { ...options, runbookId: runbook.id }).scale).toBe(1);
    expect(planDrill(await loadRunbook('cache-failure'), noScale).scale).toBe(1);
  });

  it('automates immediate and short-term steps with a command, never long-term ones, and sizes the load', async () => {
    const plan = planDrill(await loadRunbook('cache-failure'), options);
    expect(plan.workload).toBe('seats');
    expect(plan.steps.filter((step) => step.handling === 'automated').map((step) => step.run)).toEqual([
      'loadctl mitigate cache-bypass on',
      'loadctl mitigate redis-restart',
      'loadctl mitigate cache-bypass off',
    ]);
    expect(plan.steps.filter((step) => step.group === 'long_term').every((step) => step.handling === 'skipped')).toBe(
      true,
    );
    expect(plan.loadDurationS).toBeGreaterThan(options.injectAtS + options.faultDurationS + plan.restoreWithinS);
  });

  it('hands every non-long-term step to a person with --manual, and takes fault params from the runbook', async () => {
    const plan = planDrill(await loadRunbook('memory-leak'), { ...options, runbookId: 'memory-leak', manual: true });
    expect(new Set(plan.steps.filter((step) => step.group !== 'long_term').map((step) => step.handling))).toEqual(
      new Set(['person']),
    );
    expect(plan.fault.params).toEqual({ 'bytes-per-request': '1000000' });
  });

  it('refuses an unknown mode, a bad guard and a fault window longer than a ramping shape', async () => {
    const runbook = await loadRunbook('database-overload');
    expect(() => planDrill(runbook, { ...options, faultMode: 'meltdown' })).toThrow(/no mode "meltdown"/);
    expect(() => planDrill(runbook, { ...options, guard: 'errors are high' })).toThrow(
      /guard "errors are high": PromQL syntax error/,
    );
    expect(() => planDrill(runbook, { ...options, shape: 'load', injectAtS: 80, faultDurationS: 30 })).toThrow(
      /too short/,
    );
  });
});

describe('guards', () => {
  it('trips only after the comparison held at every check for its whole duration', () => {
    const guard = parseGuard('sum(rate(errors_total[5s])) > 1 for 3s');
    expect(guard).toMatchObject({ expr: 'sum(rate(errors_total[5s])) > 1', forS: 3 });
    const watch = new GuardWatch(guard);
    const held = [false, true, true, false, true, true, true, true];
    const tripped = held.map((holds, t) => watch.observe(holds, t));
    expect(tripped.indexOf(true)).toBe(7);
    expect(parseGuard('max(k6_http_req_failed_rate) >= 0.2').forS).toBe(5);
    expect(() => parseGuard('sum(rate(errors_total[5s])) for 3s')).toThrow(/not a comparison/);
  });
});

describe('verdicts', () => {
  const happened = (overrides: Partial<Happened>): Happened => ({
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:01:00.000Z',
    events: [{ at: '2026-01-01T00:00:08.000Z', kind: 'fault-injected', name: 'redis-kill' }],
    injectedAt: '2026-01-01T00:00:08.000Z',
    signals: [
      { id: 'redis-errors', firedAt: '2026-01-01T00:00:09.000Z' },
      { id: 'redis-hit-ratio-collapsed', firedAt: '2026-01-01T00:00:10.000Z' },
    ],
    steps: [
      {
        number: 1,
        title: 'bypass',
        by: 'drill',
        startedAt: '2026-01-01T00:00:12.000Z',
        endedAt: '2026-01-01T00:00:13.000Z',
        exitCode: 0,
      },
    ],
    claims: [
      { id: 'catalogue-reads-keep-working', value: 0, holds: true },
      { id: 'catalogue-reads-stay-fast', value: 0.08, holds: true },
    ],
    recoveredAt: '2026-01-01T00:00:30.000Z',
    sloRestoredAt: '2026-01-01T00:00:40.000Z',
    invariants: { ok: true, violated: [] },
    ...overrides,
  });

  it('passes when everything happened, and names what did not', async () => {
    const plan = planDrill(await loadRunbook('cache-failure'), options);
    expect(verdictsOf(plan, happened({})).every((verdict) => verdict.ok)).toBe(true);
    expect(figuresOf(happened({}))).toEqual({ timeToDetectS: 1, timeToMitigateS: 5, timeToRecoverS: 32 });

    const bad = verdictsOf(
      plan,
      happened({
        signals: [{ id: 'redis-errors' }, { id: 'redis-hit-ratio-collapsed', firedAt: '2026-01-01T00:00:10.000Z' }],
        sloRestoredAt: undefined,
        invariants: { ok: false, violated: ['seat-sold-twice'] },
      }),
    );
    expect(bad.filter((verdict) => !verdict.ok).map((verdict) => verdict.claim)).toEqual([
      'signal redis-errors detects the fault',
      'the SLO holds again within 60 s',
      'no data lost or duplicated (loadctl verify)',
    ]);
    const markdown = drillMarkdown({
      version: 1,
      planned: plan,
      happened: happened({}),
      figures: figuresOf(happened({})),
      verdicts: bad,
      ok: false,
    });
    expect(markdown).toContain('**Verdict: FAILED**');
    expect(markdown).toContain('| +8.0 s | fault-injected: redis-kill |');
  });
});
