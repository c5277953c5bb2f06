import { Option, type Command } from 'commander';
import Table from 'cli-table3';
import { UserError } from '../shared/errors.ts';
import { faultContext, faultStatuses, injectFault, recoverFault } from '../faults/engine.ts';
import { proxyOff, proxyOn } from '../faults/proxies.ts';
import { FAULTS, faultByName, faultParams } from '../faults/registry.ts';
import { paint, useColour } from '../shared/output.ts';
import { seconds } from './option-parsers.ts';

const print = (json: boolean | undefined, data: unknown, text: string): void => {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${text}\n`);
};

function table(head: string[]): Table.Table {
  return new Table({ head, style: useColour ? {} : { head: [], border: [] } });
}

export function register(program: Command): void {
  const fault = program
    .command('fault')
    .description('inject, recover and list faults against the stack (each bounded in time and reversible)')
    .addHelpText(
      'after',
      `
Every fault acts only on services the stack started, expires after --duration (a keeper process
recovers it; any later 'loadctl fault' call also recovers expired ones), and names its runbook.

Examples:
  $ loadctl fault list
  $ loadctl fault inject redis-kill --duration 30s
  $ loadctl fault inject db-saturate --mode locks
  $ loadctl fault inject queue-corrupt --mode drop --percent 30
  $ loadctl fault proxy on && loadctl fault inject network --mode latency --target redis --latency 300
  $ loadctl fault status --json
  $ loadctl fault recover redis-kill`,
    );

  fault
    .command('list')
    .description('the faults, their modes and runbooks')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => {
      const rows = FAULTS.map(({ name, description, modes, defaultMode, runbookId, params }) => ({
        name,
        description,
        modes,
        defaultMode,
        runbookId,
        params,
      }));
      const out = table(['fault', 'modes (default first)', 'runbook', 'what it does']);
      for (const row of rows)
        out.push([
          row.name,
          [row.defaultMode, ...row.modes.filter((m) => m !== row.defaultMode)].join(', '),
          row.runbookId,
          row.description,
        ]);
      print(opts.json, rows, out.toString());
    });

  const inject = fault
    .command('inject <name>')
    .description('inject a fault for a bounded time; prints the runbook to follow')
    .option('--mode <mode>', 'fault mode (see `fault list`)')
    .option('--duration <seconds>', 'recover automatically after this long (seconds, or 30s, 2m)', seconds(1), 60)
    .option('--json', 'print as JSON');
  // one option per param any fault takes; each fault reads the ones it knows
  const paramOptions = faultParams().map(({ name, description }) => new Option(`--${name} <value>`, description));
  for (const option of paramOptions) inject.addOption(option);
  inject.action(async (name: string, opts: Record<string, string | number | boolean | undefined>) => {
    faultByName(name);
    const params = Object.fromEntries(
      paramOptions.flatMap((option) => {
        const value = opts[option.attributeName()];
        return value === undefined ? [] : [[option.name(), String(value)]];
      }),
    );
    const ctx = await faultContext();
    const result = await injectFault(ctx, name, {
      mode: opts.mode as string | undefined,
      durationS: opts.duration as number,
      params,
    });
    const text = [
      `${paint.red(result.alreadyActive ? 'already injected' : 'injected')} ${name} (${result.fault.mode}): ${result.summary}`,
      `recovers by itself at ${result.fault.deadline}; now: loadctl fault recover ${name}`,
      `runbook: ${result.fault.runbookId}  →  loadctl runbook show ${result.fault.runbookId}`,
    ].join('\n');
    print(
      opts.json as boolean | undefined,
      { ...result.fault, summary: result.summary, alreadyActive: result.alreadyActive },
      text,
    );
  });

  fault
    .command('recover <name>')
    .description('undo a fault now (safe to repeat)')
    .option('--json', 'print as JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      faultByName(name);
      const result = await recoverFault(await faultContext(), name);
      print(
        opts.json,
        { name, ...result },
        `${paint.green('recovered')} ${name}${result.wasActive ? '' : ' (was not active)'}: ${result.summary}`,
      );
    });

  fault
    .command('status')
    .description('active faults with their time left, and what each target looks like now')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { statuses, expired } = await faultStatuses(
        await faultContext(),
        FAULTS.map((f) => f.name),
      );
      const out = table(['fault', 'state', 'mode', 'left', 'runbook', 'target now']);
      for (const entry of statuses) {
        out.push([
          entry.name,
          entry.active ? paint.red('ACTIVE') : 'inactive',
          entry.active?.mode ?? '',
          entry.active ? `${entry.active.remainingS} s` : '',
          faultByName(entry.name).runbookId,
          `${entry.observed.healthy ? paint.green('ok') : paint.yellow('degraded')} ${entry.observed.detail}`,
        ]);
      }
      const note = expired.length ? `\nrecovered at their deadline just now: ${expired.join(', ')}` : '';
      print(opts.json, { statuses, expiredNow: expired }, `${out.toString()}${note}`);
    });

  fault
    .command('proxy <on|off>')
    .description('route the API through toxiproxy (needed by the network fault), or directly again')
    .option('--json', 'print as JSON')
    .action(async (value: string, opts: { json?: boolean }) => {
      if (value !== 'on' && value !== 'off')
        throw new UserError('fault proxy takes "on" or "off".', 'e.g. loadctl fault proxy on');
      const { state } = await faultContext();
      const { summary } = value === 'on' ? await proxyOn(state) : await proxyOff(state);
      print(opts.json, { proxy: value, summary }, summary);
    });
}
