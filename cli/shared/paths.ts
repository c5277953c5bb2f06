// Where loadctl's own files are: the one definition of the repository root and the folders under it.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** run directories are created here unless the user names another folder */
export const DEFAULT_REPORTS_DIR = join(REPO_ROOT, 'reports');
/** the baselines the CI gate compares against (committed) */
export const BASELINES_DIR = join(DEFAULT_REPORTS_DIR, 'baselines');
