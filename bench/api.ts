// `npm run bench:api`: GET /api/v1/concerts (valid token) on the reference API vs a bare Express 5 app and a
// bare node:http server returning the identical bytes — same load generator (k6), same process count
// (one primary + WORKERS cluster workers each), runs interleaved ROUNDS times. Each round measures the three
// back to back, so a round's ratios compare runs made under the same background load; the median of those
// per-round ratios is the verdict (on a shared host the targets' own throughput swings far more than that). Then reservation + payment throughput with zero unexpected errors. Also the CPU each request
// costs the server and k6 in this closed loop. No capacity figure: k6's open-loop executors (the ones the
// shapes use) cost it three to four times more per request, so closed-loop costs overestimated the rate this
// machine carries by 2.5×; `loadctl capacity` measures it with the executor the runs use.
// Placement: by default k6 runs on the first half of the cores and every server process (the API, its Redis
// and PostgreSQL, the bare servers) on the other half, as a load generator on its own machine would. On
// shared cores the generator's own cost and the scheduler's split between it and the server swing each
// run (this 2-core host: the same bare Express measured 0.71×–1.0× of itself); PLACEMENT=shared measures
// that case anyway.
// Env: WORKERS (2), VUS (64), DURATION (6s), ROUNDS (7), PLACEMENT (split|shared), K6 (path; default .tools/bin/k6 or PATH).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { z } from 'zod';
import { freePort } from '../cli/shared/ports.ts';
import { REPO_ROOT } from '../cli/shared/paths.ts';
import { childPids, procCpuSeconds, waitedChildrenCpuSeconds } from '../cli/stack/processes.ts';
import { startTestStack } from '../cli/stack/test-stack.ts';

const WORKERS = Number(process.env.WORKERS ?? 2);
const VUS = process.env.VUS ?? '64';
const DURATION = process.env.DURATION ?? '6s';
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const PLACEMENT = process.env.PLACEMENT ?? 'split';
if (PLACEMENT !== 'split' && PLACEMENT !== 'shared') {
  process.stderr.write(`bench: PLACEMENT must be split or shared, not ${PLACEMENT}\n`);
  process.exit(2);
}
const K6 = process.env.K6 ?? (existsSync(join(REPO_ROOT, '.tools/bin/k6')) ? join(REPO_ROOT, '.tools/bin/k6') : 'k6');

// the handleSummary fields we read
const Summary = z.object({
  state: z.object({ testRunDurationMs: z.number() }),
  metrics: z.record(z.string(), z.object({ values: z.record(z.string(), z.number()) })),
});
type Summary = z.infer<typeof Summary>;

interface Figures {
  rps: number;
  p99: number;
  failedRate: number;
  /** CPU milliseconds per request: the server's processes, and k6 */
  serverCpuMs: number;
  k6CpuMs: number;
}

/** CPU seconds used so far by a server: its primary and the workers it forked. */
function serverCpuSeconds(primaryPid: number): number {
  return [primaryPid, ...childPids(primaryPid)].reduce((sum, pid) => sum + (procCpuSeconds(pid) ?? 0), 0);
}

/** CPU lists for taskset: k6 on the first half of the cores, the servers on the rest; undefined when shared. */
function coreSplit(): { k6: string; servers: string } | undefined {
  const cores = availableParallelism();
  if (PLACEMENT === 'shared' || cores < 2) return undefined;
  const k6Cores = Math.floor(cores / 2);
  return { k6: `0-${k6Cores - 1}`, servers: `${k6Cores}-${cores - 1}` };
}
const split = coreSplit();

/** Pin a server and every process it has forked (workers, PostgreSQL backends); later forks inherit it. */
async function pinToServerCores(pid: number): Promise<void> {
  if (!split) return;
  for (const member of [pid, ...childPids(pid)])
    await execa('taskset', ['--all-tasks', '--pid', '--cpu-list', split.servers, String(member)]);
}

const work = mkdtempSync(join(tmpdir(), 'bench-api-'));

async function k6(script: string, env: Record<string, string>): Promise<Summary> {
  const out = join(work, `summary-${Date.now()}.json`);
  const command = [K6, 'run', '--quiet', '--no-usage-report', join(import.meta.dirname, script)];
  await execa(split ? 'taskset' : K6, split ? ['--cpu-list', split.k6, ...command] : command.slice(1), {
    env: { VUS, DURATION, ...env, OUT: out, K6_NO_USAGE_REPORT: 'true' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return Summary.parse(JSON.parse(readFileSync(out, 'utf8')));
}

/** One measured k6 run against a server, with the CPU both sides spent on it. */
async function measure(serverPid: number, env: Record<string, string>): Promise<Figures> {
  const [server0, k60] = [serverCpuSeconds(serverPid), waitedChildrenCpuSeconds()];
  const summary = await k6('concerts.k6.js', env);
  const [server1, k61] = [serverCpuSeconds(serverPid), waitedChildrenCpuSeconds()];
  const value = (metric: string, key: string) => summary.metrics[metric]?.values[key] ?? 0;
  const requests = value('http_reqs', 'count') || 1;
  return {
    rps: value('http_reqs', 'rate'),
    p99: value('http_req_duration', 'p(99)'),
    failedRate: value('http_req_failed', 'rate'),
    serverCpuMs: ((server1 - server0) * 1000) / requests,
    k6CpuMs: ((k61 - k60) * 1000) / requests,
  };
}

async function startBare(
  kind: 'express' | 'http',
  bodyFile: string,
): Promise<{ url: string; pid: number; process: ResultPromise }> {
  const port = await freePort();
  const child = execa('node', ['--import', 'tsx', join(import.meta.dirname, 'bare-server.ts')], {
    env: { KIND: kind, PORT: String(port), WORKERS: String(WORKERS), BODY_FILE: bodyFile },
    // its own session, as the stack starts the API: with CFS autogroups (Linux's default) a session is a
    // scheduling group, and a reference server sharing k6's group got a larger share of the cores than
    // the API in its own group — measured 0.71× for the same bare Express started in another session
    detached: true,
    stdout: 'pipe',
    stderr: 'inherit',
    reject: false,
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    void child.then(() => reject(new Error(`bare ${kind} server exited`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid ?? 0, process: child };
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

async function main(): Promise<void> {
  process.stderr.write(`starting the stack (${WORKERS} API workers) and the reference servers…\n`);
  const stack = await startTestStack({ apiWorkers: WORKERS, env: { LOG_LEVEL: 'warn' } });
  const bare: ResultPromise[] = [];
  try {
    const api = stack.state.api.url.replace(/\/$/, '');
    const token = ((await (await fetch(`${api}/api/v1/queue/users/1`, { method: 'POST' })).json()) as { token: string })
      .token;
    const body = Buffer.from(
      await (await fetch(`${api}/api/v1/concerts`, { headers: { 'QUEUE-TOKEN': token } })).arrayBuffer(),
    );
    const bodyFile = join(work, 'concerts.json');
    writeFileSync(bodyFile, body);
    const express = await startBare('express', bodyFile);
    const http = await startBare('http', bodyFile);
    bare.push(express.process, http.process);
    for (const url of [express.url, http.url]) {
      const same = Buffer.from(await (await fetch(`${url}/api/v1/concerts`)).arrayBuffer());
      if (!same.equals(body)) throw new Error(`${url} does not return the same bytes`);
    }

    const targets = {
      'reference API': { url: api, pid: stack.state.api.pid ?? 0 },
      'bare Express 5': express,
      'bare node:http': http,
    } as const;
    for (const pid of [stack.state.api.pid, stack.state.redis.pid, stack.state.postgres.pid, express.pid, http.pid])
      await pinToServerCores(pid ?? 0);
    for (const [name, { url }] of Object.entries(targets)) {
      process.stderr.write(`warm-up: ${name}…\n`);
      await k6('concerts.k6.js', { TARGET: url, TOKEN: token, VUS: '16', DURATION: '3s' });
    }
    const rounds: Record<string, Figures>[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const measured: Record<string, Figures> = {};
      rounds.push(measured);
      for (const [name, { url, pid }] of Object.entries(targets)) {
        process.stderr.write(`round ${round}/${ROUNDS}: ${name} (${VUS} VUs, ${DURATION})…\n`);
        await sleep(1000);
        const result = await measure(pid, { TARGET: url, TOKEN: token });
        if (result.failedRate > 0)
          throw new Error(`${name}: ${(result.failedRate * 100).toFixed(2)} % of requests failed`);
        measured[name] = result;
      }
    }

    process.stderr.write(`booking: reservations + payments (${process.env.BOOKING_VUS ?? 20} VUs, ${DURATION})…\n`);
    const booking = await k6('booking.k6.js', { TARGET: api, VUS: process.env.BOOKING_VUS ?? '20' });
    const seconds = booking.state.testRunDurationMs / 1000;
    const count = (metric: string) => booking.metrics[metric]?.values.count ?? 0;

    const median = (values: number[]): number => {
      const sorted = [...values].sort((x, y) => x - y);
      const middle = Math.floor(sorted.length / 2);
      return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
    };
    const of = (name: string, pick: (figures: Figures) => number) =>
      rounds.map((round) => pick(round[name] as Figures));
    const ratio = (name: string, reference: string) =>
      median(rounds.map((round) => (round[name] as Figures).rps / (round[reference] as Figures).rps));
    const medians = (name: string): Figures => ({
      rps: median(of(name, (f) => f.rps)),
      p99: median(of(name, (f) => f.p99)),
      failedRate: Math.max(...of(name, (f) => f.failedRate)),
      serverCpuMs: median(of(name, (f) => f.serverCpuMs)),
      k6CpuMs: median(of(name, (f) => f.k6CpuMs)),
    });
    const names = Object.keys(targets);
    const ours = medians('reference API');
    const versusExpress = ratio('reference API', 'bare Express 5');
    const cores = availableParallelism();
    const lines = [
      `GET /api/v1/concerts, ${body.length} bytes, k6 constant ${VUS} VUs × ${DURATION}, ${ROUNDS} interleaved rounds (medians; ratios paired per round), ${WORKERS} workers each`,
      split
        ? `placement: k6 on cores ${split.k6}, servers (and the API's Redis and PostgreSQL) on cores ${split.servers}`
        : `placement: shared (k6 and the servers on all ${cores} cores)`,
      '',
      '| target | rps | p99 | vs bare Express | vs bare node:http | server CPU / request | k6 CPU / request |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...names.map((name) => {
        const f = medians(name);
        return `| ${name} | ${f.rps.toFixed(0)} | ${ms(f.p99)} | ${ratio(name, 'bare Express 5').toFixed(2)}× | ${ratio(name, 'bare node:http').toFixed(2)}× | ${ms(f.serverCpuMs)} | ${ms(f.k6CpuMs)} |`;
      }),
      `per-round API/Express ratios: ${rounds.map((round) => ((round['reference API'] as Figures).rps / (round['bare Express 5'] as Figures).rps).toFixed(2)).join(', ')}`,
      '',
      `bar: reference API ≥ 0.9× bare Express → ${versusExpress.toFixed(2)}× ${versusExpress >= 0.9 ? 'PASS' : 'FAIL'}`,
      `CPU per request in this closed loop: API ${ms(ours.serverCpuMs)}, k6 ${ms(ours.k6CpuMs)} — not a capacity: open-loop runs cost k6 3–4× more; measure it with \`loadctl capacity\``,
      '',
      `booking (${process.env.BOOKING_VUS ?? 20} VUs, token → reserve 1 seat → pay, ${seconds.toFixed(1)} s):`,
      `  reservations ${(count('booking_reservations_ok') / seconds).toFixed(0)}/s, payments ${(count('booking_payments_ok') / seconds).toFixed(0)}/s, unexpected errors ${count('booking_unexpected_errors')}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (versusExpress < 0.9 || count('booking_unexpected_errors') > 0) process.exitCode = 1;
  } finally {
    for (const child of bare) child.kill('SIGTERM');
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
