// Facts about where a run happened, recorded in meta.json so two runs can be compared honestly.
import { cpus, hostname, platform, release, totalmem } from 'node:os';
import { execa } from 'execa';
import type { RunMeta } from '../shared/run-dir.ts';

export function machineInfo(): RunMeta['machine'] {
  const cpuList = cpus();
  return {
    hostname: hostname(),
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model.trim(),
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
  };
}

/** HEAD's commit (with -dirty when the tree has changes), or undefined outside a git checkout. */
export async function gitCommit(cwd: string): Promise<string | undefined> {
  const head = await execa('git', ['rev-parse', 'HEAD'], { cwd, reject: false });
  if (head.exitCode !== 0) return undefined;
  const dirty = await execa('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, reject: false });
  return `${head.stdout.trim()}${dirty.stdout.trim() ? '-dirty' : ''}`;
}
