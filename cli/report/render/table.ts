// GitHub markdown tables and the cells several of the report's sections share.
import type { LatencyStats } from '../model.ts';
import { formatMs } from '../units.ts';

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** A table; the first column is left-aligned and the rest right-aligned unless `align` says otherwise. */
export function table(header: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const marks = header.map((_, i) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'r' ? '---:' : ':---'));
  return [
    `| ${header.join(' | ')} |`,
    `| ${marks.join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(escapeCell).join(' | ')} |`),
  ].join('\n');
}

/** avg, med, p90, p95, p99, max */
export function latencyCells(l: LatencyStats | undefined): string[] {
  return [l?.avg, l?.med, l?.p90, l?.p95, l?.p99, l?.max].map(formatMs);
}
