// `npm run bench:api`: GET /api/v1/concerts (valid token) on the reference API vs a bare Express 5 app and a
// bare node:http server returning the identical bytes — same load generator (k6), same process count
// (one primary + WORKERS cluster workers each), runs interleaved ROUNDS times, best round per target
// reported. Then reservation + payment throughput with zero unexpected errors.
// Env: WORKERS (2), VUS (64), DURATION (10s), ROUNDS (2), K6 (path; default .tools/bin/k6 or PATH).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { z } from 'zod';
import { freePort } from '../../cli/stack/ports.ts';
import { startTestStack } from '../../cli/stack/test-stack.ts';

const repoRoot = join(import.meta.dirname, '..', '..');
const WORKERS = Number(process.env['WORKERS'] ?? 2);
const VUS = process.env['VUS'] ?? '64';
const DURATION = process.env['DURATION'] ?? '10s';
const ROUNDS = Number(process.env['ROUNDS'] ?? 2);
const K6 = process.env['K6'] ?? (existsSync(join(repoRoot, '.tools/bin/k6')) ? join(repoRoot, '.tools/bin/k6') : 'k6');

// the handleSummary fields we read
const Summary = z.object({
  state: z.object({ testRunDurationMs: z.number() }),
  metrics: z.record(
    z.string(),
    z.object({ values: z.record(z.string(), z.number()) }),
  ),
});
type Summary = z.infer<typeof Summary>;

interface Figures {
  rps: number;
  p99: number;
  failedRate: number;
}

const work = mkdtempSync(join(tmpdir(), 'bench-api-'));

async function k6(script: string, env: Record<string, string>): Promise<Summary> {
  const out = join(work, `summary-${Date.now()}.json`);
  await execa(K6, ['run', '--quiet', '--no-usage-report', join(import.meta.dirname, script)], {
    env: { VUS, DURATION, ...env, OUT: out, K6_NO_USAGE_REPORT: 'true' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return Summary.parse(JSON.parse(readFileSync(out, 'utf8')));
}

function figures(summary: Summary): Figures {
  const value = (metric: string, key: string) => summary.metrics[metric]?.values[key] ?? 0;
  return { rps: value('http_reqs', 'rate'), p99: value('http_req_duration', 'p(99)'), failedRate: value('http_req_failed', 'rate') };
}

async function startBare(kind: 'express' | 'http', bodyFile: string): Promise<{ url: string; process: ResultPromise }> {
  const port = await freePort();
  const child = execa('node', ['--import', 'tsx', join(import.meta.dirname, 'bare-server.ts')], {
    env: { KIND: kind, PORT: String(port), WORKERS: String(WORKERS), BODY_FILE: bodyFile },
    stdout: 'pipe',
    stderr: 'inherit',
    reject: false,
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    void child.then(() => reject(new Error(`bare ${kind} server exited`)));
  });
  return { url: `http://127.0.0.1:${port}`, process: child };
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

async function main(): Promise<void> {
  process.stderr.write(`starting the stack (${WORKERS} API workers) and the reference servers…\n`);
  const stack = await startTestStack({ apiWorkers: WORKERS, env: { LOG_LEVEL: 'warn' } });
  const bare: ResultPromise[] = [];
  try {
    const api = stack.state.api.url.replace(/\/$/, '');
    const token = ((await (await fetch(`${api}/api/v1/queue/users/1`, { method: 'POST' })).json()) as { token: string }).token;
    const body = Buffer.from(await (await fetch(`${api}/api/v1/concerts`, { headers: { 'QUEUE-TOKEN': token } })).arrayBuffer());
    const bodyFile = join(work, 'concerts.json');
    writeFileSync(bodyFile, body);
    const express = await startBare('express', bodyFile);
    const http = await startBare('http', bodyFile);
    bare.push(express.process, http.process);
    for (const url of [express.url, http.url]) {
      const same = Buffer.from(await (await fetch(`${url}/api/v1/concerts`)).arrayBuffer());
      if (!same.equals(body)) throw new Error(`${url} does not return the same bytes`);
    }

    const targets = { 'reference API': api, 'bare Express 5': express.url, 'bare node:http': http.url } as const;
    for (const [name, url] of Object.entries(targets)) {
      process.stderr.write(`warm-up: ${name}…\n`);
      await k6('concerts.k6.js', { TARGET: url, TOKEN: token, VUS: '16', DURATION: '3s' });
    }
    const best: Record<string, Figures> = {};
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, url] of Object.entries(targets)) {
        process.stderr.write(`round ${round}/${ROUNDS}: ${name} (${VUS} VUs, ${DURATION})…\n`);
        await sleep(1000);
        const result = figures(await k6('concerts.k6.js', { TARGET: url, TOKEN: token }));
        if (result.failedRate > 0) throw new Error(`${name}: ${(result.failedRate * 100).toFixed(2)} % of requests failed`);
        if (!best[name] || result.rps > best[name].rps) best[name] = result;
      }
    }

    process.stderr.write(`booking: reservations + payments (${process.env['BOOKING_VUS'] ?? 20} VUs, ${DURATION})…\n`);
    const booking = await k6('booking.k6.js', { TARGET: api, VUS: process.env['BOOKING_VUS'] ?? '20' });
    const seconds = booking.state.testRunDurationMs / 1000;
    const count = (metric: string) => booking.metrics[metric]?.values['count'] ?? 0;

    const ours = best['reference API']!;
    const expressFigures = best['bare Express 5']!;
    const httpFigures = best['bare node:http']!;
    const lines = [
      `GET /api/v1/concerts, ${body.length} bytes, k6 constant ${VUS} VUs × ${DURATION}, best of ${ROUNDS} interleaved rounds, ${WORKERS} workers each`,
      '',
      '| target | rps | p99 | vs bare Express | vs bare node:http |',
      '|---|---:|---:|---:|---:|',
      ...Object.entries(best).map(
        ([name, f]) => `| ${name} | ${f.rps.toFixed(0)} | ${ms(f.p99)} | ${(f.rps / expressFigures.rps).toFixed(2)}× | ${(f.rps / httpFigures.rps).toFixed(2)}× |`,
      ),
      '',
      `bar: reference API ≥ 0.9× bare Express → ${(ours.rps / expressFigures.rps).toFixed(2)}× ${ours.rps / expressFigures.rps >= 0.9 ? 'PASS' : 'FAIL'}`,
      '',
      `booking (${process.env['BOOKING_VUS'] ?? 20} VUs, token → reserve 1 seat → pay, ${seconds.toFixed(1)} s):`,
      `  reservations ${(count('booking_reservations_ok') / seconds).toFixed(0)}/s, payments ${(count('booking_payments_ok') / seconds).toFixed(0)}/s, unexpected errors ${count('booking_unexpected_errors')}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (ours.rps / expressFigures.rps < 0.9 || count('booking_unexpected_errors') > 0) process.exitCode = 1;
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
