import type { Command } from 'commander';
import { alertRulesYaml } from '../runbooks/alerts.ts';
import { loadRunbooks } from '../runbooks/load.ts';
import { paint } from '../shared/output.ts';
import { DEFAULT_API_WORKERS, up } from '../stack/lifecycle.ts';
import { stateFilePath } from '../stack/state-file.ts';
import { wholeNumber } from './option-parsers.ts';

export function register(program: Command): void {
  program
    .command('up')
    .description('start the embedded stack: its own redis-server, PostgreSQL, the reference API and Prometheus')
    .option('--workers <n>', 'API worker processes', wholeNumber(1, 64), DEFAULT_API_WORKERS)
    .option('--json', 'print the stack state as JSON (progress goes to stderr)')
    .addHelpText(
      'after',
      `
Starts redis-server and PostgreSQL on free ports with fresh data under the state dir
($LOADCTL_STATE_DIR, default .loadctl/), applies the schema and seed data, and starts the API.
Running it again while the stack is healthy reuses it; a crashed stack is cleaned up and restarted.
Prometheus scrapes the API and, through their exporters, Redis and PostgreSQL every second, receives
k6's metrics during runs (remote write) and evaluates the runbooks' alert rules.
REDIS_URL / DATABASE_URL / PROMETHEUS_URL make it use those services instead of starting its own.

Examples:
  $ loadctl up
  $ loadctl up --workers 1
  $ DATABASE_URL=postgres://me@127.0.0.1:5433/booking loadctl up
  $ loadctl up --json | jq -r .api.url`,
    )
    .action(async (opts: { workers: number; json?: boolean }) => {
      const progressStream = opts.json ? process.stderr : process.stdout;
      const state = await up({
        apiWorkers: opts.workers,
        alertRules: alertRulesYaml(await loadRunbooks(), process.env.LOADCTL_RUNBOOK_BASE_URL),
        onProgress: (line) => progressStream.write(`${paint.dim('›')} ${line}\n`),
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        [
          '',
          `${paint.bold('API')}         ${state.api.url}  (${state.api.workers} workers, PID ${state.api.pid ?? '-'})`,
          `${paint.bold('Redis')}       ${state.redis.url}${state.redis.owned ? `  (PID ${state.redis.pid})` : '  (external)'}`,
          `${paint.bold('PostgreSQL')}  ${state.postgres.url}${state.postgres.owned ? `  (PID ${state.postgres.pid})` : '  (external)'}`,
          ...(state.prometheus
            ? [
                `${paint.bold('Prometheus')}  ${state.prometheus.url}${state.prometheus.owned ? `  (PID ${state.prometheus.pid})` : '  (external)'}`,
              ]
            : []),
          `state: ${stateFilePath(state.stateDir)} — see \`loadctl status\`; stop with \`loadctl down\``,
          '',
        ].join('\n'),
      );
    });
}
