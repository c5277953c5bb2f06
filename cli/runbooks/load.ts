// Reads runbooks/<id>.md: YAML front matter (validated) plus the prose for people.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UserError } from '../shared/errors.ts';
import { RunbookFrontMatter } from './schema.ts';

export const RUNBOOKS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../runbooks');

export type Runbook = RunbookFrontMatter & { path: string; body: string };

/** Splits `---\nyaml\n---\nbody`; throws a plain Error naming what is wrong. */
export function parseRunbook(text: string, file: string): Runbook {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!match) throw new Error(`${file}: no YAML front matter (the file must start with ---)`);
  const parsed = RunbookFrontMatter.safeParse(parseYaml(match[1] as string));
  if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  return { ...parsed.data, path: file, body: (match[2] as string).trim() };
}

export async function loadRunbooks(dir = RUNBOOKS_DIR): Promise<Runbook[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.md') && name !== 'README.md').sort();
  return Promise.all(
    files.map(async (name) => {
      const file = path.join(dir, name);
      const runbook = parseRunbook(await readFile(file, 'utf8'), file);
      if (`${runbook.id}.md` !== name) throw new Error(`${file}: id "${runbook.id}" does not match the file name`);
      return runbook;
    }),
  );
}

export async function loadRunbook(id: string, dir = RUNBOOKS_DIR): Promise<Runbook> {
  const runbooks = await loadRunbooks(dir);
  const found = runbooks.find((runbook) => runbook.id === id);
  if (!found) {
    throw new UserError(`no runbook "${id}".`, `pick one of: ${runbooks.map((runbook) => runbook.id).join(', ')}`);
  }
  return found;
}
