// network: degrade the links from the API to Redis and/or PostgreSQL with toxiproxy toxics (latency,
// jitter, timeouts, connection resets). Needs a stack whose API connects through toxiproxy
// (`loadctl fault proxy on`); toxics are named loadctl-* so recover removes exactly ours.
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { requireOwned } from '../stack/stopping.ts';
import { intParam } from './params.ts';
import { proxyOff, proxyOn, toxiproxyCall } from './proxies.ts';
import type { Fault, FaultContext } from './types.ts';

type Proxy = {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: Array<{ name: string; type: string }>;
};
type Toxic = {
  name: string;
  type: string;
  stream: 'downstream' | 'upstream';
  toxicity: number;
  attributes: Record<string, number>;
};

const TOXIC_PREFIX = 'loadctl-';
const TARGETS = ['redis', 'postgres', 'both'] as const;

const PROXY_ON_FIX = 'run `loadctl fault proxy on` first: it starts toxiproxy and reconnects the API through it';

/** The stack's toxiproxy; a stack without one gets the fix that applies here (not `loadctl up`). */
function toxiproxyOf(ctx: FaultContext): { url: string } {
  if (!ctx.state.toxiproxy)
    throw new UserError(
      'the API does not connect through toxiproxy, so the network fault has nothing to degrade.',
      PROXY_ON_FIX,
      ExitCode.environment,
    );
  return requireOwned(ctx.state.toxiproxy, 'toxiproxy', 'network');
}

/** the proxies that lead to the chosen services, found by their upstream port */
async function proxiesFor(ctx: FaultContext, toxiproxyUrl: string, target: string): Promise<Proxy[]> {
  const wantedPorts = [
    target !== 'postgres' && ctx.state.redis.port,
    target !== 'redis' && ctx.state.postgres.port,
  ].filter((port): port is number => typeof port === 'number');
  const proxies = Object.values(await toxiproxyCall<Record<string, Proxy>>(toxiproxyUrl, 'GET', '/proxies'));
  const chosen = proxies.filter((proxy) => wantedPorts.includes(Number(proxy.upstream.split(':').at(-1))));
  if (chosen.length !== wantedPorts.length) {
    throw new UserError(`toxiproxy has no proxy in front of ${target}.`, PROXY_ON_FIX, ExitCode.environment);
  }
  return chosen;
}

function toxicFor(mode: string, params: Record<string, string>): Omit<Toxic, 'name'> {
  const latency = intParam(params, 'latency', 200, 0, 60_000);
  switch (mode) {
    case 'latency':
      return { type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency, jitter: 0 } };
    case 'jitter':
      return {
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latency, jitter: intParam(params, 'jitter', latency, 0, 60_000) },
      };
    case 'timeout':
      // data stops flowing and the connection closes after the timeout (0 = never): the API's own timeouts must fire
      return {
        type: 'timeout',
        stream: 'downstream',
        toxicity: 1,
        attributes: { timeout: intParam(params, 'timeout', 0, 0, 600_000) },
      };
    default:
      return {
        type: 'reset_peer',
        stream: 'downstream',
        toxicity: intParam(params, 'percent', 100, 1, 100) / 100,
        attributes: { timeout: 0 },
      };
  }
}

export const network: Fault = {
  name: 'network',
  description: 'slow down, stall or reset the connections from the API to Redis/PostgreSQL (toxiproxy)',
  modes: ['latency', 'jitter', 'timeout', 'reset'],
  defaultMode: 'latency',
  runbookId: 'network-degradation',
  drillWorkload: 'journey',
  params: {
    target: 'redis | postgres | both (default redis)',
    latency: 'latency/jitter modes: added milliseconds (default 200)',
    jitter: 'jitter mode: ± milliseconds (default = latency)',
    timeout: 'timeout mode: close after N ms, 0 = hang (default 0)',
    percent: 'reset mode: share of connections reset (default 100)',
  },

  async inject(ctx, { mode, params }) {
    const target = params.target ?? 'redis';
    if (!TARGETS.some((known) => known === target))
      throw new UserError(`--target must be one of ${TARGETS.join(', ')}.`);
    const toxic = toxicFor(mode, params);
    const base = toxiproxyOf(ctx).url;
    const proxies = await proxiesFor(ctx, base, target);
    for (const proxy of proxies) {
      const name = `${TOXIC_PREFIX}${mode}`;
      if (!proxy.toxics.some((existing) => existing.name === name))
        await toxiproxyCall(base, 'POST', `/proxies/${proxy.name}/toxics`, { ...toxic, name });
    }
    return {
      details: { target, proxies: proxies.map((proxy) => proxy.name), toxic },
      summary: `${mode} toxic on ${proxies.map((proxy) => proxy.name).join(', ')}`,
    };
  },

  async prepare(ctx) {
    const routed =
      ctx.state.toxiproxy !== undefined &&
      (await proxiesFor(ctx, ctx.state.toxiproxy.url, 'both').then(
        () => true,
        () => false,
      ));
    if (routed) return undefined;
    const { summary } = await proxyOn(ctx.state);
    return { summary, undo: async (after) => (await proxyOff(after.state)).summary };
  },

  async recover(ctx) {
    if (!ctx.state.toxiproxy) return 'no toxiproxy in this stack: no toxic to remove';
    const base = toxiproxyOf(ctx).url;
    const proxies = Object.values(await toxiproxyCall<Record<string, Proxy>>(base, 'GET', '/proxies'));
    let removed = 0;
    for (const proxy of proxies) {
      for (const toxic of proxy.toxics.filter((candidate) => candidate.name.startsWith(TOXIC_PREFIX))) {
        await toxiproxyCall(base, 'DELETE', `/proxies/${proxy.name}/toxics/${toxic.name}`);
        removed++;
      }
    }
    return `removed ${removed} toxic(s)`;
  },

  async observe(ctx) {
    if (!ctx.state.toxiproxy) return { healthy: true, detail: 'no toxiproxy in this stack' };
    const proxies = Object.values(
      await toxiproxyCall<Record<string, Proxy>>(ctx.state.toxiproxy.url, 'GET', '/proxies'),
    );
    const ours = proxies.flatMap((proxy) =>
      proxy.toxics.filter((toxic) => toxic.name.startsWith(TOXIC_PREFIX)).map((toxic) => `${proxy.name}:${toxic.type}`),
    );
    return { healthy: ours.length === 0, detail: ours.length ? `toxics: ${ours.join(', ')}` : 'no loadctl toxics' };
  },
};
