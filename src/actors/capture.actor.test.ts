// Specs for capturing a short command's output (queue sources, phase inputs): output, failures,
// and a timeout that ends the command even when a child of it keeps stdout open.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCapture } from './capture.actor.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oj-capture-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it('returns what the command printed, or why it failed', async () => {
  expect(await runCapture({ script: 'echo "[1]"', cwd: dir, env, timeoutMs: 10_000 })).toEqual({
    ok: true,
    stdout: '[1]',
  });
  expect(
    await runCapture({ script: 'echo nope >&2; exit 3', cwd: dir, env, timeoutMs: 10_000 }),
  ).toEqual({ ok: false, error: 'exited with code 3: nope' });
});

it('ends a command whose child holds stdout open at the timeout, and kills the child', async () => {
  const pidFile = join(dir, 'child.pid');
  const started = Date.now();
  const result = await runCapture({
    script: `sleep 30 & echo $! > '${pidFile}'; wait`,
    cwd: dir,
    env,
    timeoutMs: 300,
  });
  expect(result).toEqual({ ok: false, error: 'timed out after 300 ms' });
  expect(Date.now() - started).toBeLessThan(10_000); // not the 30 s the child would take
  const child = Number(readFileSync(pidFile, 'utf8'));
  const deadline = Date.now() + 5_000;
  while (alive(child) && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  expect(alive(child)).toBe(false);
});

it('reports a cancelled command as cancelled', async () => {
  const abort = new AbortController();
  const running = runCapture({
    script: 'sleep 30',
    cwd: dir,
    env,
    timeoutMs: 10_000,
    signal: abort.signal,
  });
  abort.abort();
  expect(await running).toEqual({ ok: false, error: 'cancelled' });
});
