// One API worker: wires stores and routes, serves HTTP, applies settings pushed by the primary, answers
// metric collection, and drains gracefully (stop accepting, finish in-flight requests, close pools).
import { createServer } from 'node:http';
import net from 'node:net';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { createRequestHandler } from './app.ts';
import { LeakSwitch, type AppDeps, type ClusterControls } from './deps.ts';
import { IpcChannel, type IpcReady } from './ipc.ts';
import { leakRetainedBytes, registry, workerInfo } from './metrics.ts';
import type { RuntimeSettings } from './settings.ts';
import type { AdminState } from './admin-contract.ts';
import { Bookings } from './store/bookings.ts';
import { Catalogue } from './store/catalogue.ts';
import { Db } from './store/db.ts';
import { QueueStore } from './store/queue.ts';
import { RedisStore } from './store/redis.ts';
import { TokenGate } from './store/token-gate.ts';

export interface WorkerReport {
  pid: number;
  retainedBytes: number;
  metrics: Awaited<ReturnType<typeof registry.getMetricsAsJSON>>;
}

export async function startWorker(
  config: Config,
  initial: RuntimeSettings,
  tokenSecret: string,
  log: Logger,
): Promise<void> {
  const channel = IpcChannel.forWorkerProcess();
  let settings = initial;
  const db = new Db(
    {
      url: config.DATABASE_URL,
      poolMax: settings.poolMax,
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    },
    log,
  );
  const redis = new RedisStore(config.REDIS_URL, config.REDIS_TIMEOUT_MS, log);
  const queue = new QueueStore({ capacity: config.QUEUE_ACTIVE_CAPACITY, tokenTtlMs: config.TOKEN_TTL_SECONDS * 1000 });
  const catalogue = new Catalogue(
    db,
    redis,
    { localTtlMs: config.LOCAL_CACHE_TTL_MS, redisTtlSeconds: config.REDIS_CACHE_TTL_SECONDS },
    log,
  );
  const gate = new TokenGate(tokenSecret, redis, queue, {
    localTtlMs: config.LOCAL_CACHE_TTL_MS,
    tokenTtlMs: config.TOKEN_TTL_SECONDS * 1000,
    staticQueue: () => settings.staticQueue,
  });
  const leak = new LeakSwitch();

  const apply = async (next: RuntimeSettings) => {
    settings = next;
    catalogue.bypassRedis = next.cacheBypass;
    db.setPoolMax(next.poolMax);
    await db.setReplica(next.readReplicaUrl);
  };
  await apply(settings);

  const cluster: ClusterControls = {
    settings: () => settings,
    updateSettings: (patch) => channel.request<AdminState>('update-settings', patch),
    adminState: () => channel.request<AdminState>('admin-state'),
    rollingRestart: () => channel.request<{ restarted: number }>('rolling-restart', {}, 300_000),
    metricsText: () => channel.request<{ contentType: string; text: string }>('cluster-metrics'),
  };
  const deps: AppDeps = { config, log, db, redis, queue, catalogue, gate, bookings: new Bookings(db), cluster, leak };

  let draining = false;
  const handle = createRequestHandler(deps);
  // header/request deadlines are only enforced when Node checks its connections (every 30 s by default):
  // check often enough that a slow-loris client is cut off close to REQUEST_TIMEOUT_MS
  const server = createServer(
    { connectionsCheckingInterval: Math.min(1000, Math.ceil(config.REQUEST_TIMEOUT_MS / 4)) },
    (req, res) => {
      if (draining) res.setHeader('connection', 'close');
      handle(req, res);
    },
  );
  server.keepAliveTimeout = 5000;
  server.headersTimeout = Math.min(config.REQUEST_TIMEOUT_MS, 60_000);
  server.requestTimeout = config.REQUEST_TIMEOUT_MS;

  const drain = async (reason: string): Promise<void> => {
    if (draining) return;
    draining = true;
    log.info({ reason }, 'worker draining');
    // net.Server#close stops accepting without http.Server#close's closing of idle keep-alive connections:
    // closing one just as its client reuses it fails that request. Instead each connection's next response
    // says `connection: close`, and idle ones end at keepAliveTimeout, which clients anticipate.
    const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
    const forced = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS);
    await closed;
    clearTimeout(forced);
    await Promise.allSettled([db.close(), redis.close()]);
    log.info('worker stopped');
    process.exit(0);
  };

  channel.onRequest(async (op, payload) => {
    switch (op) {
      case 'apply-settings':
        await apply(payload as RuntimeSettings);
        return { pid: process.pid };
      case 'collect': {
        leakRetainedBytes.set(leak.retainedBytes);
        const report: WorkerReport = {
          pid: process.pid,
          retainedBytes: leak.retainedBytes,
          metrics: await registry.getMetricsAsJSON(),
        };
        return report;
      }
      case 'shutdown':
        setImmediate(() => void drain('primary asked'));
        return { pid: process.pid };
      default:
        throw new Error(`worker cannot handle ${op}`);
    }
  });
  process.on('SIGTERM', () => void drain('SIGTERM'));
  process.on('SIGINT', () => void drain('SIGINT'));
  process.on('disconnect', () => void drain('primary gone'));

  workerInfo.set(1);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const ready: IpcReady = { loadctl: 'ready' };
  process.send?.(ready);
  log.debug('worker listening');
}
