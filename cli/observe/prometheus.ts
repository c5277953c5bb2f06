// Prometheus text exposition (version 0.0.4) → flat samples, and a loop that scrapes an endpoint on a timer.
// The format is small and stable, so a careful parser here beats a dependency: label values may hold escaped
// quotes, commas and braces, values may be NaN or ±Inf, and a timestamp may follow the value.

/** `name{label="value",…}` (labels as exposed, in their order) or plain `name` → value. */
export type PrometheusSamples = Record<string, number>;

const NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;

function parseValue(token: string): number | undefined {
  if (token === '+Inf' || token === 'Inf') return Number.POSITIVE_INFINITY;
  if (token === '-Inf') return Number.NEGATIVE_INFINITY;
  if (token === 'NaN') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(token)) return undefined;
  return Number(token);
}

/** One sample line → [key, value], or undefined when the line is not a well-formed sample. */
export function parseSampleLine(line: string): [string, number] | undefined {
  NAME.lastIndex = 0;
  const name = NAME.exec(line)?.[0];
  if (!name) return undefined;
  let at = name.length;
  const labels: string[] = [];
  if (line[at] === '{') {
    at++;
    for (;;) {
      while (line[at] === ' ' || line[at] === ',') at++;
      if (line[at] === '}') {
        at++;
        break;
      }
      LABEL_NAME.lastIndex = at;
      const labelName = LABEL_NAME.exec(line)?.[0];
      if (!labelName) return undefined;
      at += labelName.length;
      while (line[at] === ' ') at++;
      if (line[at] !== '=' || line[at + 1] !== '"') return undefined;
      at += 2;
      let value = '';
      for (; at < line.length && line[at] !== '"'; at++) {
        if (line[at] === '\\') {
          const escaped = line[++at];
          value += escaped === 'n' ? '\n' : (escaped ?? '');
        } else value += line[at];
      }
      if (line[at] !== '"') return undefined;
      at++;
      labels.push(`${labelName}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
    }
  }
  const [valueToken] = line.slice(at).trim().split(/\s+/);
  const value = valueToken === undefined ? undefined : parseValue(valueToken);
  if (value === undefined) return undefined;
  return [labels.length ? `${name}{${labels.join(',')}}` : name, value];
}

/** Every sample of a scrape; comments, blank and malformed lines are skipped. */
export function parsePrometheusText(text: string): PrometheusSamples {
  const samples: PrometheusSamples = {};
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseSampleLine(line);
    if (sample) samples[sample[0]] = sample[1];
  }
  return samples;
}

/** Samples as JSON can carry them: NaN and ±Inf values are dropped (JSON has no spelling for them). */
export function finiteSamples(samples: PrometheusSamples): PrometheusSamples {
  return Object.fromEntries(Object.entries(samples).filter(([, value]) => Number.isFinite(value)));
}

export interface ScrapeLoop {
  /** stops the timer and waits for a scrape in flight */
  stop(): Promise<void>;
}

export interface ScrapeOptions {
  /** called when a scrape fails (connection refused, non-200, timeout); the loop keeps going */
  onError?: (error: Error) => void;
  headers?: Record<string, string>;
}

/**
 * Scrapes `url` every `intervalMs` (the first scrape at once) and hands each parsed scrape to `onSample` with
 * the time it was taken (ms since the epoch). Scrapes never overlap: a slow one delays the next.
 */
export function scrapeLoop(
  url: string,
  intervalMs: number,
  onSample: (t: number, samples: PrometheusSamples) => void,
  opts: ScrapeOptions = {},
): ScrapeLoop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const scrapeOnce = async (): Promise<void> => {
    const t = Date.now();
    try {
      const response = await fetch(url, {
        headers: opts.headers,
        signal: AbortSignal.timeout(Math.max(intervalMs, 1000)),
      });
      if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
      const text = await response.text();
      if (!stopped) onSample(t, parsePrometheusText(text));
    } catch (error) {
      if (!stopped) opts.onError?.(error instanceof Error ? error : new Error(String(error)));
    }
  };
  const tick = (): void => {
    if (stopped) return;
    const started = Date.now();
    inFlight = scrapeOnce().then(() => {
      if (!stopped) timer = setTimeout(tick, Math.max(0, intervalMs - (Date.now() - started)));
    });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
}
