// Runs a runbook shell command for `run_command`: /bin/sh in its own process group, stdin closed (the
// server's stdin carries MCP frames), output captured up to a cap, killed on timeout or abort.
import { spawn } from 'node:child_process';
import { McpToolError } from './errors.js';

const MAX_OUTPUT_BYTES = 256 * 1024; // per stream; the tail is kept, where errors usually are
const KILL_GRACE_MS = 2_000; // between SIGTERM and SIGKILL of the command's process group

export interface ShellRequest {
  /** The runbook command's name, for messages. */
  command: string;
  script: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ShellResult {
  exitCode: number | null;
  /** The signal that ended the shell, e.g. SIGTERM after a timeout. */
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** Resolves when the shell and its output streams have closed; rejects only if it cannot start. */
export function runShellScript(request: ShellRequest): Promise<ShellResult> {
  const child = spawn('/bin/sh', ['-c', request.script], {
    cwd: request.cwd,
    env: request.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so a timeout also ends what the script started
  });
  const stdout = createTail();
  const stderr = createTail();
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));

  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    // Signalled even after the shell itself exited: a background child may hold its output open.
    if (killTimer) return;
    signalGroup(child.pid, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, request.timeoutMs);
  if (request.signal?.aborted) stop();
  else request.signal?.addEventListener('abort', stop, { once: true });

  return new Promise((resolve, reject) => {
    const cleanUp = () => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      request.signal?.removeEventListener('abort', stop);
    };
    child.on('error', (err) => {
      cleanUp();
      reject(
        new McpToolError(
          'SPAWN_FAILED',
          `could not start /bin/sh for command "${request.command}" in ${request.cwd}: ${err.message}`,
          { cause: err },
        ),
      );
    });
    child.on('close', (code, signal) => {
      cleanUp();
      resolve({
        exitCode: code,
        signal,
        timedOut,
        stdout: stdout.text(),
        stderr: stderr.text(),
      });
    });
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Collects a stream, keeping only its last MAX_OUTPUT_BYTES and counting what it dropped. */
function createTail(): { push(chunk: Buffer): void; text(): string } {
  let chunks: Buffer[] = [];
  let size = 0;
  let dropped = 0;
  return {
    push(chunk) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > 2 * MAX_OUTPUT_BYTES) {
        const all = Buffer.concat(chunks);
        dropped += all.length - MAX_OUTPUT_BYTES;
        chunks = [all.subarray(all.length - MAX_OUTPUT_BYTES)];
        size = MAX_OUTPUT_BYTES;
      }
    },
    text() {
      const all = Buffer.concat(chunks);
      const kept =
        all.length > MAX_OUTPUT_BYTES ? all.subarray(all.length - MAX_OUTPUT_BYTES) : all;
      const cut = dropped + all.length - kept.length;
      return `${cut ? `[… ${cut} earlier bytes dropped]\n` : ''}${kept.toString('utf8')}`;
    },
  };
}
