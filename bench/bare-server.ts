// The reference points of the benchmark: a bare Express 5 app and a bare node:http server, each returning
// the exact bytes our API returns for GET /api/v1/concerts, with the same node:cluster layout (one
// primary, WORKERS workers sharing the port) so the comparison is process-for-process.
// Usage: KIND=express|http BODY_FILE=… PORT=… WORKERS=… node --import tsx bench/bare-server.ts
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import express from 'express';

const kind = process.env.KIND;
const port = Number(process.env.PORT);
const workers = Number(process.env.WORKERS ?? 2);
const body = readFileSync(process.env.BODY_FILE ?? '');

// the API's process model (reference-api/src/server.ts): each worker accepts its own connections
cluster.schedulingPolicy = cluster.SCHED_NONE;

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  let listening = 0;
  cluster.on('listening', () => {
    if (++listening === workers) process.stdout.write('ready\n');
  });
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    process.exit(0);
  });
} else if (kind === 'express') {
  const app = express();
  app.get('/api/v1/concerts', (_req, res) => {
    res.type('application/json').send(body);
  });
  app.listen(port, '127.0.0.1');
} else {
  createServer((req, res) => {
    if (req.url === '/api/v1/concerts') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
      res.end(body);
    } else {
      res.writeHead(404).end();
    }
  }).listen(port, '127.0.0.1');
}
