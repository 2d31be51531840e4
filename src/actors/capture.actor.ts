// Runs a short shell command and captures its standard output — for commands whose output is data
// (a queue's `source` printing JSON items). Bounded in time and in output size.
import { execa } from 'execa';

export interface CaptureRequest {
  script: string;
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
}

export type CaptureResult = { ok: true; stdout: string } | { ok: false; error: string };

const MAX_OUTPUT_BYTES = 16 * 1024 * 1024; // a source listing more than this is a mistake

/** Runs `/bin/sh -c script`; never throws for a failing command. On timeout or abort the whole
 * process group is killed: execa's own timeout kills only the shell, and a child left holding
 * stdout would keep the call waiting for as long as it lives. */
export async function runCapture(request: CaptureRequest): Promise<CaptureResult> {
  if (request.signal?.aborted) return { ok: false, error: 'cancelled' };
  const deadline = AbortSignal.timeout(request.timeoutMs);
  const stop = request.signal ? AbortSignal.any([request.signal, deadline]) : deadline;
  const child = execa('/bin/sh', ['-c', request.script], {
    cwd: request.cwd,
    env: request.env,
    extendEnv: false,
    stdin: 'ignore',
    detached: true, // leads its own process group, so the group can be killed as one
    reject: false,
    timeout: request.timeoutMs,
    maxBuffer: MAX_OUTPUT_BYTES,
    ...(request.signal ? { cancelSignal: request.signal } : {}),
  });
  const killGroup = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // ESRCH: the group is already gone
    }
  };
  stop.addEventListener('abort', killGroup, { once: true });
  const result = await child.finally(() => stop.removeEventListener('abort', killGroup));
  if (result.exitCode !== 0 && (result.isCanceled || request.signal?.aborted))
    return { ok: false, error: 'cancelled' };
  if (result.exitCode !== 0 && (result.timedOut || deadline.aborted))
    return { ok: false, error: `timed out after ${request.timeoutMs} ms` };
  if (result.exitCode !== 0) {
    const stderr = String(result.stderr ?? '')
      .trim()
      .split('\n')
      .slice(-3)
      .join(' / ');
    return {
      ok: false,
      error: `exited with code ${String(result.exitCode)}${stderr ? `: ${stderr}` : ''}`,
    };
  }
  return { ok: true, stdout: String(result.stdout ?? '') };
}
