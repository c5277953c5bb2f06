// `loadctl init [file]`: write a starter TypeScript k6 test for a base URL and its endpoints, ready for `loadctl run`.
import { existsSync, writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { parseEndpoint, starterScript, type Endpoint } from '../k6/starter.ts';
import { UserError } from '../shared/errors.ts';
import { paint } from '../shared/output.ts';

function endpoint(value: string, previous: Endpoint[]): Endpoint[] {
  const parsed = parseEndpoint(value);
  if (!parsed) throw new InvalidArgumentError("expected '[METHOD] /path', e.g. 'GET /items/{id}'.");
  return [...previous, parsed];
}

export function register(program: Command): void {
  program
    .command('init')
    .description('write a starter k6 test (TypeScript) for your API, ready for `loadctl run`')
    .argument('[file]', 'where to write it', 'load-test.ts')
    .requiredOption('--base-url <url>', 'the base URL of your API, e.g. http://127.0.0.1:3000')
    .option('-e, --endpoint <[method] path>', "an endpoint to load, e.g. 'GET /items/{id}' (repeatable)", endpoint, [])
    .option('--force', 'overwrite the file if it exists')
    .addHelpText(
      'after',
      `
Example:
  loadctl init --base-url http://127.0.0.1:3000 -e 'GET /health' -e 'GET /items/{id}' -e 'POST /orders'
  loadctl run load-test.ts --target http://127.0.0.1:3000`,
    )
    .action((file: string, flags: { baseUrl: string; endpoint: Endpoint[]; force?: boolean }) => {
      if (!URL.canParse(flags.baseUrl))
        throw new UserError(`--base-url '${flags.baseUrl}' is not a URL.`, 'e.g. --base-url http://127.0.0.1:3000');
      if (existsSync(file) && !flags.force)
        throw new UserError(`${file} exists.`, 'choose another file name, or add --force');
      const endpoints = flags.endpoint.length > 0 ? flags.endpoint : [{ method: 'GET' as const, path: '/' }];
      writeFileSync(file, starterScript(flags.baseUrl, endpoints));
      process.stdout.write(
        `${paint.green('wrote')} ${file} (${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'})\n`,
      );
      process.stdout.write(`next: loadctl run ${file} --target ${flags.baseUrl}\n`);
    });
}
