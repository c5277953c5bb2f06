// "Is this incident happening?": a runbook's signals evaluated now by Prometheus. A signal fires when its
// PromQL comparison returns a series (a comparison filters out the series for which it is false).
import type { PrometheusClient } from '../observe/prometheus-api.ts';
import type { Runbook } from './load.ts';

export interface SignalReading {
  id: string;
  expr: string;
  firing: boolean;
  /** the values of the series that satisfy the comparison (empty when not firing) */
  values: number[];
  description?: string;
}

export async function checkSignals(runbook: Runbook, prometheus: PrometheusClient): Promise<SignalReading[]> {
  return Promise.all(
    runbook.signals.map(async (signal) => {
      const series = await prometheus.query(signal.expr);
      const values = series.flatMap((entry) => entry.samples.map(([, value]) => value));
      return { id: signal.id, expr: signal.expr, firing: values.length > 0, values, description: signal.description };
    }),
  );
}
