// Chromium for k6's browser module. k6 finds Chrome by itself only under some names; telling it the path
// (and, as root, that the sandbox cannot be used) makes `k6/browser` scripts work the same everywhere.
import { findExecutable } from './executables.ts';

const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

export function findChromium(): string | undefined {
  const configured = process.env.K6_BROWSER_EXECUTABLE_PATH;
  if (configured) return configured;
  for (const name of CHROMIUM_NAMES) {
    const path = findExecutable(name);
    if (path) return path;
  }
  return undefined;
}

/** Environment to hand to k6 so `k6/browser` uses the machine's Chromium, headless. */
export function k6BrowserEnv(): Record<string, string> {
  const chromium = findChromium();
  return {
    K6_BROWSER_HEADLESS: 'true',
    ...(chromium ? { K6_BROWSER_EXECUTABLE_PATH: chromium } : {}),
    // Chromium refuses to start its sandbox as root.
    ...(process.getuid?.() === 0 ? { K6_BROWSER_ARGS: process.env.K6_BROWSER_ARGS ?? 'no-sandbox' } : {}),
  };
}
