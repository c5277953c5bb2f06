// Web Vitals and WebSocket totals from a k6 summary, for a report built without the raw stream. A summary
// has no per-page or per-name split, so only the all-pages and all-sessions rows; p75 is there only when
// the script listed p(75) in summaryTrendStats (loadctl's workloads do).
import type { LatencyStats, ReportModel, VitalStats } from '../model.ts';
import type { NormalizedSummary } from '../inputs/summary.ts';
import { rateVital, VITALS } from './browser.ts';

export function protocolsFromSummary(
  summary: NormalizedSummary,
  latency: (name: string) => LatencyStats | undefined,
): Pick<ReportModel, 'webVitals' | 'websocketTotals'> {
  const m = summary.metrics;
  const vitals: VitalStats[] = VITALS.flatMap(({ vital, metric }) => {
    const v = m.get(metric)?.values;
    if (v?.p75 === undefined || v.p95 === undefined) return [];
    return [
      {
        vital,
        samples: v.count,
        p75: v.p75,
        p95: v.p95,
        rating: rateVital(vital, v.p75),
        p95Rating: rateVital(vital, v.p95),
      },
    ];
  });
  const sessions = m.get('ws_sessions')?.values;
  const sent = m.get('ws_msgs_sent')?.values;
  const received = m.get('ws_msgs_received')?.values;
  return {
    webVitals: vitals.length > 0 ? { allPages: vitals, pages: [] } : undefined,
    websocketTotals: sessions
      ? {
          name: 'all sessions',
          sessions: sessions.count ?? 0,
          statuses: [],
          connecting: latency('ws_connecting'),
          sessionDuration: latency('ws_session_duration'),
          messagesSent: sent?.count ?? 0,
          messagesReceived: received?.count ?? 0,
          sentPerS: sent?.rate,
          receivedPerS: received?.rate,
        }
      : undefined,
  };
}
