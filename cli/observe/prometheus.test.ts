import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { finiteSamples, parsePrometheusText, scrapeLoop } from './prometheus.ts';

const TEXT = `# HELP http_request_duration_seconds latency
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.005",route="/concerts",method="GET"} 12
http_request_duration_seconds_bucket{le="+Inf",route="/concerts",method="GET"} 20
http_request_duration_seconds_sum{route="/concerts",method="GET"} 0.25
process_resident_memory_bytes 1.5e+08
weird{path="a\\"b,c}d",x="line\\nbreak"} 3 1700000000000
nan_metric NaN
broken{le=0.1} 4
`;

describe('prometheus text', () => {
  it('parses samples with labels, escapes, exponents and timestamps', () => {
    const samples = parsePrometheusText(TEXT);
    expect(samples['http_request_duration_seconds_bucket{le="0.005",route="/concerts",method="GET"}']).toBe(12);
    expect(samples['http_request_duration_seconds_bucket{le="+Inf",route="/concerts",method="GET"}']).toBe(20);
    expect(samples.process_resident_memory_bytes).toBe(1.5e8);
    expect(samples['weird{path="a\\"b,c}d",x="line\\nbreak"}']).toBe(3);
    expect(Number.isNaN(samples.nan_metric)).toBe(true);
    expect(Object.keys(samples).some((key) => key.startsWith('broken'))).toBe(false);
    expect(finiteSamples(samples).nan_metric).toBeUndefined();
  });

  it('scrapes on a timer and reports failures without stopping', async () => {
    let calls = 0;
    const server = createServer((_, res) => {
      calls++;
      if (calls === 2) res.writeHead(500).end();
      else res.end(`up ${calls}\n`);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as { port: number };
    const seen: number[] = [];
    const errors: string[] = [];
    const loop = scrapeLoop(`http://127.0.0.1:${port}/metrics`, 50, (_, s) => seen.push(s.up!), {
      onError: (e) => errors.push(e.message),
    });
    await new Promise((done) => setTimeout(done, 300));
    await loop.stop();
    server.close();
    expect(seen.slice(0, 2)).toEqual([1, 3]);
    expect(errors[0]).toMatch(/500/);
  });
});
