import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SHARED_PORTS } from './processes.ts';

/** A port that is free on 127.0.0.1 right now: the kernel picks it when we bind port 0. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port assigned'))));
      });
    });
    if (!SHARED_PORTS.has(port)) return port;
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Wait (bounded) until nothing holds the port: a SIGKILLed server keeps its socket until the kernel has
 * torn the process down, and a successor started on the same port before then fails to bind.
 */
export async function waitForPortRelease(port: number, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await canBind(port)) && Date.now() < deadline) await sleep(50);
}
