// Environment → validated, typed configuration. Every knob the API reads lives here, with its default,
// so a misspelt or out-of-range value stops the process at start with one clear line instead of
// surfacing later as odd behaviour under load.
import { availableParallelism } from 'node:os';
import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const ConfigSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65_535).default(8080),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/loadctl'),
  /** admin surface exists only when set (≥ 16 chars so it cannot be guessed) */
  ADMIN_TOKEN: z.string().min(16).optional(),
  WORKERS: int(1, 64).default(availableParallelism()),
  HOLD_TTL_SECONDS: int(1, 86_400).default(300),
  QUEUE_ACTIVE_CAPACITY: int(1, 10_000_000).default(5000),
  QUEUE_ADMIT_PER_SECOND: int(1, 1_000_000).default(500),
  TOKEN_TTL_SECONDS: int(10, 86_400).default(600),
  /** HMAC key for queue tokens; the primary generates one per process tree when unset */
  TOKEN_SECRET: z.string().min(32).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DB_POOL_MAX: int(1, 500).default(10),
  DB_STATEMENT_TIMEOUT_MS: int(100, 600_000).default(5000),
  DB_CONNECT_TIMEOUT_MS: int(100, 60_000).default(2000),
  REDIS_TIMEOUT_MS: int(10, 60_000).default(1000),
  REQUEST_TIMEOUT_MS: int(100, 600_000).default(10_000),
  /** how long a worker trusts its own copy of a catalogue response or token status without asking Redis */
  LOCAL_CACHE_TTL_MS: int(0, 10_000).default(1000),
  REDIS_CACHE_TTL_SECONDS: int(1, 86_400).default(60),
  SHUTDOWN_TIMEOUT_MS: int(100, 600_000).default(15_000),
  HEAP_SNAPSHOT_DIR: z.string().min(1).optional(),
});
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

/** Parse the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = ConfigSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  throw new ConfigError(`invalid API configuration — ${problems}`);
}
