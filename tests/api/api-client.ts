// The HTTP client the API's integration tests share: plain fetch, JSON bodies parsed, the queue token and
// admin token headers filled in, and a reader for one metric summed over its label sets.
import { get, type ClientRequest } from 'node:http';
import { ADMIN_TOKEN_HEADER } from '../../reference-api/src/admin-contract.ts';

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies of many shapes, read field by field in the tests
  body: any;
  headers: Headers;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** a body sent as is (malformed JSON and the like) */
  raw?: string;
  headers?: Record<string, string>;
}

export function apiClient(baseUrl: string, adminToken: string) {
  const base = baseUrl.replace(/\/$/, '');

  async function call(method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token !== undefined) headers['QUEUE-TOKEN'] = opts.token;
    if (opts.body !== undefined || opts.raw !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(base + path, {
      method,
      headers,
      body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
      headers: response.headers,
    };
  }

  /** GET without a body, POST with one */
  const admin = (path: string, body?: unknown): Promise<Reply> =>
    call(body === undefined ? 'GET' : 'POST', path, { body, headers: { [ADMIN_TOKEN_HEADER]: adminToken } });

  /** the sum of every sample of one metric family in /metrics */
  async function metric(name: string): Promise<number> {
    const text = (await call('GET', '/metrics')).body as string;
    return text
      .split('\n')
      .filter((line) => line.startsWith(name))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
  }

  /**
   * GET on a connection of its own (fetch reuses pooled keep-alive sockets, which stay bound to one worker):
   * so the cluster's round robin picks the worker, as it does for a new client.
   */
  function freshGet(path: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      get(base + path, { agent: false }, (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const headers = new Headers(
            Object.entries(response.headers).flatMap(([name, value]) =>
              typeof value === 'string' ? [[name, value] as [string, string]] : [],
            ),
          );
          resolve({
            status: response.statusCode ?? 0,
            body: headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
            headers,
          });
        });
      })
        .setTimeout(10_000, function (this: ClientRequest) {
          this.destroy(new Error(`GET ${path}: no answer within 10 s`));
        })
        .on('error', reject);
    });
  }

  return { call, admin, metric, freshGet };
}
export type ApiClient = ReturnType<typeof apiClient>;
