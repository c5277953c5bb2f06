// The two Go programs loadctl depends on, pinned and installed by the project itself: a suitable one on
// PATH is used; otherwise <tools>/bin holds a copy built from the pinned module in toolchain/<tool>/.
//
// Why a pinned module dir instead of `go install go.k6.io/k6/v2@v2.2.0`: the Go proxy reachable here
// has no version list for go.k6.io/k6/v2, so `go install …@version` fails, while building inside a
// module that requires the exact version (go.mod + go.sum committed) works and is reproducible.
// Why v2.2.0 and not v2.3.0: v2.3.0's module zip answers 403 from the proxy here.
import { execa } from 'execa';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../shared/errors.ts';
import { ExitCode } from '../shared/exit-codes.ts';
import { REPO_ROOT } from '../shared/paths.ts';
import { findExecutable } from './executables.ts';

export interface PinnedTool {
  /** the name users know */
  name: string;
  /** the executable's file name, on PATH or in <tools>/bin */
  binary: string;
  pinnedVersion: string;
  /** the Go module dir under toolchain/ whose go.mod pins the version */
  moduleDir: string;
  /** the Go package built into the binary */
  goPackage: string;
  ldflags?: string;
  versionArgs: string[];
  /** what to tell a user with neither the tool nor Go */
  installHint: string;
}

export const K6: PinnedTool = {
  name: 'k6',
  binary: 'k6',
  pinnedVersion: '2.2.0',
  moduleDir: join(REPO_ROOT, 'toolchain', 'k6'),
  goPackage: 'go.k6.io/k6/v2',
  versionArgs: ['version'],
  installHint:
    'install k6 ≥ v2.2.0 from Grafana (https://grafana.com/docs/k6/latest/set-up/install-k6/: the apt/rpm packages or a release binary from https://github.com/grafana/k6/releases) and put it on PATH, or install Go ≥ 1.25 so loadctl can build it',
};

export const TOXIPROXY: PinnedTool = {
  name: 'toxiproxy',
  binary: 'toxiproxy-server',
  pinnedVersion: '2.5.0',
  moduleDir: join(REPO_ROOT, 'toolchain', 'toxiproxy'),
  goPackage: 'github.com/Shopify/toxiproxy/v2/cmd/server',
  // Built from source the server reports version "git" unless the version variable is set.
  ldflags: '-X github.com/Shopify/toxiproxy/v2.Version=2.5.0',
  versionArgs: ['--version'],
  installHint:
    'install toxiproxy-server ≥ v2.5.0 (a release binary from https://github.com/Shopify/toxiproxy/releases) on PATH, or install Go so loadctl can build it',
};

export interface ResolvedTool {
  path: string;
  version: string;
  source: 'path' | 'tools' | 'built';
}

/** <repo>/.tools, or $LOADCTL_TOOLS_DIR (tests point it at an empty dir). */
export function toolsDir(): string {
  return process.env.LOADCTL_TOOLS_DIR ?? join(REPO_ROOT, '.tools');
}

/** Compare dotted versions numerically ("v2.10.0" > "2.9.1"); a leading "v" and any "-suffix" are ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (version: string) =>
    version
      .replace(/^v/, '')
      .split(/[-+]/)[0]!
      .split('.')
      .map((part) => Number.parseInt(part, 10) || 0);
  const [left, right] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

/** The first x.y[.z] in a `--version` output ("k6 v2.2.0 (go1.26.8, linux/amd64)" → "2.2.0"). */
export function parseVersion(output: string): string | undefined {
  return /(\d+\.\d+(?:\.\d+)?)/.exec(output)?.[1];
}

/** The version a binary reports, or undefined when it does not run or says no version. */
export async function binaryVersion(path: string, versionArgs: string[]): Promise<string | undefined> {
  const result = await execa(path, versionArgs, { reject: false, all: true, timeout: 15_000 });
  return result.exitCode === 0 ? parseVersion(result.all ?? '') : undefined;
}

/** A usable installed copy: on PATH first, then in <tools>/bin; only when its version ≥ the pin. */
export async function findInstalled(tool: PinnedTool): Promise<ResolvedTool | undefined> {
  const candidates: { path: string | undefined; source: ResolvedTool['source'] }[] = [
    { path: findExecutable(tool.binary), source: 'path' },
    { path: findExecutable(tool.binary, [], join(toolsDir(), 'bin')), source: 'tools' },
  ];
  for (const { path, source } of candidates) {
    if (!path) continue;
    const version = await binaryVersion(path, tool.versionArgs);
    if (version && compareVersions(version, tool.pinnedVersion) >= 0) return { path, version, source };
  }
  return undefined;
}

/** `go build` the pinned module into <tools>/bin. The Go build cache makes a repeat nearly free. */
export async function buildTool(
  tool: PinnedTool,
  onProgress: (line: string) => void = () => undefined,
): Promise<ResolvedTool> {
  const go = findExecutable('go', ['/usr/local/go/bin']);
  if (!go)
    throw new UserError(
      `${tool.name} ≥ v${tool.pinnedVersion} was not found and Go is not installed to build it.`,
      tool.installHint,
      ExitCode.environment,
    );
  const binDir = join(toolsDir(), 'bin');
  mkdirSync(binDir, { recursive: true });
  const output = join(binDir, tool.binary);
  onProgress(`building ${tool.name} v${tool.pinnedVersion} from ${tool.moduleDir} (about a minute the first time)`);
  const started = Date.now();
  const result = await execa(
    go,
    ['build', ...(tool.ldflags ? ['-ldflags', tool.ldflags] : []), '-o', output, tool.goPackage],
    {
      cwd: tool.moduleDir,
      env: { GOPROXY: process.env.GOPROXY ?? 'https://proxy.golang.org,direct' },
      reject: false,
      all: true,
    },
  );
  if (result.exitCode !== 0 || !existsSync(output)) {
    const lastLines = (result.all ?? '').trim().split('\n').slice(-3).join(' ');
    throw new UserError(`building ${tool.name} failed: ${lastLines}`, tool.installHint, ExitCode.environment);
  }
  const version = await binaryVersion(output, tool.versionArgs);
  if (!version)
    throw new UserError(
      `the ${tool.name} just built at ${output} does not report a version.`,
      tool.installHint,
      ExitCode.environment,
    );
  onProgress(`built ${tool.name} v${version} in ${Math.round((Date.now() - started) / 1000)} s`);
  return { path: output, version, source: 'built' };
}

/** An installed copy of the tool, building the pinned version first when there is none. */
export async function resolveTool(tool: PinnedTool, onProgress?: (line: string) => void): Promise<ResolvedTool> {
  return (await findInstalled(tool)) ?? buildTool(tool, onProgress);
}

export function resolveK6(onProgress?: (line: string) => void): Promise<ResolvedTool> {
  return resolveTool(K6, onProgress);
}

export function resolveToxiproxy(onProgress?: (line: string) => void): Promise<ResolvedTool> {
  return resolveTool(TOXIPROXY, onProgress);
}
