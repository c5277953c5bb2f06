// Metric expressions used by runbook signals, SLOs and drill guards. A small, PromQL-flavoured language
// evaluated over the samples that fall inside a window (the API's /metrics scraped every second, or
// k6's live metrics flattened the same way):
//
//   name{label="v",other!="x",route=~"/api/v1/concerts.*"}   latest value, summed over matching series
//   increase(selector)        growth over the window, summed over series (counter resets handled)
//   rate(selector)            increase / seconds covered by the window
//   delta(selector)           last minus first (for gauges such as heap size)
//   quantile(0.95, x_bucket)  a quantile from a Prometheus histogram's bucket growth over the window
//   numbers, + - * / (and unary minus) and parentheses
//
// A series that no sample has counts as 0 (prom-client creates labelled counters on first use), and a
// division by zero or a window with too few samples is NaN, which satisfies no condition: a signal
// never fires on no data.

export type Matcher = { label: string; op: '=' | '!=' | '=~' | '!~'; value: string };
export type Selector = { name: string; matchers: Matcher[] };
export type Expr =
  | { kind: 'number'; value: number }
  | { kind: 'series'; selector: Selector }
  | { kind: 'call'; fn: 'increase' | 'rate' | 'delta'; selector: Selector }
  | { kind: 'quantile'; q: number; selector: Selector }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: Expr; right: Expr };

/** One scrape: seconds since the epoch and `name{labels}` → value, as parsePrometheusText returns. */
export type Sample = { t: number; values: Record<string, number> };

const WINDOW_FUNCTIONS = ['increase', 'rate', 'delta'] as const;

export function parseExpression(text: string): Expr {
  const parser = new Parser(text);
  const expr = parser.expression();
  parser.expectEnd();
  return expr;
}

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  expression(): Expr {
    let left = this.term();
    for (let op = this.peekOp<'+' | '-'>('+-'); op; op = this.peekOp<'+' | '-'>('+-')) {
      this.pos++;
      left = { kind: 'binary', op, left, right: this.term() };
    }
    return left;
  }

  expectEnd(): void {
    this.skipSpace();
    if (this.pos < this.text.length) this.fail(`unexpected "${this.text.slice(this.pos)}"`);
  }

  private term(): Expr {
    let left = this.factor();
    for (let op = this.peekOp<'*' | '/'>('*/'); op; op = this.peekOp<'*' | '/'>('*/')) {
      this.pos++;
      left = { kind: 'binary', op, left, right: this.factor() };
    }
    return left;
  }

  private factor(): Expr {
    this.skipSpace();
    const char = this.text[this.pos];
    if (char === '(') {
      this.pos++;
      const inner = this.expression();
      this.expect(')');
      return inner;
    }
    if (char === '-') {
      this.pos++;
      return { kind: 'binary', op: '-', left: { kind: 'number', value: 0 }, right: this.factor() };
    }
    if (char !== undefined && /[0-9.]/.test(char)) return { kind: 'number', value: this.number() };
    const name = this.identifier();
    this.skipSpace();
    if (this.text[this.pos] === '(') {
      this.pos++;
      if (name === 'quantile') {
        const q = this.number();
        if (!(q >= 0 && q <= 1)) this.fail('quantile must be between 0 and 1');
        this.expect(',');
        const selector = this.selector(this.identifier());
        this.expect(')');
        return { kind: 'quantile', q, selector };
      }
      const fn = WINDOW_FUNCTIONS.find((known) => known === name);
      if (!fn) this.fail(`unknown function ${name}() (known: ${[...WINDOW_FUNCTIONS, 'quantile'].join(', ')})`);
      const selector = this.selector(this.identifier());
      this.expect(')');
      return { kind: 'call', fn, selector };
    }
    return { kind: 'series', selector: this.selector(name) };
  }

  private selector(name: string): Selector {
    this.skipSpace();
    const matchers: Matcher[] = [];
    if (this.text[this.pos] !== '{') return { name, matchers };
    this.pos++;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') break;
      const label = this.identifier();
      this.skipSpace();
      const op = (['=~', '!~', '!=', '='] as const).find((candidate) => this.text.startsWith(candidate, this.pos));
      if (!op) this.fail(`expected =, !=, =~ or !~ after ${label}`);
      this.pos += op.length;
      const value = this.quoted();
      if (op === '=~' || op === '!~') {
        try {
          new RegExp(value);
        } catch {
          this.fail(`bad regular expression ${value}`);
        }
      }
      matchers.push({ label, op, value });
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') this.fail('expected , or }');
    }
    this.pos++;
    return { name, matchers };
  }

  private quoted(): string {
    this.skipSpace();
    if (this.text[this.pos] !== '"') this.fail('expected a "quoted" label value');
    const end = this.text.indexOf('"', this.pos + 1);
    if (end < 0) this.fail('unterminated label value');
    const value = this.text.slice(this.pos + 1, end);
    this.pos = end + 1;
    return value;
  }

  private identifier(): string {
    this.skipSpace();
    const match = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(this.text.slice(this.pos));
    if (!match) this.fail('expected a metric name or function');
    this.pos += match[0].length;
    return match[0];
  }

  private number(): number {
    this.skipSpace();
    const match = /^\d*\.?\d+(e[+-]?\d+)?/i.exec(this.text.slice(this.pos));
    if (!match) this.fail('expected a number');
    this.pos += match[0].length;
    return Number(match[0]);
  }

  private peekOp<T extends string>(ops: string): T | undefined {
    this.skipSpace();
    const char = this.text[this.pos];
    return char !== undefined && ops.includes(char) ? (char as T) : undefined;
  }

  private expect(char: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== char) this.fail(`expected "${char}"`);
    this.pos++;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  private fail(message: string): never {
    throw new Error(`${message} at position ${this.pos} in "${this.text}"`);
  }
}

/** `name{a="1",b="2"}` → name and labels; keys are what parsePrometheusText produces. */
export function parseSeriesKey(key: string): { name: string; labels: Record<string, string> } {
  const brace = key.indexOf('{');
  if (brace < 0) return { name: key, labels: {} };
  const labels: Record<string, string> = {};
  for (const match of key.slice(brace + 1, key.lastIndexOf('}')).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    labels[match[1] as string] = (match[2] as string).replace(/\\(.)/g, '$1');
  }
  return { name: key.slice(0, brace), labels };
}

const keyCache = new Map<string, ReturnType<typeof parseSeriesKey>>();
function cachedKey(key: string): ReturnType<typeof parseSeriesKey> {
  let parsed = keyCache.get(key);
  if (!parsed) {
    parsed = parseSeriesKey(key);
    if (keyCache.size < 50_000) keyCache.set(key, parsed);
  }
  return parsed;
}

function matches(selector: Selector, labels: Record<string, string>): boolean {
  return selector.matchers.every(({ label, op, value }) => {
    const actual = labels[label] ?? '';
    if (op === '=') return actual === value;
    if (op === '!=') return actual !== value;
    const hit = new RegExp(`^(?:${value})$`).test(actual);
    return op === '=~' ? hit : !hit;
  });
}

/** matching series of one sample, by key */
function select(sample: Sample, selector: Selector): Map<string, { labels: Record<string, string>; value: number }> {
  const out = new Map<string, { labels: Record<string, string>; value: number }>();
  for (const [key, value] of Object.entries(sample.values)) {
    const parsed = cachedKey(key);
    if (parsed.name === selector.name && matches(selector, parsed.labels)) out.set(key, { labels: parsed.labels, value });
  }
  return out;
}

/** per-series growth from the first to the last sample, a counter reset counting from zero */
function increases(first: Sample, last: Sample, selector: Selector): Array<{ labels: Record<string, string>; value: number }> {
  const before = select(first, selector);
  return [...select(last, selector)].map(([key, { labels, value }]) => {
    const start = before.get(key)?.value ?? 0;
    return { labels, value: value >= start ? value - start : value };
  });
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** Prometheus' histogram_quantile over bucket growth, summed across every label but `le`. */
function histogramQuantile(q: number, buckets: Array<{ labels: Record<string, string>; value: number }>): number {
  const byBound = new Map<number, number>();
  for (const { labels, value } of buckets) {
    const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
    if (Number.isNaN(le)) continue;
    byBound.set(le, (byBound.get(le) ?? 0) + value);
  }
  const sorted = [...byBound].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return NaN;
  const rank = q * total;
  let previousBound = 0;
  let previousCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Infinity) return previousBound;
      const inBucket = count - previousCount;
      return inBucket <= 0 ? bound : previousBound + ((bound - previousBound) * (rank - previousCount)) / inBucket;
    }
    previousBound = bound;
    previousCount = count;
  }
  return previousBound;
}

/** Evaluates an expression over the samples of one window (oldest first). */
export function evaluate(expr: Expr, window: readonly Sample[]): number {
  const first = window[0];
  const last = window.at(-1);
  if (!first || !last) return NaN;
  switch (expr.kind) {
    case 'number':
      return expr.value;
    case 'series':
      return sum([...select(last, expr.selector).values()].map((series) => series.value));
    case 'call': {
      if (window.length < 2) return NaN;
      if (expr.fn === 'delta') {
        return sum([...select(last, expr.selector).values()].map((s) => s.value)) - sum([...select(first, expr.selector).values()].map((s) => s.value));
      }
      const growth = sum(increases(first, last, expr.selector).map((series) => series.value));
      if (expr.fn === 'increase') return growth;
      const seconds = last.t - first.t;
      return seconds > 0 ? growth / seconds : NaN;
    }
    case 'quantile':
      return window.length < 2 ? NaN : histogramQuantile(expr.q, increases(first, last, expr.selector));
    case 'binary': {
      const left = evaluate(expr.left, window);
      const right = evaluate(expr.right, window);
      if (expr.op === '+') return left + right;
      if (expr.op === '-') return left - right;
      if (expr.op === '*') return left * right;
      return right === 0 ? NaN : left / right;
    }
  }
}

/** the samples inside [end - seconds, end] */
export function windowOf(samples: readonly Sample[], end: number, seconds: number): Sample[] {
  return samples.filter((sample) => sample.t >= end - seconds - 1e-6 && sample.t <= end + 1e-6);
}
