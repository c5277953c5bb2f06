// Runbook expressions are real PromQL, checked at load time with Prometheus' own grammar
// (@prometheus-io/lezer-promql), so a typo fails `loadctl runbook` instead of a drill or an alert rule.
import { parser } from '@prometheus-io/lezer-promql';

const COMPARISONS = new Set(['Gtr', 'Gte', 'Lss', 'Lte', 'Eql', 'Neq']);

export interface PromqlCheck {
  /** the longest range selector's window in seconds (`rate(x[10s])` → 10); 0 without one */
  windowS: number;
}

/** Seconds in a PromQL duration: 500ms, 10s, 2m, 1h, 1m30s, 1d (PromQL's units, not Go's: no µs, but d, w, y). */
export function promDurationSeconds(text: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) throw new Error(`not a duration: ${text}`);
  return parts.reduce((sum, part) => sum + Number(part[1]) * (units[part[2] as string] as number), 0);
}

/**
 * Parse one PromQL expression; throws a one-line Error naming the column of the first syntax error.
 * `comparison: true` also requires the expression to be a comparison (`… > 1`), which is what makes it
 * an alert condition: the series it returns are the ones that fire.
 */
export function checkPromql(text: string, opts: { comparison?: boolean } = {}): PromqlCheck {
  const tree = parser.parse(text);
  let errorAt: number | undefined;
  let windowS = 0;
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) errorAt ??= node.from;
      if (node.name === 'MatrixSelector') {
        const range = /\[([^\]:]+)\]\s*$/.exec(text.slice(node.from, node.to))?.[1];
        if (range) windowS = Math.max(windowS, promDurationSeconds(range.trim()));
      }
    },
  });
  if (text.trim() === '') throw new Error('empty PromQL expression');
  if (errorAt !== undefined) {
    const near = text.slice(errorAt, errorAt + 12) || 'end of expression';
    throw new Error(`PromQL syntax error at column ${errorAt + 1} (near "${near}") in: ${text}`);
  }
  if (opts.comparison && !isComparison(tree.topNode.firstChild)) {
    throw new Error(`not a comparison (e.g. "rate(x_total[5s]) > 1", or comparisons joined by and): ${text}`);
  }
  return { windowS };
}

type Node = ReturnType<typeof parser.parse>['topNode'];

/** A comparison, or comparisons joined by `and` (`a > 1 and on () b < 2`), possibly in parentheses. */
function isComparison(node: Node | null): boolean {
  if (node?.name === 'ParenExpr') return isComparison(node.firstChild);
  if (node?.name !== 'BinaryExpr') return false;
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (COMPARISONS.has(child.name)) return true;
    if (child.name === 'And') return isComparison(node.firstChild) && isComparison(node.lastChild);
  }
  return false;
}

/**
 * The expression with every range selector looking back `seconds` instead: a claim evaluated once at the
 * end of a phase then covers the whole phase (`increase(x[10s])` → `increase(x[95s])`).
 */
export function withRange(text: string, seconds: number): string {
  const ranges: Array<{ from: number; to: number }> = [];
  parser.parse(text).iterate({
    enter: (node) => {
      if (node.name !== 'MatrixSelector') return;
      const duration = node.node.getChild('DurationExpr');
      if (duration) ranges.push({ from: duration.from, to: duration.to });
    },
  });
  return ranges
    .sort((a, b) => b.from - a.from)
    .reduce(
      (result, { from, to }) => `${result.slice(0, from)}${Math.max(1, Math.ceil(seconds))}s${result.slice(to)}`,
      text,
    );
}

/** An expression written over several lines (YAML `>-`) as one, the way it reads in a rule or a table. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
