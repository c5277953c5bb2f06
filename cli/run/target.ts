// Load goes to loopback only, unless the user names a remote target and says so with --allow-remote.
// Hostnames are resolved: a name that maps to any non-loopback address is remote.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { UserError } from '../shared/errors.ts';

export function isLoopbackAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) {
    const lower = bare.toLowerCase();
    if (lower === '::1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    return mapped ? isLoopbackAddress(mapped[1]!) : false;
  }
  return false;
}

/** The target as a base URL without a trailing slash; refuses anything but http(s). */
export function parseTarget(target: string): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UserError(`--target '${target}' is not a URL.`, 'give a base URL such as http://127.0.0.1:8080');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError(`--target '${target}' is not http(s).`, 'give a base URL such as http://127.0.0.1:8080');
  }
  return url;
}

/** Throws unless every address the target's host resolves to is loopback, or remote load is allowed. */
export async function assertTargetAllowed(
  target: string,
  allowRemote: boolean,
  resolve: (host: string) => Promise<string[]> = resolveAll,
): Promise<URL> {
  const url = parseTarget(target);
  if (allowRemote) return url;
  let addresses: string[];
  try {
    addresses = await resolve(url.hostname);
  } catch {
    throw new UserError(`the target host '${url.hostname}' does not resolve.`, 'check the name, or use an IP address');
  }
  const remote = addresses.filter((address) => !isLoopbackAddress(address));
  if (addresses.length === 0 || remote.length > 0) {
    throw new UserError(
      `refusing to send load to ${url.host} (${remote.join(', ') || 'no address'}): it is not this machine.`,
      'load only systems you own; if you do, add --allow-remote',
    );
  }
  return url;
}

async function resolveAll(host: string): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare)) return [bare];
  return (await lookup(bare, { all: true })).map((entry) => entry.address);
}
