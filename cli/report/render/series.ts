// What the charts draw, shared by the SVG charts (charts.ts) and the HTML report (html.ts): per-second series
// without the trailing partial second, setup() traffic as a window of its own instead of a spike that squashes
// the y-axis, and phase, event and fault labels placed in lanes so that no two overlap.
import type { ReportModel, TimelineBucket } from '../model.ts';

export interface Point {
  tS: number;
  series: string;
  value: number;
}

/** A shaded time window (fault, setup) or, with to === from, a marked instant (phase start, event). */
export interface Marker {
  from: number;
  to: number;
  label: string;
  kind: 'fault' | 'setup' | 'phase' | 'event';
  /** label row from the top of the plot; labels in one lane never overlap */
  lane: number;
}

/** Pixels a label of the chart font (10 px) takes per character, generously, so estimates never undershoot. */
const CHAR_PX = 6.2;
const LABEL_GAP_PX = 8;
export const LANE_HEIGHT_PX = 13;

const mid = (b: TimelineBucket) => b.startS + b.widthS / 2;

/**
 * The buckets whose rates mean something: the last one is dropped when it covers less than half the usual
 * width, since k6's final partial second (VUs stopping, the closing vus sample) reads as a drop to zero.
 */
export function rateBuckets(timeline: TimelineBucket[]): TimelineBucket[] {
  const last = timeline.at(-1);
  const usual = timeline.length > 2 ? (timeline[1]?.widthS ?? 0) : 0;
  return last && usual > 0 && last.widthS < usual / 2 ? timeline.slice(0, -1) : timeline;
}

export function perSecond(timeline: TimelineBucket[], series: string, pick: (b: TimelineBucket) => number): Point[] {
  return rateBuckets(timeline).map((b) => ({ tS: mid(b), series, value: pick(b) / b.widthS }));
}

export function pointsOf(
  timeline: TimelineBucket[],
  series: string,
  pick: (b: TimelineBucket) => number | undefined,
): Point[] {
  return timeline.flatMap((b) => {
    const value = pick(b);
    return value === undefined ? [] : [{ tS: mid(b), series, value }];
  });
}

/** The run's end in seconds from the first sample. */
export function endOf(model: ReportModel): number {
  const last = model.timeline.at(-1);
  return Math.max(model.overview.durationS ?? 0, last ? last.startS + last.widthS : 0);
}

function setupWindows(timeline: TimelineBucket[]): Omit<Marker, 'lane'>[] {
  const windows: Omit<Marker, 'lane'>[] = [];
  let open: { from: number; to: number; requests: number } | undefined;
  for (const bucket of timeline) {
    if ((bucket.setupRequests ?? 0) > 0) {
      open = open ?? { from: bucket.startS, to: bucket.startS, requests: 0 };
      open.to = bucket.startS + bucket.widthS;
      open.requests += bucket.setupRequests ?? 0;
    } else if (open) {
      windows.push({ from: open.from, to: open.to, label: `setup(): ${open.requests} requests`, kind: 'setup' });
      open = undefined;
    }
  }
  if (open)
    windows.push({ from: open.from, to: open.to, label: `teardown(): ${open.requests} requests`, kind: 'setup' });
  return windows;
}

/**
 * Fault windows, setup() windows, phase starts and events of a model, each with the lane its label goes in at
 * `widthPx` for the whole run: a label takes the first lane where it clears the previous label's end.
 */
export function markers(model: ReportModel, widthPx: number): Marker[] {
  const end = endOf(model) || 1;
  const events = model.context.events;
  const found: Omit<Marker, 'lane'>[] = [...setupWindows(model.timeline)];
  for (const event of events) {
    if (event.kind !== 'fault-injected' || event.offsetS === undefined) continue;
    const recovered = events.find(
      (e) => e.kind === 'fault-recovered' && e.name === event.name && (e.offsetS ?? -1) >= (event.offsetS ?? 0),
    );
    found.push({ from: event.offsetS, to: recovered?.offsetS ?? end, label: `fault: ${event.name}`, kind: 'fault' });
  }
  for (const phase of model.context.phases)
    found.push({ from: phase.startS, to: phase.startS, label: phase.name, kind: 'phase' });
  for (const event of events) {
    if (event.kind === 'fault-injected' || event.kind === 'fault-recovered' || event.offsetS === undefined) continue;
    found.push({ from: event.offsetS, to: event.offsetS, label: event.name, kind: 'event' });
  }
  const laneEnds: number[] = [];
  return found
    .sort((a, b) => a.from - b.from)
    .map((marker) => {
      const x = (marker.from / end) * widthPx;
      const labelEnd = x + marker.label.length * CHAR_PX + LABEL_GAP_PX;
      let lane = laneEnds.findIndex((taken) => taken <= x);
      if (lane < 0) lane = laneEnds.push(labelEnd) - 1;
      else laneEnds[lane] = labelEnd;
      return { ...marker, lane };
    });
}

/** How many label lanes the markers use (the plot reserves that much room above its data). */
export const laneCount = (found: Marker[]) => found.reduce((max, m) => Math.max(max, m.lane + 1), 0);
