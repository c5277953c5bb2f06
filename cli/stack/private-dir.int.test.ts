// As root, PostgreSQL runs as `postgres`, which cannot enter a 0700 directory such as /root or a mkdtemp
// dir. A state dir below one must still work: PostgreSQL's dirs then go to a reachable place.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { down, status, up } from './lifecycle.ts';

describe.runIf(process.getuid?.() === 0)('a state dir the postgres user cannot reach', () => {
  const privateParent = mkdtempSync(join(tmpdir(), 'loadctl-private-'));
  chmodSync(privateParent, 0o700);
  const stateDir = join(privateParent, 'state');
  let postgresDataDir: string | undefined;

  afterAll(async () => {
    await down(stateDir);
    rmSync(privateParent, { recursive: true, force: true });
    if (postgresDataDir) rmSync(dirname(postgresDataDir), { recursive: true, force: true });
  });

  it('still starts PostgreSQL, with its data outside the private dir, and down stops it', async () => {
    const state = await up({ stateDir, withApi: false });
    postgresDataDir = state.postgres.dataDir;
    expect(state.postgres.dataDir?.startsWith(privateParent)).toBe(false);
    expect(
      (await status(stateDir)).services.filter((service) => service.name !== 'api').every((service) => service.healthy),
    ).toBe(true);
    const result = await down(stateDir);
    // the core services, and the monitoring started beside them, were running and are stopped
    const stopped = new Map(result.stopped.map((service) => [service.name, service.wasRunning]));
    for (const name of ['redis', 'postgres', 'prometheus', 'redisExporter', 'postgresExporter']) {
      expect(stopped.get(name as (typeof result.stopped)[number]['name']), name).toBe(true);
    }
  });
});
