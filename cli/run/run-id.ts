// Run ids name run directories: sortable by time, readable at a glance (2026-11-25T11-30-00-peak-concerts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function runIdFor(startedAt: Date, shape: string, workload: string): string {
  const stamp = startedAt.toISOString().slice(0, 19).replace(/:/g, '-');
  return `${stamp}-${shape}-${workload}`;
}

/** A run id whose directory does not exist yet under `reportsDir` (-2, -3 … when two runs start in one second). */
export function freshRunId(reportsDir: string, startedAt: Date, shape: string, workload: string): string {
  const base = runIdFor(startedAt, shape, workload);
  let id = base;
  for (let n = 2; existsSync(join(reportsDir, id)); n++) id = `${base}-${n}`;
  return id;
}
