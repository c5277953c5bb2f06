// The admin surface faults and runbooks use. The API serves it (only when ADMIN_TOKEN is set, only on
// loopback, only with the token in the `X-Admin-Token` header); the CLI's admin client calls it.
// Paths and request bodies live here once so the two sides cannot drift.
import { z } from 'zod';

export const ADMIN_TOKEN_HEADER = 'x-admin-token';

export const AdminRoutes = {
  /** GET → AdminState */
  state: '/admin/state',
  /** POST { enabled } : serve catalogue reads straight from PostgreSQL, skipping Redis */
  cacheBypass: '/admin/cache/bypass',
  /** POST {} : load the catalogue into Redis and the in-process cache now → { keys } */
  cacheWarm: '/admin/cache/warm',
  /** POST { max } : resize each worker's PostgreSQL pool */
  dbPool: '/admin/db/pool',
  /** POST { replicaUrl | null } : route catalogue reads to a replica, or back to the primary */
  readRouting: '/admin/db/read-routing',
  /** POST { enabled, bytesPerRequest? } : retain memory on every request (the memory-leak fault) */
  leak: '/admin/leak',
  /** POST {} : write a heap snapshot of one worker → { path, bytes } */
  heapSnapshot: '/admin/heap-snapshot',
  /** POST {} : copy the waiting queue aside → { snapshotId, entries } */
  queueSnapshot: '/admin/queue/snapshot',
  /** POST { snapshotId? } : put the waiting queue back as snapshotted (latest when omitted), then requeue live tokens that lost their place since → { snapshotId, restored, requeued } */
  queueRestore: '/admin/queue/restore',
  /** POST { enabled } : freeze admission; tokens keep their positions, no one is admitted or expired */
  staticQueue: '/admin/queue/static-mode',
  /** POST {} : replace API workers one at a time, each only after its successor is ready → { restarted } */
  rollingRestart: '/admin/workers/rolling-restart',
  /** POST { latencyMs, errorRate } : artificial slowness / failures, for proving the CI gate fails */
  chaos: '/admin/chaos',
} as const;

export const EnabledBody = z.object({ enabled: z.boolean() });
export const PoolBody = z.object({ max: z.number().int().min(1).max(500) });
export const ReadRoutingBody = z.object({ replicaUrl: z.string().url().nullable() });
export const LeakBody = z.object({
  enabled: z.boolean(),
  bytesPerRequest: z.number().int().min(1).max(10_000_000).optional(),
});
export const QueueRestoreBody = z.object({ snapshotId: z.string().optional() });
export const ChaosBody = z.object({
  latencyMs: z.number().int().min(0).max(60_000).default(0),
  errorRate: z.number().min(0).max(1).default(0),
});

export const AdminState = z.object({
  cacheBypass: z.boolean(),
  poolMax: z.number(),
  readReplicaUrl: z.string().nullable(),
  leak: z.object({ enabled: z.boolean(), bytesPerRequest: z.number(), retainedBytes: z.number() }),
  staticQueue: z.boolean(),
  chaos: z.object({ latencyMs: z.number(), errorRate: z.number() }),
  workers: z.number(),
  /** PIDs of the workers that answered, ascending: who serves now (a rolling restart replaces all of them) */
  workerPids: z.array(z.number()),
});
export type AdminState = z.infer<typeof AdminState>;
