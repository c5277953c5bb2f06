// The deployment a target needs, from the measured cost per request of each component: busy cores by the
// utilisation law (U = U₀ + X·S), provisioned at a stated utilisation so there is headroom, and the concurrency by
// Little's law (L = X·R). A closed-loop target (N VUs with think time Z) carries X = N / (Z + R).
import type { CostModel } from './model.ts';
import { COMPONENT_LABEL, COMPONENTS, type Component } from './step-types.ts';

/** Provision for this utilisation: 40 % headroom absorbs bursts, GC pauses and a lost instance's traffic. */
export const TARGET_UTILISATION = 0.6;

export interface SizingTarget {
  name: string;
  /** requests per second */
  rate: number;
  /** how the rate follows from the target, e.g. Little's law for a VU count */
  derivation: string;
}

/** The seed's peak (5,000 iterations/s, one request each) and its 3,000-VU load with 1 s think time. */
export function seedTargets(responseS: number, peakRate = 5000, loadVus = 3000, thinkS = 1): SizingTarget[] {
  const closed = loadVus / (thinkS + responseS);
  return [
    {
      name: `peak ${peakRate.toLocaleString('en')}/s`,
      rate: peakRate,
      derivation: `open loop: ${peakRate} requests/s asked`,
    },
    {
      name: `load ${loadVus.toLocaleString('en')} VUs`,
      rate: Math.round(closed),
      derivation: `closed loop, X = N / (Z + R) = ${loadVus} / (${thinkS} s + ${(responseS * 1000).toFixed(1)} ms) = ${Math.round(closed)}/s`,
    },
  ];
}

export interface SizingRow {
  component: Component;
  cpuMsPerRequest: number;
  /** U₀ + X·S: cores busy at the target rate */
  busyCores: number;
  /** busyCores / TARGET_UTILISATION, rounded up to whole cores */
  cores: number;
  /** how to deploy them */
  as: string;
}

export function sizeFor(target: SizingTarget, costs: CostModel, utilisation = TARGET_UTILISATION): SizingRow[] {
  return COMPONENTS.flatMap((component) => {
    const cost = costs.perRequestMs[component];
    if (cost === undefined) return [];
    const busyCores = (costs.baselineCores[component] ?? 0) + (target.rate * cost) / 1000;
    const cores = Math.max(1, Math.ceil(busyCores / utilisation));
    const as: Record<Component, string> = {
      api: `${cores} worker${cores === 1 ? '' : 's'} (WORKERS=${cores}), one core each${cores === 1 ? '; a second instance for availability' : ''}`,
      postgres: `${cores} core${cores === 1 ? '' : 's'} for PostgreSQL`,
      redis:
        busyCores / utilisation <= 1
          ? 'one Redis (single-threaded: one core is its ceiling)'
          : `more than one Redis thread can do: ${cores} shards or read replicas`,
      k6: `${cores} core${cores === 1 ? '' : 's'} of load generator, away from the API (--segments ${cores} on other hosts, or loadctl k8s)`,
    };
    return [{ component, cpuMsPerRequest: cost, busyCores, cores, as: as[component] }];
  });
}

/** Little's law: requests in flight (and so VUs an open-loop k6 needs) at rate X with response time R. */
export function inFlight(rate: number, responseS: number): number {
  return Math.ceil(rate * responseS);
}

export function sizingMarkdown(
  target: SizingTarget,
  costs: CostModel,
  responseS: number,
  utilisation = TARGET_UTILISATION,
): string[] {
  const rows = sizeFor(target, costs, utilisation);
  return [
    `**${target.name}** — ${target.derivation}; provisioned at ${Math.round(utilisation * 100)} % utilisation (${Math.round((1 - utilisation) * 100)} % headroom):`,
    '',
    `| component | unloaded U₀ | CPU per request S | busy cores U₀ + X·S | cores at ${Math.round(utilisation * 100)} % | as |`,
    '|---|---:|---:|---:|---:|---|',
    ...rows.map(
      (row) =>
        `| ${COMPONENT_LABEL[row.component]} | ${(costs.baselineCores[row.component] ?? 0).toFixed(2)} | ${row.cpuMsPerRequest.toFixed(3)} ms | ${row.busyCores.toFixed(2)} | ${row.cores} | ${row.as} |`,
    ),
    '',
    `In flight (Little's law, L = X·R): ${target.rate} × ${(responseS * 1000).toFixed(1)} ms = ${inFlight(target.rate, responseS)} requests at once — ` +
      `the VUs an open-loop k6 needs at least, and the API's concurrent requests.`,
  ];
}
