// The stack's state file: what `loadctl up` started, so every other command (run, fault, verify, drill)
// knows where the services are and which PIDs it may touch. Only PIDs recorded here are ever signalled.
import { z } from 'zod';

export const ServiceState = z.object({
  /** PID of the process the stack started; absent when the service is external (REDIS_URL / DATABASE_URL). */
  pid: z.number().int().positive().optional(),
  host: z.string(),
  port: z.number().int().positive(),
  url: z.string(),
  logFile: z.string().optional(),
  dataDir: z.string().optional(),
  /** true when the stack started the process itself and may therefore stop, kill or restart it */
  owned: z.boolean(),
  startedAt: z.string(),
});
export type ServiceState = z.infer<typeof ServiceState>;

export const StackState = z.object({
  version: z.literal(1),
  stateDir: z.string(),
  createdAt: z.string(),
  redis: ServiceState,
  postgres: ServiceState,
  /** a streaming replica of postgres, started on demand for read routing (db-overload runbook) */
  replica: ServiceState.optional(),
  /** toxiproxy in front of redis/postgres, started on demand for the network fault */
  toxiproxy: ServiceState.optional(),
  /** Prometheus: the stack's own (scraping the API and the exporters), or an external one (PROMETHEUS_URL) */
  prometheus: ServiceState.optional(),
  /** the exporters the stack's own Prometheus scrapes Redis and PostgreSQL through */
  redisExporter: ServiceState.optional(),
  postgresExporter: ServiceState.optional(),
  api: ServiceState.extend({
    /** the API's admin token; admin endpoints exist only because the stack configured one */
    adminToken: z.string(),
    workers: z.number().int().positive(),
  }),
});
export type StackState = z.infer<typeof StackState>;
