// Where each service of a stack keeps its files inside the state dir, and how its processes are recognised
// as the stack's own. Both are derived from the state dir alone.
import { join } from 'node:path';
import { POSTGRES_EXECUTABLES, postgresHome, type PostgresLayout } from './postgres.ts';
import type { ProcessIdentity } from './processes.ts';
import {
  API_EXECUTABLES,
  POSTGRES_EXPORTER_EXECUTABLES,
  PROMETHEUS_EXECUTABLES,
  REDIS_EXECUTABLES,
  REDIS_EXPORTER_EXECUTABLES,
  TOXIPROXY_EXECUTABLES,
} from './services.ts';

export type ServiceName =
  | 'redis'
  | 'postgres'
  | 'replica'
  | 'toxiproxy'
  | 'api'
  | 'prometheus'
  | 'redisExporter'
  | 'postgresExporter';

export interface Layout {
  stateDir: string;
  logsDir: string;
  redisDir: string;
  /** Prometheus' config, rules and TSDB */
  prometheusDir: string;
  /** the state dir, or where PostgreSQL's dirs go when the `postgres` user cannot reach it */
  pgHome: string;
  postgres: PostgresLayout;
  replica: PostgresLayout;
  logs: Record<ServiceName, string>;
}

export function layoutOf(stateDir: string): Layout {
  const logsDir = join(stateDir, 'logs');
  const logs = {
    redis: join(logsDir, 'redis.log'),
    postgres: join(logsDir, 'postgres.log'),
    replica: join(logsDir, 'replica.log'),
    toxiproxy: join(logsDir, 'toxiproxy.log'),
    api: join(logsDir, 'api.log'),
    prometheus: join(logsDir, 'prometheus.log'),
    redisExporter: join(logsDir, 'redis-exporter.log'),
    postgresExporter: join(logsDir, 'postgres-exporter.log'),
  };
  const pgHome = postgresHome(stateDir);
  const socketDir = join(pgHome, 'sockets');
  return {
    stateDir,
    logsDir,
    redisDir: join(stateDir, 'redis'),
    prometheusDir: join(stateDir, 'prometheus'),
    pgHome,
    postgres: { dataDir: join(pgHome, 'pg'), socketDir, logFile: logs.postgres, stateDir },
    replica: { dataDir: join(pgHome, 'replica'), socketDir, logFile: logs.replica, stateDir },
    logs,
  };
}

/**
 * How each service's processes are recognised as ours — see isOurProcess. Derived from the state dir's
 * layout, never from paths a state file names, so a crafted state file cannot vouch for a foreign process.
 */
export function identityOf(stateDir: string, name: ServiceName): ProcessIdentity {
  const layout = layoutOf(stateDir);
  switch (name) {
    case 'redis':
      return { executables: REDIS_EXECUTABLES, stateDir, workDir: layout.redisDir };
    case 'postgres':
      return { executables: POSTGRES_EXECUTABLES, stateDir, workDir: layout.postgres.dataDir };
    case 'replica':
      return { executables: POSTGRES_EXECUTABLES, stateDir, workDir: layout.replica.dataDir };
    case 'toxiproxy':
      return { executables: TOXIPROXY_EXECUTABLES, stateDir };
    case 'api':
      return { executables: API_EXECUTABLES, stateDir };
    case 'prometheus':
      return { executables: PROMETHEUS_EXECUTABLES, stateDir, workDir: layout.prometheusDir };
    case 'redisExporter':
      return { executables: REDIS_EXPORTER_EXECUTABLES, stateDir };
    case 'postgresExporter':
      return { executables: POSTGRES_EXPORTER_EXECUTABLES, stateDir };
  }
}
