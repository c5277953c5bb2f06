// Free loopback ports for the processes loadctl starts, never the machine's shared Redis/PostgreSQL ports.
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** The machine's shared instances. Nothing listening there is ever started, stopped or signalled by loadctl. */
export const SHARED_PORTS: ReadonlySet<number> = new Set([5432, 6379]);

/** Bind 127.0.0.1:port (0 = the kernel picks one) and let go again → the port bound, or undefined when taken. */
function bindOnce(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

/** A port that is free on 127.0.0.1 right now: the kernel picks it when we bind port 0. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await bindOnce(0);
    if (port === undefined) throw new Error('no port assigned');
    if (!SHARED_PORTS.has(port)) return port;
  }
}

/**
 * Wait (bounded) until nothing holds the port: a SIGKILLed server keeps its socket until the kernel has
 * torn the process down, and a successor started on the same port before then fails to bind.
 */
export async function waitForPortRelease(port: number, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await bindOnce(port)) === undefined && Date.now() < deadline) await sleep(50);
}
