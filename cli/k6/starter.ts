// `loadctl init`: a starter k6 test in TypeScript for a base URL and a list of endpoints, written the way this
// project writes its own workloads — every request tagged with its route as `name` (one line per endpoint in
// the report, not one per id), a check per request, thresholds that make a run pass or fail, and no remote
// imports (the test runs offline and archives whole for `loadctl k8s`).
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface Endpoint {
  method: HttpMethod;
  /** a route template: `/items/{id}` or `/items/:id`; its parameters come from PATH_VALUES in the script */
  path: string;
}

/** `GET /items/{id}` or `/items` (GET) → an endpoint; undefined when it is neither. */
export function parseEndpoint(text: string): Endpoint | undefined {
  const match = /^\s*(?:([A-Za-z]+)\s+)?(\/\S*)\s*$/.exec(text);
  const method = (match?.[1] ?? 'GET').toUpperCase();
  if (!match || !(HTTP_METHODS as readonly string[]).includes(method)) return undefined;
  return { method: method as HttpMethod, path: match[2]! };
}

const PARAMETER = /\{([A-Za-z_][A-Za-z0-9_]*)\}|:([A-Za-z_][A-Za-z0-9_]*)/g;

function parameters(endpoints: readonly Endpoint[]): string[] {
  return [
    ...new Set(endpoints.flatMap((endpoint) => [...endpoint.path.matchAll(PARAMETER)].map((m) => m[1] ?? m[2]!))),
  ];
}

function requestLines(endpoint: Endpoint): string[] {
  const route = JSON.stringify(`${endpoint.method} ${endpoint.path}`);
  const url = `\`\${BASE_URL}${endpoint.path.replace(PARAMETER, (_, braced: string | undefined, colon: string | undefined) => `\${PATH_VALUES.${braced ?? colon}}`)}\``;
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(endpoint.method);
  const call = hasBody
    ? `http.request('${endpoint.method}', ${url}, JSON.stringify({}), { ...params(${route}), headers: JSON_HEADERS })`
    : `http.request('${endpoint.method}', ${url}, null, params(${route}))`;
  return [
    '  {',
    `    const res = ${call};`,
    `    check(res, { ${JSON.stringify(`${endpoint.method} ${endpoint.path} is 2xx`)}: (r) => r.status >= 200 && r.status < 300 });`,
    '  }',
  ];
}

export function starterScript(baseUrl: string, endpoints: readonly Endpoint[]): string {
  const names = parameters(endpoints);
  return [
    `// A k6 load test for ${baseUrl}, written by \`loadctl init\`. Run it:`,
    '//   loadctl run <this file> --target <base URL>            (its own options below)',
    '//   loadctl run <this file> --target <base URL> --shape load --scale 0.1   (a seed shape instead)',
    "import http from 'k6/http';",
    "import { check, sleep } from 'k6';",
    "import type { Options } from 'k6/options';",
    '',
    '// --target (or -e BASE_URL=…) wins; loadctl checks it is this machine unless --allow-remote',
    `const BASE_URL = (__ENV.BASE_URL || ${JSON.stringify(baseUrl)}).replace(/\\/$/, '');`,
    ...(names.length > 0
      ? [
          '',
          '// values for the route parameters: use ids that exist in the system under test',
          `const PATH_VALUES = { ${names.map((name) => `${name}: '1'`).join(', ')} };`,
        ]
      : []),
    "const JSON_HEADERS = { 'Content-Type': 'application/json' };",
    '',
    '// the route as `name`: /items/1 and /items/2 are one endpoint in the report',
    'const params = (name: string) => ({ tags: { name } });',
    '',
    'export const options: Options = {',
    "  scenarios: { steady: { executor: 'constant-vus', vus: 5, duration: '10s' } },",
    '  thresholds: {',
    "    http_req_failed: ['rate<0.01'],",
    "    checks: ['rate>0.99'],",
    "    http_req_duration: ['p(95)<500'],",
    '  },',
    '};',
    '',
    'export default function (): void {',
    ...endpoints.flatMap(requestLines),
    '  sleep(1);',
    '}',
    '',
  ].join('\n');
}
