// Shared by the reliability and security tests: raw HTTP where fetch would tidy the request up, a snapshot
// of all business state for "a 4xx changes nothing", and the hostile strings every input is tried with.
import { request } from 'node:http';
import type pg from 'pg';

export const INJECTION_STRINGS = [
  "1' OR '1'='1",
  "'; DROP TABLE users; --",
  '1; SELECT pg_sleep(5)',
  '$(touch /tmp/pwned)',
  '`id`',
  '../../../../etc/passwd',
  '%s%n%x',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '\u202e\u0007\u001b[31m',
  '𝕦𝕟𝕚𝕔𝕠𝕕𝕖 ✓ 한국어',
  'a'.repeat(5000),
];

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One HTTP/1.1 request with exactly these headers and bytes; resolves on the response even if the server then cuts the upload. */
export function sendRaw(baseUrl: string, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<RawReply> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, timeout: 15_000 }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 15 s`)));
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (body) req.write(body, () => undefined);
    req.end();
  });
}

/** Everything a request could change in PostgreSQL, reduced to counts and digests. */
export async function businessSnapshot(db: pg.Client): Promise<Record<string, string>> {
  const { rows } = await db.query<Record<string, string>>(`
    SELECT (SELECT md5(coalesce(string_agg(id || ':' || balance, ',' ORDER BY id), '')) FROM users) AS users,
           (SELECT md5(coalesce(string_agg(id || ':' || status || ':' || expires_at, ',' ORDER BY id), '')) FROM reservations) AS reservations,
           (SELECT md5(coalesce(string_agg(concert_id || '/' || schedule_id || '/' || seat_no || ':' || status, ',' ORDER BY concert_id, schedule_id, seat_no), '')) FROM seats WHERE status <> 'AVAILABLE') AS seats,
           (SELECT count(*)::text FROM payments) AS payments,
           (SELECT count(*)::text FROM balance_ledger) AS ledger,
           (SELECT count(*)::text FROM idempotency_keys) AS idempotency_keys`);
  return rows[0] ?? {};
}
