import { describe, expect, it } from 'vitest';
import { SEED_PEAK_STAGES } from '../../scenarios/lib/shapes.ts';
import { k6ErrorLine, plannedScenarios } from './inspect.ts';
import { scriptName, shapeScenarios, shapeWrapperSource, subjectLabels } from './subject.ts';

describe('run subjects', () => {
  it('names a script by its file and its shape, or "own" under its own options', () => {
    expect(subjectLabels({ kind: 'script', file: '/x/My Test.ts' })).toEqual({ shape: 'own', workload: 'My-Test' });
    expect(subjectLabels({ kind: 'script', file: '/x/t.js', shape: 'peak' })).toEqual({ shape: 'peak', workload: 't' });
    expect(subjectLabels({ kind: 'workload', shape: 'load', workload: 'concerts' })).toEqual({
      shape: 'load',
      workload: 'concerts',
    });
    expect(scriptName('/a/archive.tar')).toBe('archive');
  });

  it("puts the seed's peak stages, scaled, around a script's default function", () => {
    const subject = { kind: 'script', file: '/x/t.js', shape: 'peak' } as const;
    const scenarios = shapeScenarios(subject, { scale: 0.05 });
    expect(scenarios?.peak_test).toMatchObject({
      executor: 'ramping-arrival-rate',
      stages: SEED_PEAK_STAGES.map((s) => ({ ...s, target: s.target * 0.05 })),
    });
    const source = shapeWrapperSource('/x/t.js', 'peak', { scale: 0.05 }, scenarios ?? {});
    expect(source).toContain('export * from "/x/t.js";');
    expect(source).toContain('export default script.default;');
    expect(source).toContain('"peak_test"');
    expect(shapeScenarios({ kind: 'script', file: '/x/t.js' }, { scale: 1 })).toBeUndefined();
  });

  it("reads the planned scenarios from k6 inspect's output, nulls as k6's defaults", () => {
    const inspected = {
      scenarios: {
        steady: { executor: 'constant-vus', vus: 2, duration: '3s', exec: null, startTime: null },
        ramp: { executor: 'ramping-vus', startVUs: null, stages: [{ duration: '5s', target: 4 }] },
        once: { executor: 'shared-iterations', iterations: 2, vus: 1 },
      },
    };
    expect(plannedScenarios(inspected)).toEqual({
      steady: { executor: 'constant-vus', vus: 2, duration: '3s' },
      ramp: { executor: 'ramping-vus', startVUs: 1, stages: [{ duration: '5s', target: 4 }] },
    });
  });
});

describe("k6's error line", () => {
  it('is the last level=error message, its stack trace on the same line', () => {
    const log =
      'time="x" level=error msg="Error: no seed data\\n\\tat setup (file:///t.js:3:33(3))\\n" hint="script exception"';
    expect(k6ErrorLine(log)).toBe('Error: no seed data at setup (file:///t.js:3:33(3))');
    expect(k6ErrorLine('first\nlast line\n')).toBe('last line');
  });
});
