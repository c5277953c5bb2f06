// Web Vitals of a k6/browser run, per page (the `url` tag k6 puts on every vital) and over all pages. A
// browser makes few page loads (one Chromium per VU), so every sample is kept and p75/p95 are k6's own,
// interpolated exactly as k6 does — a histogram's nearest rank is too coarse for 20 samples.
import { k6Percentile } from '../histogram.ts';
import type { Note, PageVitals, VitalName, VitalRating, VitalStats, WebVitals } from '../model.ts';
import { formatMs } from '../units.ts';
import { entryOf } from '../../shared/maps.ts';

/** k6/browser's page requests: the report counts them as traffic like http_req_duration. */
export const BROWSER_REQUEST_METRIC = 'browser_http_req_duration';

interface VitalDefinition {
  vital: VitalName;
  label: string;
  metric: string;
  /** web.dev thresholds: ≤ good is good, > poor is poor, between needs improvement */
  good: number;
  poor: number;
  /** CLS is a score, the others milliseconds */
  unitless?: boolean;
}

export const VITALS: readonly VitalDefinition[] = [
  { vital: 'lcp', label: 'LCP', metric: 'browser_web_vital_lcp', good: 2500, poor: 4000 },
  { vital: 'fcp', label: 'FCP', metric: 'browser_web_vital_fcp', good: 1800, poor: 3000 },
  { vital: 'cls', label: 'CLS', metric: 'browser_web_vital_cls', good: 0.1, poor: 0.25, unitless: true },
  { vital: 'inp', label: 'INP', metric: 'browser_web_vital_inp', good: 200, poor: 500 },
  { vital: 'ttfb', label: 'TTFB', metric: 'browser_web_vital_ttfb', good: 800, poor: 1800 },
];
export const VITAL_METRICS = VITALS.map((v) => v.metric);

function definition(vital: VitalName): VitalDefinition {
  return VITALS.find((v) => v.vital === vital) ?? (VITALS[0] as VitalDefinition);
}

export function rateVital(vital: VitalName, value: number): VitalRating {
  const { good, poor } = definition(vital);
  return value <= good ? 'good' : value <= poor ? 'needs improvement' : 'poor';
}

export function formatVital(vital: VitalName, value: number): string {
  return definition(vital).unitless ? value.toFixed(3) : formatMs(value);
}

export function vitalLabel(vital: VitalName): string {
  return definition(vital).label;
}

/** `good ≤ 2.50 s, poor > 4.00 s` */
export function vitalThresholds(vital: VitalName): string {
  const { good, poor } = definition(vital);
  return `good ≤ ${formatVital(vital, good)}, poor > ${formatVital(vital, poor)}`;
}

const NO_PAGE = '(no url tag)';

export type WebVitalSnapshot = [page: string, vital: VitalName, samples: number[]][];

/** Every vital sample of the run by page; mergeable like the rest of the aggregate. */
export class WebVitalSamples {
  private readonly byPage = new Map<string, Map<VitalName, number[]>>();

  add(metric: string, value: number, page: string | undefined): void {
    const vital = VITALS.find((v) => v.metric === metric)?.vital;
    if (vital) this.push(page ?? NO_PAGE, vital, [value]);
  }

  private push(page: string, vital: VitalName, values: readonly number[]): void {
    const vitals = entryOf(this.byPage, page, () => new Map<VitalName, number[]>());
    const samples = vitals.get(vital);
    if (samples) samples.push(...values);
    else vitals.set(vital, [...values]);
  }

  merge(other: WebVitalSamples): void {
    for (const [page, vital, samples] of other.toSnapshot()) this.push(page, vital, samples);
  }

  toSnapshot(): WebVitalSnapshot {
    return [...this.byPage].flatMap(([page, vitals]) =>
      [...vitals].map(([vital, samples]) => [page, vital, samples] as [string, VitalName, number[]]),
    );
  }

  static fromSnapshot(snapshot: WebVitalSnapshot): WebVitalSamples {
    const restored = new WebVitalSamples();
    for (const [page, vital, samples] of snapshot) restored.push(page, vital, samples);
    return restored;
  }

  stats(): WebVitals | undefined {
    if (this.byPage.size === 0) return undefined;
    const all = new Map<VitalName, number[]>();
    for (const vitals of this.byPage.values())
      for (const [vital, samples] of vitals) all.set(vital, [...(all.get(vital) ?? []), ...samples]);
    const pages: PageVitals[] = [...this.byPage]
      .map(([page, vitals]) => ({ page, vitals: vitalStats(vitals) }))
      .sort((a, b) => a.page.localeCompare(b.page));
    return { allPages: vitalStats(all), pages };
  }
}

function vitalStats(byVital: Map<VitalName, number[]>): VitalStats[] {
  return VITALS.flatMap(({ vital }) => {
    const samples = byVital.get(vital);
    if (!samples || samples.length === 0) return [];
    const sorted = [...samples].sort((a, b) => a - b);
    const p75 = k6Percentile(sorted, 75);
    const p95 = k6Percentile(sorted, 95);
    return [
      { vital, samples: sorted.length, p75, p95, rating: rateVital(vital, p75), p95Rating: rateVital(vital, p95) },
    ];
  });
}

/** How far past its "good" bound a vital is: the yardstick that makes LCP and CLS comparable. */
function severity(v: VitalStats): number {
  return v.p75 / definition(v.vital).good;
}

/** The worst vital on the worst page, judged at p75: one note, a warning unless every vital is good. */
export function webVitalNotes(webVitals: WebVitals | undefined): Note[] {
  // a report read from a summary alone has no per-page split
  const pages = webVitals?.pages.length ? webVitals.pages : [{ page: 'all pages', vitals: webVitals?.allPages ?? [] }];
  const candidates = pages.flatMap((p) => p.vitals.map((v) => ({ page: p.page, v })));
  const worst = candidates.sort((a, b) => severity(b.v) - severity(a.v))[0];
  if (!worst) return [];
  const { page, v } = worst;
  const where = pages.length > 1 ? `on ${page} (worst of ${pages.length} pages)` : `on ${page}`;
  return [
    {
      id: 'web-vitals',
      severity: v.rating === 'good' ? 'info' : 'warning',
      subject: `${v.vital} ${page}`,
      value: v.p75,
      text: `Worst Web Vital: ${vitalLabel(v.vital)} ${where} — p75 ${formatVital(v.vital, v.p75)}, ${v.rating} (${vitalThresholds(v.vital)}); p95 ${formatVital(v.vital, v.p95)}.`,
    },
  ];
}
