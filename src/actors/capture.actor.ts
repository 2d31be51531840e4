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

/** Runs `/bin/sh -c script`; never throws for a failing command. */
export async function runCapture(request: CaptureRequest): Promise<CaptureResult> {
  const result = await execa('/bin/sh', ['-c', request.script], {
    cwd: request.cwd,
    env: request.env,
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
    timeout: request.timeoutMs,
    maxBuffer: MAX_OUTPUT_BYTES,
    ...(request.signal ? { cancelSignal: request.signal } : {}),
  });
  if (result.timedOut) return { ok: false, error: `timed out after ${request.timeoutMs} ms` };
  if (result.isCanceled) return { ok: false, error: 'cancelled' };
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
