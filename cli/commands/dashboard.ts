import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { grafanaDashboard } from '../runbooks/dashboard.ts';
import { loadRunbooks } from '../runbooks/load.ts';

export function register(program: Command): void {
  const dashboard = program.command('dashboard').description("Grafana dashboards of the runbooks' signals");
  dashboard
    .command('export')
    .description("write a Grafana dashboard (JSON): every runbook's signals beside k6's request rate and latency")
    .option('--out <file>', 'write to this file instead of stdout')
    .addHelpText(
      'after',
      `
Import it in Grafana (Dashboards → New → Import → upload the file) and pick a Prometheus data source: the
stack's (\`loadctl status\` prints its port) or the one that scrapes your API. Annotations mark the windows in
which each runbook's alerts fired (the rules of \`loadctl runbook export --alerts\`).

Examples:
  $ loadctl dashboard export --out loadctl-dashboard.json`,
    )
    .action(async (opts: { out?: string }) => {
      const json = `${JSON.stringify(grafanaDashboard(await loadRunbooks()), null, 2)}\n`;
      if (opts.out) writeFileSync(opts.out, json);
      else process.stdout.write(json);
    });
}
