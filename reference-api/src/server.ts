// Entry point: `node --import tsx reference-api/src/server.ts`. The primary forks WORKERS workers (which
// share the port through node:cluster), owns the runtime settings and pushes them to every worker, runs
// the once-per-deployment jobs (admission, hold expiry), aggregates /metrics across processes, performs
// rolling restarts (successor listening before its predecessor drains) and shuts down gracefully.
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import type { AdminState } from './admin-contract.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { IpcChannel } from './ipc.ts';
import { startJobs } from './jobs.ts';
import { registry, workerInfo } from './metrics.ts';
import { initialSettings, type RuntimeSettings, type SettingsPatch } from './settings.ts';
import { Bookings } from './store/bookings.ts';
import { Db } from './store/db.ts';
import { QueueStore } from './store/queue.ts';
import { RedisStore } from './store/redis.ts';
import { startWorker, type WorkerReport } from './worker.ts';

// Workers accept connections themselves from the shared socket. With the default round robin, the primary
// accepts each connection and hands it over by IPC, and a handover in flight when a worker is killed leaves
// the client's connection open and unanswered forever (nodejs/node#3551 and kin; it hung our SIGKILL tests).
cluster.schedulingPolicy = cluster.SCHED_NONE;

const SETTINGS_ENV = 'LOADCTL_API_SETTINGS';
const READY_TIMEOUT_MS = 30_000;
const RESPAWN_DELAY_MS = 1000;

interface Member {
  worker: Worker;
  channel: IpcChannel;
  ready: Promise<void>;
}

class Primary {
  private readonly members = new Map<number, Member>();
  /** workers being replaced or stopped on purpose: their exit is not a crash */
  private readonly retiring = new Set<number>();
  private settings: RuntimeSettings;
  private shuttingDown = false;
  private restarting = false;
  private stopJobs: () => void = () => undefined;
  private readonly db: Db;
  private readonly redis: RedisStore;

  constructor(
    private readonly config: Config,
    private readonly tokenSecret: string,
    private readonly log: Logger,
  ) {
    this.settings = initialSettings(config);
    this.db = new Db(
      {
        url: config.DATABASE_URL,
        poolMax: 2,
        statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
        connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
      },
      log,
    );
    this.redis = new RedisStore(config.REDIS_URL, config.REDIS_TIMEOUT_MS, log);
  }

  async start(): Promise<void> {
    workerInfo.set(0);
    const queue = new QueueStore({
      capacity: this.config.QUEUE_ACTIVE_CAPACITY,
      tokenTtlMs: this.config.TOKEN_TTL_SECONDS * 1000,
    });
    this.stopJobs = startJobs({
      config: this.config,
      log: this.log,
      redis: this.redis,
      queue,
      bookings: new Bookings(this.db),
      staticQueue: () => this.settings.staticQueue,
    });
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal));
    await Promise.all(Array.from({ length: this.config.WORKERS }, () => this.fork().ready));
    this.log.info(
      { host: this.config.HOST, port: this.config.PORT, workers: this.config.WORKERS, pid: process.pid },
      'reference API listening',
    );
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void this.shutdown(signal));
  }

  private fork(): Member {
    const worker = cluster.fork({ TOKEN_SECRET: this.tokenSecret, [SETTINGS_ENV]: JSON.stringify(this.settings) });
    const channel = IpcChannel.forWorker(worker);
    channel.onRequest((op, payload) => this.handle(worker, op, payload));
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker ${worker.process.pid} not ready after ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
      worker.on('message', (message: unknown) => {
        if (typeof message === 'object' && message !== null && 'loadctl' in message && message.loadctl === 'ready') {
          clearTimeout(timer);
          resolve();
        }
      });
      worker.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`worker ${worker.process.pid} exited before it was ready`));
      });
    });
    const member = { worker, channel, ready };
    this.members.set(worker.id, member);
    return member;
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    this.members.get(worker.id)?.channel.close('worker exited');
    this.members.delete(worker.id);
    if (this.retiring.delete(worker.id) || this.shuttingDown) return;
    this.log.error({ pid: worker.process.pid, code, signal }, 'worker died; starting a replacement');
    setTimeout(() => {
      if (!this.shuttingDown)
        this.fork().ready.catch((error: unknown) => this.log.error({ err: error }, 'replacement worker failed'));
    }, RESPAWN_DELAY_MS);
  }

  private async handle(origin: Worker, op: string, payload: unknown): Promise<unknown> {
    switch (op) {
      case 'update-settings':
        return this.updateSettings(payload as SettingsPatch);
      case 'admin-state':
        return this.adminState();
      case 'rolling-restart':
        return this.rollingRestart(origin);
      case 'cluster-metrics':
        return this.clusterMetrics();
      default:
        throw new Error(`primary cannot handle ${op}`);
    }
  }

  private async updateSettings(patch: SettingsPatch): Promise<AdminState> {
    this.settings = { ...this.settings, ...patch };
    this.log.info({ settings: patch }, 'settings changed');
    await Promise.all(
      [...this.members.values()].map((member) => member.channel.request('apply-settings', this.settings)),
    );
    return this.adminState();
  }

  private async reports(): Promise<WorkerReport[]> {
    const live = [...this.members.values()].filter(
      (member) => member.worker.isConnected() && !this.retiring.has(member.worker.id),
    );
    const settled = await Promise.allSettled(
      live.map((member) => member.channel.request<WorkerReport>('collect', {}, 5000)),
    );
    return settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  }

  private async adminState(): Promise<AdminState> {
    const reports = await this.reports();
    return {
      cacheBypass: this.settings.cacheBypass,
      poolMax: this.settings.poolMax,
      readReplicaUrl: this.settings.readReplicaUrl,
      leak: { ...this.settings.leak, retainedBytes: reports.reduce((sum, report) => sum + report.retainedBytes, 0) },
      staticQueue: this.settings.staticQueue,
      chaos: this.settings.chaos,
      workers: reports.length,
      workerPids: reports.map((report) => report.pid).sort((a, b) => a - b),
    };
  }

  private async clusterMetrics(): Promise<{ contentType: string; text: string }> {
    const reports = await this.reports();
    const merged = AggregatorRegistry.aggregate([
      ...reports.map((report) => report.metrics),
      await registry.getMetricsAsJSON(),
    ]);
    return { contentType: merged.contentType, text: await merged.metrics() };
  }

  /** Replace every worker, one at a time; the one that asked goes last, after its answer is on its way. */
  private async rollingRestart(origin: Worker): Promise<{ restarted: number }> {
    if (this.restarting) throw new Error('a rolling restart is already in progress');
    this.restarting = true;
    try {
      const old = [...this.members.values()].sort((a, b) => Number(a.worker === origin) - Number(b.worker === origin));
      for (const member of old) {
        await this.fork().ready;
        if (member.worker === origin) setImmediate(() => void this.retire(member));
        else await this.retire(member);
      }
      this.log.info({ restarted: old.length }, 'rolling restart complete');
      return { restarted: old.length };
    } finally {
      this.restarting = false;
    }
  }

  /** Ask a worker to drain and wait for it to exit; kill it if it overstays SHUTDOWN_TIMEOUT_MS. */
  private retire(member: Member): Promise<void> {
    const { worker, channel } = member;
    this.retiring.add(worker.id);
    return new Promise<void>((resolve) => {
      if (worker.isDead()) return resolve();
      const killer = setTimeout(() => worker.process.kill('SIGKILL'), this.config.SHUTDOWN_TIMEOUT_MS + 2000);
      worker.once('exit', () => {
        clearTimeout(killer);
        resolve();
      });
      channel.request('shutdown', {}, 2000).catch(() => worker.process.kill('SIGTERM'));
    });
  }

  private async shutdown(signal: string): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.log.info({ signal }, 'shutting down: draining workers');
    this.stopJobs();
    await Promise.all([...this.members.values()].map((member) => this.retire(member)));
    await Promise.allSettled([this.db.close(), this.redis.close()]);
    this.log.info('reference API stopped');
    process.exit(0);
  }
}

function main(): void {
  const log = pino({
    level: process.env.LOG_LEVEL ?? 'info',
    base: { pid: process.pid, role: cluster.isPrimary ? 'primary' : 'worker' },
  });
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(2);
  }
  if (cluster.isPrimary) {
    const primary = new Primary(config, config.TOKEN_SECRET ?? randomBytes(32).toString('base64url'), log);
    primary.start().catch((error: unknown) => {
      log.fatal({ err: error }, 'API failed to start');
      process.exit(1);
    });
    return;
  }
  const settings = JSON.parse(process.env[SETTINGS_ENV] ?? 'null') as RuntimeSettings | null;
  const secret = config.TOKEN_SECRET;
  if (!settings || !secret) throw new Error('worker started without settings or token secret from the primary');
  startWorker(config, settings, secret, log).catch((error: unknown) => {
    log.fatal({ err: error }, 'worker failed to start');
    process.exit(1);
  });
}

main();
