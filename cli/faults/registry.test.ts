import { describe, expect, it } from 'vitest';
import { FAULTS, faultByName, faultParams } from './registry.ts';

describe('fault registry', () => {
  it('offers every param any fault declares once, saying what it means to each fault taking it', () => {
    const params = faultParams();
    const declared = new Set(FAULTS.flatMap((fault) => Object.keys(fault.params)));
    expect(params.map((param) => param.name).sort()).toEqual([...declared].sort());
    expect(params.find((param) => param.name === 'percent')?.description).toMatch(/^queue-corrupt: .+; network: .+/);
  });

  it('names each fault once, with its default among its modes', () => {
    expect(new Set(FAULTS.map((fault) => fault.name)).size).toBe(FAULTS.length);
    for (const fault of FAULTS) expect(fault.modes, fault.name).toContain(fault.defaultMode);
    expect(() => faultByName('meltdown')).toThrow(/no fault "meltdown"/);
  });
});
