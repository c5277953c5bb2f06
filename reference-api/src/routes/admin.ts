// The admin surface (admin-contract.ts): mounted only when ADMIN_TOKEN is set, answers only requests
// from loopback carrying that token (compared in constant time). Anything else gets the same 404 as an
// unknown route, so the surface cannot be discovered from outside.
import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { type RequestHandler, Router, json } from 'express';
import pg from 'pg';
import type { Logger } from 'pino';
import {
  ADMIN_TOKEN_HEADER,
  AdminRoutes,
  ChaosBody,
  EnabledBody,
  LeakBody,
  PoolBody,
  QueueRestoreBody,
  ReadRoutingBody,
} from '../admin-contract.ts';
import type { AppDeps } from '../deps.ts';
import type { Handler } from '../http/observe.ts';
import { ApiError, notFoundHandler, parseOr400 } from '../http/errors.ts';
import { route } from '../http/observe.ts';
import { guardClient } from '../store/db.ts';
import { RedisUnavailable } from '../store/redis.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

const digest = (value: string) => createHash('sha256').update(value).digest();

function guard(adminToken: string): RequestHandler {
  const expected = digest(adminToken);
  return (req, res, next) => {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
      notFoundHandler(req, res, next);
      return;
    }
    const given = req.get(ADMIN_TOKEN_HEADER);
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      next(new ApiError(401, 'ADMIN_UNAUTHORIZED', `the ${ADMIN_TOKEN_HEADER} header is missing or wrong`));
      return;
    }
    next();
  };
}

async function assertReachable(url: string, timeoutMs: number, log: Logger): Promise<void> {
  const client = guardClient(
    new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs }),
    'replica-check',
    log,
  );
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new ApiError(400, 'REPLICA_UNREACHABLE', `cannot use ${url} as read replica: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function adminRouter(deps: AppDeps, adminToken: string): Router {
  const { cluster, catalogue, redis, queue, config, log } = deps;
  const router = Router();
  const body = json({ limit: '4kb' });
  router.use('/admin', guard(adminToken));
  const post = (path: string, handler: Handler) => route(router, 'post', path, handler, [body]);
  const queueOp = async <T>(op: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof RedisUnavailable)
        throw new ApiError(503, 'QUEUE_UNAVAILABLE', `redis is unavailable: cannot ${op}`);
      throw error;
    }
  };

  route(router, 'get', AdminRoutes.state, async (_req, res) => void res.json(await cluster.adminState()));
  post(AdminRoutes.cacheBypass, async (req, res) => {
    const { enabled } = parseOr400(EnabledBody, req.body, 'body');
    res.json(await cluster.updateSettings({ cacheBypass: enabled }));
  });
  post(AdminRoutes.cacheWarm, async (_req, res) => void res.json({ keys: await catalogue.warm() }));
  post(AdminRoutes.dbPool, async (req, res) => {
    const { max } = parseOr400(PoolBody, req.body, 'body');
    res.json(await cluster.updateSettings({ poolMax: max }));
  });
  post(AdminRoutes.readRouting, async (req, res) => {
    const { replicaUrl } = parseOr400(ReadRoutingBody, req.body, 'body');
    if (replicaUrl) await assertReachable(replicaUrl, config.DB_CONNECT_TIMEOUT_MS, log);
    res.json(await cluster.updateSettings({ readReplicaUrl: replicaUrl }));
  });
  post(AdminRoutes.leak, async (req, res) => {
    const leak = parseOr400(LeakBody, req.body, 'body');
    const current = cluster.settings().leak;
    res.json(
      await cluster.updateSettings({
        leak: { enabled: leak.enabled, bytesPerRequest: leak.bytesPerRequest ?? current.bytesPerRequest },
      }),
    );
  });
  post(AdminRoutes.heapSnapshot, async (_req, res) => {
    const dir = config.HEAP_SNAPSHOT_DIR ?? join(tmpdir(), 'reference-api-heap');
    mkdirSync(dir, { recursive: true });
    const path = writeHeapSnapshot(join(dir, `heap-${process.pid}-${Date.now()}.heapsnapshot`));
    res.json({ path, bytes: statSync(path).size, pid: process.pid });
  });
  post(AdminRoutes.queueSnapshot, async (_req, res) => {
    res.json(
      await queueOp('snapshot the queue', () => redis.run('queue-snapshot', (client) => queue.snapshot(client))),
    );
  });
  post(AdminRoutes.queueRestore, async (req, res) => {
    const { snapshotId } = parseOr400(QueueRestoreBody, req.body ?? {}, 'body');
    const result = await queueOp('restore the queue', () =>
      redis.run('queue-restore', (client) => queue.restore(client, snapshotId)),
    );
    if (!result)
      throw new ApiError(
        404,
        'SNAPSHOT_NOT_FOUND',
        snapshotId ? `no queue snapshot ${snapshotId}` : 'no queue snapshot has been taken',
      );
    res.json(result);
  });
  post(AdminRoutes.staticQueue, async (req, res) => {
    const { enabled } = parseOr400(EnabledBody, req.body, 'body');
    res.json(await cluster.updateSettings({ staticQueue: enabled }));
  });
  post(AdminRoutes.rollingRestart, async (_req, res) => void res.json(await cluster.rollingRestart()));
  post(AdminRoutes.chaos, async (req, res) => {
    const chaos = parseOr400(ChaosBody, req.body ?? {}, 'body');
    res.json(await cluster.updateSettings({ chaos }));
  });
  return router;
}
