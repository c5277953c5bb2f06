// What a run directory (reports/<run-id>/) holds. Writers (run, drill) and readers (report, compare, gate)
// agree on these names and this meta schema, so data flows one way: k6 → files → report.
import { z } from 'zod';

export const RunFiles = {
  meta: 'meta.json',
  /** k6 handleSummary data (JSON) */
  summary: 'summary.json',
  /** k6's raw NDJSON stream (--out json=raw.json.gz); a split run writes raw.<i>.json.gz, listed in meta.rawFiles */
  raw: 'raw.json.gz',
  /** samples of the API's /metrics taken during the run: one JSON object per line, see ServerMetricsSample */
  serverMetrics: 'server-metrics.ndjson',
  k6Log: 'k6.log',
  report: 'report.md',
  reportJson: 'report.json',
  chartsDir: 'charts',
  /** drills only: the machine-readable record of what was planned, what happened and each verdict */
  journal: 'journal.json',
} as const;

export const RunEvent = z.object({
  /** ISO time */
  at: z.string(),
  kind: z.enum([
    'phase',
    'fault-injected',
    'fault-recovered',
    'mitigation',
    'signal-fired',
    'slo-restored',
    'guard-tripped',
    'note',
  ]),
  name: z.string(),
  detail: z.string().optional(),
});
export type RunEvent = z.infer<typeof RunEvent>;

/** What the loopback rule could check of a user's script: not the hosts it calls on its own. */
export const SCRIPT_HOSTS_NOTE =
  'only --target / BASE_URL is checked against the loopback rule; other hosts the script calls are not known in advance';

export const RunMeta = z.object({
  runId: z.string(),
  /** a seed shape, or 'own' for a user's script under its own options */
  shape: z.string(),
  /** a workload, or the file name of a user's script */
  workload: z.string(),
  /** the base URL load went to (--target / BASE_URL), or what a user's script said when it named none */
  target: z.string(),
  /** a user's own k6 script (or archive): which one, so a baseline belongs to it, and what was checked */
  script: z.object({ file: z.string(), sha256: z.string(), hosts: z.string() }).optional(),
  scale: z.number().positive().default(1),
  k6Version: z.string(),
  gitCommit: z.string().optional(),
  machine: z.object({
    hostname: z.string(),
    cpus: z.number(),
    cpuModel: z.string().optional(),
    memoryGb: z.number(),
    os: z.string(),
    node: z.string(),
  }),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  /** k6's own exit code (99 = thresholds failed, 105/107/108 …) */
  k6ExitCode: z.number().int().optional(),
  /** raw stream files relative to the run dir; more than one for split (--segments) runs */
  rawFiles: z.array(z.string()).default([RunFiles.raw]),
  /** handleSummary files relative to the run dir; a split run writes summary.<i>.json per segment */
  summaryFiles: z.array(z.string()).default([RunFiles.summary]),
  segments: z.number().int().positive().default(1),
  /** planned stages, so charts can mark ramp and hold phases */
  phases: z
    .array(z.object({ name: z.string(), startS: z.number(), endS: z.number(), target: z.number().optional() }))
    .default([]),
  /** fault windows, mitigations and the like, marked on charts and timelines */
  events: z.array(RunEvent).default([]),
  interrupted: z.boolean().default(false),
  /** why loadctl itself ended the load before its planned end (a drill stops its load once its timeline is done) */
  stoppedEarly: z.string().optional(),
  /** CPU the k6 processes used (Linux), to tell a saturated load generator from a saturated API */
  loadGenerator: z.object({ cpuSeconds: z.number(), wallSeconds: z.number() }).optional(),
});
export type RunMeta = z.infer<typeof RunMeta>;

/** One line of server-metrics.ndjson: a scrape of the API's /metrics, flattened to `name{labels}` → value. */
export const ServerMetricsSample = z.object({
  t: z.number(),
  values: z.record(z.string(), z.number()),
});
export type ServerMetricsSample = z.infer<typeof ServerMetricsSample>;
