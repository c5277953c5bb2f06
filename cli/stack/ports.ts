import { createServer } from 'node:net';
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
