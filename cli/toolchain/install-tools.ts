// `npm run setup` calls this: make sure the pinned k6 and toxiproxy are available, building them if not.
// Silent when both are already there, so a repeated setup prints nothing.
import { UserError } from '../shared/errors.ts';
import { printError } from '../shared/output.ts';
import { K6, resolveTool, TOXIPROXY } from './tools.ts';

try {
  for (const tool of [K6, TOXIPROXY]) await resolveTool(tool, (line) => process.stdout.write(`setup: ${line}\n`));
} catch (error) {
  if (!(error instanceof UserError)) throw error;
  printError(error.message, error.fix);
  process.exitCode = error.exitCode;
}
