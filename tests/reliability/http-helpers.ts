// Shared by the reliability and security tests: raw HTTP where fetch would tidy the request up, a snapshot
// of all business state for "a 4xx changes nothing", and the hostile strings every input is tried with.
import { connect } from 'node:net';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { QueueKeys } from '../../reference-api/src/store/queue-keys.ts';

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
  headers: Record<string, string>;
  text: string;
}

/**
 * One HTTP/1.1 request written byte for byte on a socket — header values and paths go out as UTF-8 with
 * whatever control characters they hold, which fetch and node:http refuse to send but an attacker can.
 * Resolves with the response even if the server cuts the upload short.
 */
export function sendRaw(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<RawReply> {
  const url = new URL(baseUrl);
  const head = [
    `${method} ${path} HTTP/1.1`,
    `host: ${url.host}`,
    'connection: close',
    ...Object.entries({ ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }).map(
      ([name, value]) => `${name}: ${value}`,
    ),
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const chunks: Buffer[] = [];
    socket.setTimeout(15_000, () => socket.destroy(new Error(`${method} ${path}: no answer in 15 s`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      if (chunks.length === 0) reject(error);
    });
    socket.on('close', () => {
      const reply = parseResponse(Buffer.concat(chunks));
      if (reply) resolve(reply);
      else reject(new Error(`${method} ${path}: the server closed the connection without an HTTP response`));
    });
    socket.write(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'utf8'), body ?? Buffer.alloc(0)]), () => undefined);
  });
}

function parseResponse(raw: Buffer): RawReply | undefined {
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) return undefined;
  const [statusLine = '', ...headerLines] = raw.subarray(0, split).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!status) return undefined;
  const headers = Object.fromEntries(
    headerLines.map((line) => [
      line.slice(0, line.indexOf(':')).trim().toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  );
  let body = raw.subarray(split + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    for (let at = 0; at < body.length; ) {
      const lineEnd = body.indexOf('\r\n', at);
      const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
      if (!(size > 0)) break;
      parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  }
  return { status, headers, text: body.toString('utf8') };
}

/** Everything a request could change — PostgreSQL's business tables and the Redis waiting queue — as counts and digests. */
export async function businessSnapshot(db: pg.Client, redis: Redis): Promise<Record<string, string>> {
  const { rows } = await db.query<Record<string, string>>(`
    SELECT (SELECT md5(coalesce(string_agg(id || ':' || balance, ',' ORDER BY id), '')) FROM users) AS users,
           (SELECT md5(coalesce(string_agg(id || ':' || status || ':' || expires_at, ',' ORDER BY id), '')) FROM reservations) AS reservations,
           (SELECT md5(coalesce(string_agg(concert_id || '/' || schedule_id || '/' || seat_no || ':' || status, ',' ORDER BY concert_id, schedule_id, seat_no), '')) FROM seats WHERE status <> 'AVAILABLE') AS seats,
           (SELECT count(*)::text FROM payments) AS payments,
           (SELECT count(*)::text FROM balance_ledger) AS ledger,
           (SELECT count(*)::text FROM idempotency_keys) AS idempotency_keys`);
  const queue = await redis.eval(
    `return {redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2]), #redis.call('KEYS', ARGV[1] .. '*'), #redis.call('KEYS', ARGV[2] .. '*')}`,
    2,
    QueueKeys.waiting,
    QueueKeys.active,
    QueueKeys.tokenPrefix,
    QueueKeys.userPrefix,
  );
  return { ...rows[0], queue: JSON.stringify(queue) };
}
