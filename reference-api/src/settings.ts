// Runtime settings changed through the admin surface. The primary owns the authoritative copy and
// pushes every change to all workers, so a setting applies to the whole API, not to whichever worker
// happened to receive the admin request.
import type { Config } from './config.ts';

export interface RuntimeSettings {
  cacheBypass: boolean;
  poolMax: number;
  readReplicaUrl: string | null;
  leak: { enabled: boolean; bytesPerRequest: number };
  staticQueue: boolean;
  chaos: { latencyMs: number; errorRate: number };
}

export const DEFAULT_LEAK_BYTES_PER_REQUEST = 64 * 1024;

export function initialSettings(config: Config): RuntimeSettings {
  return {
    cacheBypass: false,
    poolMax: config.DB_POOL_MAX,
    readReplicaUrl: null,
    leak: { enabled: false, bytesPerRequest: DEFAULT_LEAK_BYTES_PER_REQUEST },
    staticQueue: false,
    chaos: { latencyMs: 0, errorRate: 0 },
  };
}

export type SettingsPatch = Partial<RuntimeSettings>;
