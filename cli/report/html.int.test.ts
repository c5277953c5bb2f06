// The HTML report opened in headless Chromium (driven over the DevTools protocol): no console errors (a
// Content-Security-Policy turns any network fetch into one), every chart drawn, tooltips answer the mouse.
// UPDATE_EXAMPLES=1 also copies the screenshots to reports/examples/html-report/.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { REPO_ROOT } from '../shared/paths.ts';
import { compareInputs } from './compare-inputs.ts';
import { FIXTURE_START, makeFixtureRunDir } from './fixtures/make-run-dir.ts';
import { loadReportModel, writeHtmlReport, writeReport } from './index.ts';
import { renderComparisonHtml } from './render/html.ts';

const CHROMIUM = '/usr/bin/chromium';
const work = mkdtempSync(path.join(tmpdir(), 'loadctl-html-'));
const at = (offsetS: number) => new Date(Date.parse(FIXTURE_START) + offsetS * 1000).toISOString();

/** A minimal DevTools-protocol client over one browser WebSocket, attached to one page (flat sessions). */
class DevTools {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: Record<string, unknown>) => void; reject: (error: Error) => void }
  >();
  readonly problems: string[] = [];
  private sessionId: string | undefined;

  constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as {
        id?: number;
        result?: Record<string, unknown>;
        error?: { message: string };
        method?: string;
        // biome-ignore lint/suspicious/noExplicitAny: Chrome DevTools Protocol events of many shapes
        params?: Record<string, any>;
      };
      if (message.id !== undefined) {
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(message.error.message));
        else waiter?.resolve(message.result ?? {});
        return;
      }
      const params = message.params ?? {};
      if (message.method === 'Runtime.exceptionThrown')
        this.problems.push(
          `exception: ${params.exceptionDetails?.exception?.description ?? params.exceptionDetails?.text}`,
        );
      if (message.method === 'Runtime.consoleAPICalled' && ['error', 'warning', 'assert'].includes(params.type)) {
        this.problems.push(
          `console.${params.type}: ${(params.args ?? []).map((a: { value?: unknown; description?: string }) => a.value ?? a.description).join(' ')}`,
        );
      }
      if (message.method === 'Log.entryAdded' && params.entry?.level === 'error')
        this.problems.push(`log: ${params.entry.text}`);
    });
  }

  // biome-ignore lint/suspicious/noExplicitAny: Chrome DevTools Protocol results of many shapes
  send(method: string, params: object = {}): Promise<Record<string, any>> {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ id, method, params, sessionId: this.sessionId }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  async attachToPage(): Promise<void> {
    const { targetInfos } = await this.send('Target.getTargets');
    const page = (targetInfos as { type: string; targetId: string }[]).find((t) => t.type === 'page');
    if (!page) throw new Error('no page target');
    const { sessionId } = await this.send('Target.attachToTarget', { targetId: page.targetId, flatten: true });
    this.sessionId = sessionId as string;
    for (const domain of ['Runtime.enable', 'Log.enable', 'Page.enable']) await this.send(domain);
  }

  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.send('Runtime.evaluate', {
      expression,
      returnByValue: true,
      awaitPromise: true,
    });
    if (exceptionDetails) throw new Error(`evaluate failed: ${JSON.stringify(exceptionDetails)}`);
    return result.value as T;
  }
}

let browser: ChildProcess;
let devtools: DevTools;

beforeAll(async () => {
  browser = spawn(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--remote-debugging-port=0',
      `--user-data-dir=${path.join(work, 'profile')}`,
      'about:blank',
    ],
    // its own process group: the helpers it forks (GPU, renderers) are stopped with it
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    browser.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
      if (match?.[1]) resolve(match[1]);
    });
    browser.on('exit', (code) => reject(new Error(`chromium exited with ${code}: ${seen.slice(-500)}`)));
  });
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  devtools = new DevTools(socket);
  await devtools.attachToPage();
  await devtools.send('Emulation.setDeviceMetricsOverride', {
    width: 1100,
    height: 1400,
    deviceScaleFactor: 1,
    mobile: false,
  });
});

/** Whether any process of the group `pgid` is still there (signal 0 only asks). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(async () => {
  const pgid = browser?.pid;
  if (pgid !== undefined && groupAlive(pgid)) {
    // the browser and every helper: a helper outliving the browser kept writing the profile being removed
    process.kill(-pgid, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (groupAlive(pgid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  rmSync(path.join(work, 'profile'), { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
});

interface ChartCheck {
  id: string;
  svg: boolean;
  dataMarks: number;
}

/** Rests the pointer on a data point of the throughput chart; the tooltip's text, or '' when none showed. */
async function hoverAPoint(): Promise<string> {
  const point = await devtools.evaluate<{ x: number; y: number }>(`(() => {
    window.scrollTo(0, 0);
    const points = document.querySelectorAll('#throughput g.mark-symbol.role-mark path');
    const r = points[Math.floor(points.length / 2)].getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  })()`);
  // a data point is a few pixels wide: rest the pointer on and around its centre until the tooltip answers
  let tooltip = '';
  for (const [dx, dy] of [
    [0, 0],
    [1, 0],
    [0, 1],
    [-1, 0],
    [0, -1],
    [2, 2],
    [-2, -2],
  ] as const) {
    await devtools.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x: point.x + dx, y: point.y + dy });
    await new Promise((resolve) => setTimeout(resolve, 100));
    tooltip = await devtools.evaluate<string>(
      "document.getElementById('tooltip').hidden ? '' : document.getElementById('tooltip').textContent",
    );
    if (tooltip) break;
  }
  return tooltip;
}

/** Opens the file, waits for the page to draw its charts, checks each, and saves a full-page screenshot. */
async function openAndCheck(
  file: string,
  screenshot: string,
  beforeScreenshot?: () => Promise<void>,
): Promise<ChartCheck[]> {
  devtools.problems.length = 0;
  await devtools.send('Page.navigate', { url: `file://${file}` });
  const deadline = Date.now() + 60_000;
  let state: string | null = null;
  while (Date.now() < deadline && !state) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    state = await devtools.evaluate<string | null>(
      "document.body ? (document.body.dataset.chartsDrawn ?? (document.body.dataset.chartsFailed ? 'failed: ' + document.body.dataset.chartsFailed : null)) : null",
    );
  }
  expect(state).toMatch(/^\d+$/);
  const charts = await devtools.evaluate<ChartCheck[]>(`[...document.querySelectorAll('.chart')].map((div) => ({
    id: div.id,
    svg: div.querySelector('svg') !== null,
    dataMarks: div.querySelectorAll('g.mark-line path, g.mark-rect path, g.mark-symbol path').length,
  }))`);
  await beforeScreenshot?.();
  const { cssContentSize } = await devtools.send('Page.getLayoutMetrics');
  const { data } = await devtools.send('Page.captureScreenshot', {
    format: 'png',
    captureBeyondViewport: true,
    clip: { x: 0, y: 0, width: 1100, height: Math.ceil(cssContentSize.height), scale: 1 },
  });
  writeFileSync(screenshot, Buffer.from(data as string, 'base64'));
  if (process.env.UPDATE_EXAMPLES) {
    const examples = path.join(REPO_ROOT, 'reports/examples/html-report');
    mkdirSync(examples, { recursive: true });
    copyFileSync(screenshot, path.join(examples, path.basename(screenshot)));
  }
  return charts;
}

describe('HTML report in headless Chromium', () => {
  let runDir: string;

  it('draws every chart of a run without a console error, and shows a tooltip on hover', async () => {
    runDir = makeFixtureRunDir(path.join(work, 'run'), {
      setupRequests: 300,
      phases: [
        { name: 'ramp to 4 VUs', startS: 0, endS: 2 },
        { name: 'hold 4 VUs', startS: 2, endS: 3.8 },
        { name: 'ramp down', startS: 3.8, endS: 4.2 },
      ],
      events: [
        { at: at(1), kind: 'fault-injected', name: 'cache-failure' },
        { at: at(2.5), kind: 'fault-recovered', name: 'cache-failure' },
        { at: at(1.1), kind: 'mitigation', name: 'scale api to 3' },
        { at: at(1.2), kind: 'signal-fired', name: 'CacheHitRatioLow' },
      ],
    });
    await writeReport(runDir);
    const file = await writeHtmlReport(await loadReportModel(runDir), runDir);
    let tooltip = '';
    const charts = await openAndCheck(file, path.join(work, 'report.png'), async () => {
      tooltip = await hoverAPoint();
    });
    expect(tooltip).toMatch(/series.*seconds.*value/);
    expect(devtools.problems).toEqual([]);
    expect(charts.map((c) => c.id)).toEqual([
      'throughput',
      'latency',
      'endpoint-latency',
      'errors',
      'vus',
      'latency-histogram',
    ]);
    for (const chart of charts) expect(chart, chart.id).toMatchObject({ svg: true, dataMarks: expect.any(Number) });
    for (const chart of charts) expect(chart.dataMarks, chart.id).toBeGreaterThan(0);
  });

  it('overlays two runs in the compare view', async () => {
    const current = makeFixtureRunDir(path.join(work, 'current'), { slower: { 'GET /slow': 1.6 } });
    const { comparison, current: currentModel, baseline } = await compareInputs(current, runDir);
    const file = path.join(work, 'compare.html');
    writeFileSync(file, renderComparisonHtml(comparison, currentModel, baseline));
    const charts = await openAndCheck(file, path.join(work, 'compare.png'));
    expect(devtools.problems).toEqual([]);
    expect(charts.map((c) => c.id)).toEqual(['compare-throughput', 'compare-p95', 'compare-histogram']);
    for (const chart of charts) expect(chart.dataMarks, chart.id).toBeGreaterThan(0);
  });
});
