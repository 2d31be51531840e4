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

/**
 * Items printed by a source command: a JSON array of objects, or one JSON object per line. Each
 * item keeps its fields as strings (other values as JSON); `id`, `priority` and `after` are read
 * when present. Pure; throws a SyntaxError naming the problem for anything else.
 */
export function parseSourceItems(
  stdout: string,
): { id?: string; data: Record<string, string>; priority?: number; after?: string[] }[] {
  const text = stdout.trim();
  if (text === '') return [];
  const values: unknown[] = text.startsWith('[')
    ? (JSON.parse(text) as unknown[])
    : text
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as unknown);
  if (!Array.isArray(values)) throw new SyntaxError('expected a JSON array of objects');
  return values.map((value, i) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new SyntaxError(`item ${i} is not a JSON object`);
    const record = value as Record<string, unknown>;
    const data: Record<string, string> = {};
    for (const [k, v] of Object.entries(record))
      data[k] = typeof v === 'string' ? v : JSON.stringify(v);
    const item: { id?: string; data: Record<string, string>; priority?: number; after?: string[] } =
      { data };
    if (record.id !== undefined && record.id !== null) item.id = String(record.id);
    if (typeof record.priority === 'number') item.priority = record.priority;
    if (Array.isArray(record.after)) item.after = record.after.map(String);
    return item;
  });
}
