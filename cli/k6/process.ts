// One k6 process: started via execa in its own process group (so a terminal's Ctrl-C reaches loadctl only,
// and loadctl forwards exactly one SIGINT: a second one would make k6 skip handleSummary), its output
// appended to the run's k6.log.
import { createWriteStream, type WriteStream } from 'node:fs';
import { execa } from 'execa';
import { procCpuSeconds } from '../stack/processes.ts';

export interface K6Process {
  /** k6's exit code once it has finished (a signal death counts as 128 + signal number) */
  done: Promise<number>;
  /** asks k6 to stop gracefully (it still runs handleSummary); only the first call sends anything */
  interrupt(): void;
  /** stops k6 at once, for when loadctl itself exits */
  kill(): void;
  /** CPU seconds k6 has used so far (Linux /proc), undefined once it has exited or elsewhere */
  cpuSeconds(): number | undefined;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export function startK6(
  binary: string,
  args: string[],
  opts: { cwd: string; env: Record<string, string>; log: WriteStream; label?: string },
): K6Process {
  const prefix = opts.label ? `[${opts.label}] ` : '';
  opts.log.write(`${prefix}$ ${binary} ${args.join(' ')}\n`);
  const child = execa(binary, args, {
    cwd: opts.cwd,
    env: opts.env,
    detached: true,
    reject: false,
    stdin: 'ignore',
    buffer: false,
    lines: false,
  });
  const copy = (stream: NodeJS.ReadableStream | null): void => {
    stream?.on('data', (chunk: Buffer) =>
      opts.log.write(prefix ? chunk.toString().replace(/^(?=.)/gm, prefix) : chunk),
    );
  };
  copy(child.stdout);
  copy(child.stderr);
  let interrupted = false;
  const done = child.then((result) => {
    if (typeof result.exitCode === 'number') return result.exitCode;
    return 128 + (SIGNAL_NUMBERS[result.signal ?? ''] ?? 0);
  });
  return {
    done,
    interrupt() {
      if (interrupted) return;
      interrupted = true;
      child.kill('SIGINT');
    },
    kill() {
      child.kill('SIGKILL');
    },
    cpuSeconds() {
      return child.pid === undefined ? undefined : procCpuSeconds(child.pid);
    },
  };
}

export function openLog(path: string): WriteStream {
  return createWriteStream(path, { flags: 'a' });
}
