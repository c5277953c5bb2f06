// `npm run bench:script`: what loadctl adds to k6's own cost, in k6 CPU per request, at a fixed arrival rate on
// the reference API's cached concert list (issue 13's bar: ≤ 1.15× for both ratios):
//   - a user's script through `loadctl run` vs the same script under plain `k6 run --out json=…`;
//   - our `concerts` workload through `loadctl run` vs that minimal script doing the same requests (both with
//     the raw stream, as every loadctl run writes one).
// k6's CPU is what the bench process's waited children used (k6 runs as loadctl's child here: executeRun is
// called in-process), so it includes the `k6 inspect` loadctl makes of a user script. Rounds are interleaved
// and each ratio is the median of its per-round ratios: the host is shared, and its load swings per run.
// Env: RATE (1500 requests/s), DURATION (10s), ROUNDS (3), K6 (path; default as loadctl finds it).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { z } from 'zod';
import type { RunDigest } from '../cli/run/digest.ts';
import { executeRun } from '../cli/run/run.ts';
import { waitedChildrenCpuSeconds } from '../cli/stack/processes.ts';
import { startTestStack } from '../cli/stack/test-stack.ts';
import { resolveK6 } from '../cli/toolchain/tools.ts';

const RATE = Number(process.env.RATE ?? 1500);
const DURATION = process.env.DURATION ?? '10s';
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const MINIMAL = join(import.meta.dirname, 'minimal-concerts.k6.js');
/** the soak shape's rate: --scale turns it into RATE */
const SOAK_RATE = 300;

const LegacySummary = z.object({ metrics: z.record(z.string(), z.record(z.string(), z.number())) });

interface Counted {
  requests: number;
  /** iterations k6 could not start in time: a run that drops many measured a starved k6, not its cost */
  dropped: number;
}
interface Measured extends Counted {
  k6CpuMsPerRequest: number;
}

/** k6 CPU per request of one k6 run, made by `run` (whose k6 processes are this process's children). */
async function measure(run: () => Promise<Counted>): Promise<Measured> {
  const before = waitedChildrenCpuSeconds();
  const counted = await run();
  const cpu = waitedChildrenCpuSeconds() - before;
  return { ...counted, k6CpuMsPerRequest: (cpu * 1000) / Math.max(1, counted.requests) };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

async function main(): Promise<void> {
  const k6 = process.env.K6 ?? (await resolveK6()).path;
  process.stderr.write('starting the stack…\n');
  const stack = await startTestStack({ env: { LOG_LEVEL: 'warn' } });
  const work = mkdtempSync(join(tmpdir(), 'bench-script-'));
  try {
    const api = stack.state.api.url.replace(/\/$/, '');
    const token = ((await (await fetch(`${api}/api/v1/queue/users/1`, { method: 'POST' })).json()) as { token: string })
      .token;
    const asArgs = (env: Record<string, string>) =>
      Object.entries(env).flatMap(([name, value]) => ['-e', `${name}=${value}`]);
    // loadctl passes BASE_URL itself (the checked --target); the script's other -e values go after --
    const scriptArgs = asArgs({ TOKEN: token, RATE: String(RATE), DURATION });
    const envArgs = [...asArgs({ BASE_URL: api }), ...scriptArgs];

    const plainK6 = (raw: boolean) => async (): Promise<Counted> => {
      const summary = join(work, `summary-${Date.now()}.json`);
      const out = raw ? ['--out', `json=${join(work, `raw-${Date.now()}.json.gz`)}`] : [];
      await execa(k6, ['run', '--quiet', ...out, '--summary-export', summary, ...envArgs, MINIMAL], {
        env: { K6_NO_USAGE_REPORT: 'true' },
        stdio: 'ignore',
      });
      const { metrics } = LegacySummary.parse(JSON.parse(readFileSync(summary, 'utf8')));
      return { requests: metrics.http_reqs?.count ?? 0, dropped: metrics.dropped_iterations?.count ?? 0 };
    };
    const reportsDir = join(work, 'reports');
    const common = { target: api, allowRemote: false, segments: 1, reportsDir };
    const counted = (digest: RunDigest | undefined): Counted => ({
      requests: digest?.httpReqs ?? 0,
      dropped: digest?.droppedIterations ?? 0,
    });
    const loadctlScript = async (): Promise<Counted> => {
      const outcome = await executeRun({
        ...common,
        subject: { kind: 'script', file: MINIMAL },
        scale: 1,
        k6Args: scriptArgs,
      });
      return counted(outcome.digest);
    };
    const loadctlConcerts = async (): Promise<Counted> => {
      const outcome = await executeRun({
        ...common,
        subject: { kind: 'workload', shape: 'soak', workload: 'concerts' },
        scale: RATE / SOAK_RATE,
        duration: DURATION,
      });
      return counted(outcome.digest);
    };
    const variants = {
      'minimal script, plain k6 run': plainK6(false),
      'minimal script, plain k6 run --out json=…': plainK6(true),
      'minimal script, loadctl run': loadctlScript,
      'concerts workload, loadctl run': loadctlConcerts,
    };
    type Variant = keyof typeof variants;

    process.stderr.write('warm-up…\n');
    await plainK6(false)();
    const rounds: Record<Variant, Measured>[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const measured = {} as Record<Variant, Measured>;
      for (const [name, run] of Object.entries(variants) as [Variant, () => Promise<Counted>][]) {
        process.stderr.write(`round ${round}/${ROUNDS}: ${name} (${RATE}/s × ${DURATION})…\n`);
        measured[name] = await measure(run);
      }
      rounds.push(measured);
    }

    const cost = (name: Variant) => median(rounds.map((round) => round[name].k6CpuMsPerRequest));
    const ratio = (name: Variant, reference: Variant) =>
      median(rounds.map((round) => round[name].k6CpuMsPerRequest / round[reference].k6CpuMsPerRequest));
    const userScript = ratio('minimal script, loadctl run', 'minimal script, plain k6 run --out json=…');
    const workload = ratio('concerts workload, loadctl run', 'minimal script, plain k6 run --out json=…');
    const verdict = (value: number) => `${value.toFixed(2)}× ${value <= 1.15 ? 'PASS' : 'FAIL'} (bar ≤ 1.15×)`;
    const lines = [
      `GET /api/v1/concerts at ${RATE}/s × ${DURATION}, ${ROUNDS} interleaved rounds (medians), k6 ${k6}`,
      `shared host: load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} at the end`,
      '',
      '| k6 run | requests | dropped iterations | k6 CPU / request |',
      '|---|---:|---:|---:|',
      ...(Object.keys(variants) as Variant[]).map((name) => {
        const of = (pick: (m: Measured) => number) => median(rounds.map((round) => pick(round[name]))).toFixed(0);
        return `| ${name} | ${of((m) => m.requests)} | ${of((m) => m.dropped)} | ${cost(name).toFixed(3)} ms |`;
      }),
      '',
      `user script through loadctl run vs plain k6 run --out json: ${verdict(userScript)}`,
      `concerts workload vs the minimal script (both with the raw stream): ${verdict(workload)}`,
      `per-round user-script ratios: ${rounds.map((r) => (r['minimal script, loadctl run'].k6CpuMsPerRequest / r['minimal script, plain k6 run --out json=…'].k6CpuMsPerRequest).toFixed(2)).join(', ')}`,
      `per-round workload ratios: ${rounds.map((r) => (r['concerts workload, loadctl run'].k6CpuMsPerRequest / r['minimal script, plain k6 run --out json=…'].k6CpuMsPerRequest).toFixed(2)).join(', ')}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (userScript > 1.15 || workload > 1.15) process.exitCode = 1;
  } finally {
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
