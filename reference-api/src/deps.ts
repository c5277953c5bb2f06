// What a worker's routes depend on, wired once in worker.ts and passed to app.ts.
import type { Logger } from 'pino';
import type { AdminState } from './admin-contract.ts';
import type { Config } from './config.ts';
import type { RuntimeSettings, SettingsPatch } from './settings.ts';
import type { Bookings } from './store/bookings.ts';
import type { Catalogue } from './store/catalogue.ts';
import type { Db } from './store/db.ts';
import type { QueueStore } from './store/queue.ts';
import type { RedisStore } from './store/redis.ts';
import type { TokenGate } from './store/token-gate.ts';

/** Cluster-wide actions: in a worker they go through the primary, which applies them to every worker. */
export interface ClusterControls {
  settings(): RuntimeSettings;
  updateSettings(patch: SettingsPatch): Promise<AdminState>;
  adminState(): Promise<AdminState>;
  rollingRestart(): Promise<{ restarted: number }>;
  metricsText(): Promise<{ contentType: string; text: string }>;
}

export interface AppDeps {
  config: Config;
  log: Logger;
  db: Db;
  redis: RedisStore;
  queue: QueueStore;
  catalogue: Catalogue;
  gate: TokenGate;
  bookings: Bookings;
  cluster: ClusterControls;
  leak: LeakSwitch;
}

/** The memory-leak fault: retains `bytesPerRequest` on every API request while enabled. */
export class LeakSwitch {
  private readonly retained: Buffer[] = [];
  retainedBytes = 0;

  retain(bytes: number): void {
    this.retained.push(Buffer.allocUnsafe(bytes).fill(1));
    this.retainedBytes += bytes;
  }
}
