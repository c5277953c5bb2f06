// WebSockets and gRPC through the real k6: a script written here runs against a server this test starts on
// loopback (a `ws` echo server; a `@grpc/grpc-js` greeter), and the report of its raw stream must show the
// figures k6's own summary (handleSummary data) of the same run shows.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { resolveK6 } from '../../toolchain/tools.ts';
import { loadReportModel } from '../index.ts';
import type { LatencyStats, ReportModel } from '../model.ts';
import { chartSpecs } from '../render/charts.ts';
import { mermaidCharts } from '../render/mermaid.ts';

interface Summary {
  metrics: Record<string, { values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }>;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'loadctl-protocols-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// count in the trend stats: k6's own count of samples, to compare ours with
const SUMMARY_OPTIONS = `summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(75)', 'p(90)', 'p(95)', 'p(99)', 'count']`;
const HANDLE_SUMMARY = `export function handleSummary(data) { return { [__ENV.SUMMARY_FILE]: JSON.stringify(data) }; }`;

/** Runs a k6 script with a raw stream and handleSummary data; → the report model of both, and the summary. */
async function runK6(
  name: string,
  script: string,
  env: Record<string, string>,
): Promise<{ model: ReportModel; summary: Summary }> {
  const k6 = await resolveK6();
  const scriptFile = path.join(dir, `${name}.js`);
  const raw = path.join(dir, `${name}.raw.json`);
  const summaryFile = path.join(dir, `${name}.summary.json`);
  writeFileSync(scriptFile, script);
  const result = await execa(k6.path, ['run', '--quiet', '--no-usage-report', '--out', `json=${raw}`, scriptFile], {
    env: { ...env, SUMMARY_FILE: summaryFile, K6_NO_USAGE_REPORT: 'true' },
    reject: false,
    timeout: 60_000,
  });
  // 99: thresholds crossed — each script fails one on purpose, to see it read like any other
  expect(result.exitCode, `${result.stdout}\n${result.stderr}`.slice(-2000)).toBe(99);
  return {
    model: await loadReportModel([raw, summaryFile]),
    summary: JSON.parse(readFileSync(summaryFile, 'utf8')) as Summary,
  };
}

/** Our latency figures against a k6 trend's: the same samples, interpolated the same way. */
function expectSameTrend(ours: LatencyStats | undefined, theirs: Record<string, number> | undefined): void {
  expect(theirs).toBeDefined();
  const t = theirs ?? {};
  expect(ours?.avg).toBeCloseTo(t.avg ?? Number.NaN, 6);
  for (const [key, k6Key] of [
    ['min', 'min'],
    ['med', 'med'],
    ['p90', 'p(90)'],
    ['p95', 'p(95)'],
    ['p99', 'p(99)'],
    ['max', 'max'],
  ] as const) {
    expect(ours?.[key], key).toBe(t[k6Key]);
  }
}

describe('WebSockets (k6/ws and k6/websockets) against a ws echo server', () => {
  let server: WebSocketServer;
  beforeAll(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    // echo in the frame type received: k6/ws only hands text frames to on('message')
    server.on('connection', (socket) =>
      socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })),
    );
    await new Promise((resolve) => server.once('listening', resolve));
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('shows k6’s sessions, connect and session times and message counts, with charts of them', async () => {
    const script = `
import ws from 'k6/ws';
import { WebSocket } from 'k6/websockets';
import { sleep } from 'k6';
export const options = {
  scenarios: { chat: { executor: 'constant-vus', vus: 2, duration: '3s' } },
  ${SUMMARY_OPTIONS},
  thresholds: { ws_connecting: ['p(95)<2000'], ws_msgs_received: ['count>10000'] },
};
export default function () {
  if (__ITER % 2 === 0) {
    ws.connect(__ENV.WS_URL, { tags: { name: 'legacy' } }, (socket) => {
      let echoed = 0;
      socket.on('open', () => { for (let i = 0; i < 3; i++) socket.send('ping ' + i); });
      socket.on('message', () => { if (++echoed === 3) socket.close(); });
    });
    sleep(0.2);
  } else {
    const socket = new WebSocket(__ENV.WS_URL, null, { tags: { name: 'streams' } });
    let echoed = 0;
    socket.onopen = () => { for (let i = 0; i < 5; i++) socket.send('hello ' + i); };
    socket.onmessage = () => { if (++echoed === 5) socket.close(); };
    socket.onclose = () => sleep(0.2);
  }
}
${HANDLE_SUMMARY}
`;
    const port = (server.address() as AddressInfo).port;
    const { model, summary } = await runK6('websocket', script, { WS_URL: `ws://127.0.0.1:${port}` });
    const m = summary.metrics;
    const totals = model.websocketTotals;
    expect(totals?.sessions).toBe(m.ws_sessions?.values.count);
    expect(totals?.statuses).toEqual([
      { status: '101', count: m.ws_sessions?.values.count, expected: m.ws_sessions?.values.count },
    ]);
    expect(totals?.messagesSent).toBe(m.ws_msgs_sent?.values.count);
    expect(totals?.messagesReceived).toBe(m.ws_msgs_received?.values.count);
    expectSameTrend(totals?.connecting, m.ws_connecting?.values);
    expectSameTrend(totals?.sessionDuration, m.ws_session_duration?.values);
    expect(model.websockets?.map((w) => w.name)).toEqual(['legacy', 'streams']);
    expect((model.websockets ?? []).reduce((sum, w) => sum + w.messagesSent, 0)).toBe(m.ws_msgs_sent?.values.count);

    // thresholds read like any other, and a failed one says what was observed
    expect(model.thresholds).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ metric: 'ws_connecting', expression: 'p(95)<2000', ok: true, judgedBy: 'k6' }),
        expect.objectContaining({ metric: 'ws_msgs_received', expression: 'count>10000', ok: false }),
      ]),
    );
    expect(model.notes.find((n) => n.id === 'threshold-failed')?.text).toContain(
      `(observed ${m.ws_msgs_received?.values.count})`,
    );

    // a run with only WebSocket traffic still charts throughput and latency, with unique increasing labels
    expect(model.overview.requests).toBe(0);
    const charts = chartSpecs(model);
    expect(charts.map((c) => c.id)).toEqual(expect.arrayContaining(['throughput', 'latency']));
    expect(JSON.stringify(charts.find((c) => c.id === 'throughput')?.spec)).toContain('WebSocket messages sent/s');
    const mermaid = mermaidCharts(model);
    expect(mermaid.map((block) => /title "(.+)"/.exec(block)?.[1])).toEqual([
      'WebSocket messages per second (sent + received)',
      'WebSocket connect time p95 (ms)',
    ]);
    const labels = (/x-axis \[(.+)\]/.exec(mermaid[0] ?? '')?.[1] ?? '')
      .split(', ')
      .map((l) => Number.parseFloat(l.replaceAll('"', '')));
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels).toEqual([...labels].sort((a, b) => a - b));
  }, 60_000);
});

describe('gRPC (k6/net/grpc) against a @grpc/grpc-js server', () => {
  let server: grpc.Server;
  let port: number;
  const proto = () => path.join(dir, 'greeter.proto');
  beforeAll(async () => {
    writeFileSync(
      proto(),
      `syntax = "proto3";
package hello;
service Greeter {
  rpc SayHello (HelloRequest) returns (HelloReply);
  rpc Lookup (HelloRequest) returns (HelloReply);
}
message HelloRequest { string name = 1; }
message HelloReply { string message = 1; }
`,
    );
    const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(proto())) as unknown as {
      hello: { Greeter: grpc.ServiceClientConstructor };
    };
    server = new grpc.Server();
    server.addService(loaded.hello.Greeter.service, {
      SayHello: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, done: grpc.sendUnaryData<unknown>) =>
        setTimeout(() => done(null, { message: `hi ${call.request.name}` }), 3),
      // every third lookup finds nothing: NOT_FOUND, a status k6 records and the report must count
      Lookup: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, done: grpc.sendUnaryData<unknown>) =>
        Number(call.request.name) % 3 === 0
          ? done({ code: grpc.status.NOT_FOUND, details: 'no such name' })
          : done(null, { message: 'found' }),
    });
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
  });
  afterAll(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())));

  it('shows k6’s call counts, status codes and durations per method', async () => {
    const script = `
import grpc from 'k6/net/grpc';
import { sleep } from 'k6';
const client = new grpc.Client();
client.load([${JSON.stringify(dir)}], 'greeter.proto');
export const options = {
  scenarios: { calls: { executor: 'constant-vus', vus: 2, duration: '3s' } },
  ${SUMMARY_OPTIONS},
  thresholds: {
    grpc_req_duration: ['p(95)<1'],
    'grpc_req_duration{name:/hello.Greeter/SayHello}': ['p(95)<2000'],
    'grpc_req_duration{name:/hello.Greeter/Lookup}': ['p(95)<2000'],
    'grpc_req_duration{status:5}': ['max>=0'],
  },
};
export default function () {
  if (__ITER === 0) client.connect(__ENV.GRPC_ADDR, { plaintext: true });
  client.invoke('hello.Greeter/SayHello', { name: 'vu' + __VU });
  client.invoke('hello.Greeter/Lookup', { name: String(__ITER) });
  sleep(0.05);
}
${HANDLE_SUMMARY}
`;
    const { model, summary } = await runK6('grpc', script, { GRPC_ADDR: `127.0.0.1:${port}` });
    const m = summary.metrics;
    const all = m.grpc_req_duration?.values;
    expect(model.grpcTotals?.requests).toBe(all?.count);
    expectSameTrend(model.grpcTotals?.latency, all);
    for (const method of ['/hello.Greeter/Lookup', '/hello.Greeter/SayHello']) {
      const theirs = m[`grpc_req_duration{name:${method}}`]?.values;
      const ours = model.grpc?.find((g) => g.method === method);
      expect(ours?.requests, method).toBe(theirs?.count);
      expectSameTrend(ours?.latency, theirs);
    }
    const notFound = m['grpc_req_duration{status:5}']?.values.count ?? 0;
    expect(notFound).toBeGreaterThan(0);
    const lookup = model.grpc?.find((g) => g.method === '/hello.Greeter/Lookup');
    expect(lookup?.statuses).toEqual([
      { status: '0 OK', count: (lookup?.requests ?? 0) - notFound, expected: (lookup?.requests ?? 0) - notFound },
      { status: '5 NOT_FOUND', count: notFound, expected: 0 },
    ]);
    expect(model.grpcTotals?.failed).toBe(notFound);
    expect(model.notes.map((n) => n.id)).toContain('grpc-errors');
    expect(model.notes.find((n) => n.id === 'threshold-failed')?.text).toContain(
      'on `grpc_req_duration` failed (observed',
    );
    expect(model.thresholds).toContainEqual(
      expect.objectContaining({ metric: 'grpc_req_duration', expression: 'p(95)<1', ok: false }),
    );
    expect(chartSpecs(model).map((c) => c.id)).toEqual(expect.arrayContaining(['throughput', 'latency']));
    expect(mermaidCharts(model).some((block) => block.includes('gRPC p95 latency'))).toBe(true);
  }, 60_000);
});
