// What `loadctl doctor` checks: every program the project runs, each with the exact fix when it is missing.
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../shared/ports.ts';
import { findChromium, k6BrowserEnv } from './browser.ts';
import { findExecutable, findPostgresProgram, postgresRunAs } from './executables.ts';
import {
  compareVersions,
  findInstalled,
  K6,
  parseVersion,
  TOXIPROXY,
  type PinnedTool,
  type ResolvedTool,
} from './tools.ts';

export type CheckStatus = 'ok' | 'missing' | 'optional';

export interface CheckResult {
  component: string;
  /** ok; missing (loadctl cannot do its job); optional (only needed in a fallback) */
  status: CheckStatus;
  /** version, path, or what is wrong */
  detail: string;
  /** the exact command or step that fixes it */
  fix?: string;
}

const MIN_NODE = '20.11.0';
const SETUP = 'npm run setup';

async function versionOf(path: string, args: string[]): Promise<string> {
  const result = await execa(path, args, { reject: false, all: true, timeout: 15_000 });
  return parseVersion(result.all ?? '') ?? 'unknown version';
}

function checkNode(): CheckResult {
  const version = process.versions.node;
  return compareVersions(version, MIN_NODE) >= 0
    ? { component: 'node', status: 'ok', detail: `v${version}` }
    : {
        component: 'node',
        status: 'missing',
        detail: `v${version} is older than v${MIN_NODE}`,
        fix: 'install Node.js 20 LTS or newer',
      };
}

async function checkPinned(tool: PinnedTool, goAvailable: boolean): Promise<[CheckResult, ResolvedTool | undefined]> {
  const found = await findInstalled(tool);
  if (found) return [{ component: tool.name, status: 'ok', detail: `v${found.version} (${found.path})` }, found];
  return [
    {
      component: tool.name,
      status: 'missing',
      detail: `no ${tool.binary} ≥ v${tool.pinnedVersion} on PATH or in .tools/bin`,
      fix: goAvailable
        ? `${SETUP} (builds the pinned v${tool.pinnedVersion} with Go); or ${tool.installHint}`
        : tool.installHint,
    },
    undefined,
  ];
}

/** Really runs one k6 browser iteration against an inline page: proves k6/browser and Chromium work together. */
async function checkK6Browser(k6: ResolvedTool | undefined): Promise<CheckResult> {
  const component = 'k6/browser';
  if (!k6) return { component, status: 'missing', detail: 'needs k6', fix: 'install k6 first (see the k6 row)' };
  if (!findChromium())
    return {
      component,
      status: 'missing',
      detail: 'no Chromium to drive',
      fix: 'install Chromium (see the chromium row)',
    };
  const dir = mkdtempSync(join(tmpdir(), 'loadctl-doctor-'));
  try {
    const script = join(dir, 'browser-check.js');
    writeFileSync(
      script,
      `import { browser } from 'k6/browser';
import exec from 'k6/execution';
export const options = { scenarios: { ui: { executor: 'shared-iterations', iterations: 1, options: { browser: { type: 'chromium' } } } } };
export default async function () {
  const page = await browser.newPage();
  try {
    await page.setContent('<p id="probe">ready</p>');
    if ((await page.locator('#probe').textContent()) !== 'ready') exec.test.abort('page content not rendered');
  } catch (error) {
    exec.test.abort(String(error));
  } finally {
    await page.close();
  }
}
`,
    );
    const result = await execa(k6.path, ['run', '--quiet', '--no-usage-report', script], {
      env: k6BrowserEnv(),
      reject: false,
      all: true,
      timeout: 60_000,
    });
    if (result.exitCode === 0) return { component, status: 'ok', detail: 'one browser iteration ran in Chromium' };
    const lastLine = (result.all ?? '').trim().split('\n').filter(Boolean).at(-1) ?? `exit ${result.exitCode}`;
    return {
      component,
      status: 'missing',
      detail: `a browser iteration failed: ${lastLine.slice(0, 160)}`,
      fix: 'check Chromium runs headless (`chromium --headless --no-sandbox --version`)',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function checkGo(k6Missing: boolean): Promise<CheckResult> {
  const go = findExecutable('go', ['/usr/local/go/bin']);
  if (go)
    return {
      component: 'go',
      status: 'ok',
      detail: `v${await versionOf(go, ['version'])} (builds the pinned k6/toxiproxy)`,
    };
  return k6Missing
    ? { component: 'go', status: 'missing', detail: 'not found, and k6 is missing too', fix: K6.installHint }
    : {
        component: 'go',
        status: 'optional',
        detail: 'not found; only needed to build k6/toxiproxy',
        fix: 'install Go ≥ 1.25 from https://go.dev/dl/ to let loadctl build its pinned tools',
      };
}

async function checkProgram(
  component: string,
  path: string | undefined,
  versionArgs: string[],
  fix: string,
): Promise<CheckResult> {
  if (!path) return { component, status: 'missing', detail: 'not found', fix };
  return { component, status: 'ok', detail: `v${await versionOf(path, versionArgs)} (${path})` };
}

function checkPostgresUser(): CheckResult | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    postgresRunAs();
    return { component: 'postgres user', status: 'ok', detail: 'PostgreSQL runs as `postgres` (we are root)' };
  } catch {
    return {
      component: 'postgres user',
      status: 'missing',
      detail: 'running as root and there is no `postgres` user',
      fix: 'apt-get install -y postgresql (creates the user)',
    };
  }
}

async function checkFreePorts(): Promise<CheckResult> {
  try {
    const ports = [await freePort(), await freePort(), await freePort()];
    return { component: 'free ports', status: 'ok', detail: `127.0.0.1: e.g. ${ports.join(', ')}` };
  } catch (error) {
    return {
      component: 'free ports',
      status: 'missing',
      detail: `cannot bind 127.0.0.1: ${error instanceof Error ? error.message : String(error)}`,
      fix: 'check the loopback interface is up (`ip link set lo up`)',
    };
  }
}

export async function runChecks(): Promise<CheckResult[]> {
  const goAvailable = findExecutable('go', ['/usr/local/go/bin']) !== undefined;
  const [[k6Row, k6], [toxiproxyRow]] = await Promise.all([
    checkPinned(K6, goAvailable),
    checkPinned(TOXIPROXY, goAvailable),
  ]);
  const chromium = findChromium();
  const rows = await Promise.all([
    checkNode(),
    k6Row,
    checkK6Browser(k6),
    checkGo(k6 === undefined),
    checkProgram('redis-server', findExecutable('redis-server'), ['--version'], 'apt-get install -y redis-server'),
    checkProgram('postgres', findPostgresProgram('postgres'), ['--version'], 'apt-get install -y postgresql'),
    checkProgram('initdb', findPostgresProgram('initdb'), ['--version'], 'apt-get install -y postgresql'),
    checkProgram('pg_basebackup', findPostgresProgram('pg_basebackup'), ['--version'], 'apt-get install -y postgresql'),
    checkProgram('chromium', chromium, ['--version'], 'apt-get install -y chromium'),
    toxiproxyRow,
    checkFreePorts(),
  ]);
  const postgresUser = checkPostgresUser();
  return postgresUser ? [...rows, postgresUser] : rows;
}

export function allPresent(rows: readonly CheckResult[]): boolean {
  return rows.every((row) => row.status !== 'missing');
}
