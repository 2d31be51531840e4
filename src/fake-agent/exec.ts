// Runs one `sh -c` command for a hook or a tool step: stdin in, stdout/stderr out, a timeout and an
// abort signal that kill the command's whole process group (so `sleep` grandchildren die too).
import { spawn } from 'node:child_process';

export interface ShellOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ShellResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
}

const MAX_CAPTURE = 1 << 20; // bytes kept per stream; a flood of output must not exhaust memory

/** Runs `command` with sh; never rejects (a spawn failure is exit code 127 with the reason). */
export function runShell(command: string, options: ShellOptions): Promise<ShellResult> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // own process group, so a kill reaches everything it started
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let aborted = false;
    const killGroup = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            killGroup();
          }, options.timeoutMs)
        : undefined;
    const onAbort = (): void => {
      aborted = true;
      killGroup();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < MAX_CAPTURE) stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_CAPTURE) stderr += chunk.toString('utf8');
    });
    // A command that never reads its stdin closes the pipe under us: EPIPE is not a failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    let settled = false;
    const finish = (result: Partial<ShellResult>): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ code: null, signal: null, stdout, stderr, timedOut, aborted, ...result });
    };
    child.on('error', (err) => finish({ code: 127, stderr: `${stderr}${err.message}\n` }));
    child.on('close', (code, signal) => finish({ code, signal }));
  });
}

/** Quotes `value` for sh: single quotes, with embedded ones closed and reopened. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
