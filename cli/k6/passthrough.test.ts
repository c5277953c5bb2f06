import { describe, expect, it } from 'vitest';
import { UserError } from '../shared/errors.ts';
import { checkPassthrough } from './passthrough.ts';

const refused = (args: string[], shape = false): string => {
  try {
    checkPassthrough(args, { shape });
  } catch (error) {
    if (error instanceof UserError) return error.message;
    throw error;
  }
  return 'accepted';
};

describe("the user's k6 arguments after --", () => {
  it('passes anything that does not fight loadctl, and finds -e values and BASE_URL', () => {
    const args = [
      '--tag',
      'team=shop',
      '-o',
      'experimental-prometheus-rw',
      '-e',
      'USERS=5',
      '--env=BASE_URL=http://127.0.0.1:3000',
    ];
    expect(checkPassthrough(args, { shape: false })).toEqual({
      args,
      envArgs: ['-e', 'USERS=5', '-e', 'BASE_URL=http://127.0.0.1:3000'],
      baseUrl: 'http://127.0.0.1:3000',
    });
    expect(refused(['--vus', '10'])).toBe('accepted');
  });

  it.each([
    [['--out', 'json=x.json'], 'raw stream'],
    [['-ojson=x.json'], 'raw stream'],
    [['--summary-export=s.json'], 'summary'],
    [['--summary-mode', 'disabled'], 'summary'],
    [['-a', 'localhost:6565'], 'REST API'],
    [['--execution-segment', '0:1/2'], '--segments'],
    [['--linger'], 'never end'],
    [['-e', 'SUMMARY_FILE=/tmp/x'], 'SUMMARY_FILE'],
  ])('refuses %j in one line', (args, why) => {
    const message = refused(args);
    expect(message).toContain(why);
    expect(message).not.toContain('\n');
  });

  it("refuses k6's execution shortcuts only when a shape sets the scenarios", () => {
    expect(refused(['-u', '10', '-d', '1m'], true)).toContain('--shape sets the scenarios');
    expect(refused(['-u', '10', '-d', '1m'], false)).toBe('accepted');
  });
});
