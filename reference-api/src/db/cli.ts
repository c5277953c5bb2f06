// `node --import tsx reference-api/src/db/cli.ts migrate|seed [--users N --concerts N --schedules N --seats N --balance N --reset]`
// with DATABASE_URL in the environment.
import { parseArgs } from 'node:util';
import { migrate } from './migrate.ts';
import { seed, SeedSizes } from './seed.ts';

const USAGE =
  'usage: db/cli.ts migrate | seed [--users N] [--concerts N] [--schedules N] [--seats N] [--balance N] [--reset]';

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      users: { type: 'string' },
      concerts: { type: 'string' },
      schedules: { type: 'string' },
      seats: { type: 'string' },
      balance: { type: 'string' },
      reset: { type: 'boolean', default: false },
    },
  });
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) fail('DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/loadctl)');
  const command = positionals[0];
  if (command === 'migrate') {
    const result = await migrate(databaseUrl);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  if (command === 'seed') {
    const numeric = Object.fromEntries(
      (['users', 'concerts', 'schedules', 'seats', 'balance'] as const)
        .filter((key) => values[key] !== undefined)
        .map((key) => [key, Number(values[key])]),
    );
    const sizes = SeedSizes.safeParse(numeric);
    if (!sizes.success)
      fail(`bad seed size — ${sizes.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const result = await seed(databaseUrl, sizes.data, { reset: values.reset });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  fail(USAGE);
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
