// Is a recorded service healthy: its process alive and provably ours, and the service answering its probe.
import type { ServiceState } from '../shared/stack-state.ts';
import { identityOf, type ServiceName } from './layout.ts';
import { pingPostgres } from './postgres.ts';
import { isAlive, isOurProcess } from './processes.ts';
import { httpOk, pingRedis } from './services.ts';

export interface ServiceStatus {
  name: ServiceName;
  owned: boolean;
  pid?: number;
  /** the recorded PID is alive and provably ours (always false for external services) */
  running: boolean;
  port: number;
  url: string;
  healthy: boolean;
  /** "ok" or why not */
  detail: string;
  uptimeSeconds?: number;
  logFile?: string;
}

const HEALTH_PROBES: Record<ServiceName, (service: ServiceState) => Promise<boolean>> = {
  redis: (service) => pingRedis(service.url),
  postgres: (service) => pingPostgres(service.url),
  replica: (service) => pingPostgres(service.url),
  toxiproxy: (service) => httpOk(`${service.url}/version`),
  api: (service) => httpOk(`${service.url}/health/ready`),
  prometheus: (service) => httpOk(`${service.url}/-/ready`),
  redisExporter: (service) => httpOk(`${service.url}/`),
  postgresExporter: (service) => httpOk(`${service.url}/`),
};

export async function serviceStatus(
  stateDir: string,
  name: ServiceName,
  service: ServiceState,
): Promise<ServiceStatus> {
  const running = service.owned && service.pid !== undefined && isOurProcess(service.pid, identityOf(stateDir, name));
  const base = {
    name,
    owned: service.owned,
    pid: service.pid,
    running,
    port: service.port,
    url: service.url,
    logFile: service.logFile,
  };
  if (name === 'api' && !service.owned) return { ...base, healthy: false, detail: 'not started (up without the API)' };
  if (service.owned && !running) {
    return {
      ...base,
      healthy: false,
      detail:
        service.pid !== undefined && isAlive(service.pid)
          ? `PID ${service.pid} is not the process we started`
          : 'not running',
    };
  }
  const uptimeSeconds = Math.max(0, Math.round((Date.now() - Date.parse(service.startedAt)) / 1000));
  try {
    const healthy = await HEALTH_PROBES[name](service);
    return { ...base, healthy, detail: healthy ? 'ok' : 'not ready', uptimeSeconds };
  } catch (error) {
    return {
      ...base,
      healthy: false,
      detail: `not answering: ${error instanceof Error ? error.message : String(error)}`,
      uptimeSeconds,
    };
  }
}
