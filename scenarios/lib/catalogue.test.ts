import { describe, expect, it } from 'vitest';
import { checkShapeWorkload, WORKLOADS } from './catalogue.ts';
import { SHAPE_NAMES } from './shapes.ts';

describe('workload catalogue', () => {
  it('checks a shape and workload pair once, naming the valid choices', () => {
    expect(checkShapeWorkload('peak', 'concerts')).toEqual({ ok: true, shape: 'peak', workload: 'concerts' });
    expect(checkShapeWorkload('nope', 'concerts')).toEqual({
      ok: false,
      problem: "unknown shape 'nope'",
      choices: SHAPE_NAMES,
    });
    expect(checkShapeWorkload('peak', 'nope')).toMatchObject({ ok: false, problem: "unknown workload 'nope'" });
    expect(checkShapeWorkload('browser', 'concerts')).toMatchObject({
      ok: false,
      problem: "the 'concerts' workload does not run under the 'browser' shape",
    });
  });

  it('lets k6 discard bodies only for status-only reads', () => {
    const discarding = Object.entries(WORKLOADS)
      .filter(([, w]) => w.discardResponseBodies)
      .map(([name]) => name);
    expect(discarding).toEqual(['balance', 'recharge', 'concerts', 'schedules', 'seats']);
  });
});
