// A plain report.md written from the run's digest, until the report engine (cli/report) takes over.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunDigest } from './digest.ts';
import { RunFiles, type RunMeta } from './run-dir.ts';

const ms = (value: number | undefined): string => (value === undefined ? '-' : `${value.toFixed(2)} ms`);

export async function writePlainReport(runDir: string, meta: RunMeta, digest: RunDigest | undefined, droppedExplanation: string | undefined): Promise<string> {
  const lines = [
    `# ${meta.shape} / ${meta.workload} — ${meta.runId}`,
    '',
    `Target ${meta.target}, scale ${meta.scale}, k6 ${meta.k6Version}, ${meta.machine.cpus} CPUs, started ${meta.startedAt}${meta.interrupted ? ' (interrupted)' : ''}.`,
    '',
  ];
  if (digest) {
    lines.push(
      '| requests | req/s | p95 | p99 | unexpected failures | expected 409 | iterations | dropped | checks |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      `| ${digest.httpReqs} | ${digest.rps.toFixed(1)} | ${ms(digest.p95Ms)} | ${ms(digest.p99Ms)} | ${digest.failedPercent.toFixed(2)} % | ${digest.expectedConflicts} | ${digest.iterations} | ${digest.droppedIterations} | ${digest.checksPercent?.toFixed(2) ?? '-'} % |`,
      '',
      digest.failedThresholds.length ? `Thresholds failed: ${digest.failedThresholds.map((t) => `\`${t}\``).join(', ')}.` : 'All thresholds passed.',
      '',
    );
  } else lines.push('k6 wrote no summary; see k6.log.', '');
  if (droppedExplanation) lines.push(`**Dropped iterations.** ${droppedExplanation}`, '');
  const path = join(runDir, RunFiles.report);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}
