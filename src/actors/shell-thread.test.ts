// The shell thread against the bundled worker (dist/shell-worker.js, built by the suite's global
// setup) and real processes: results, the process group id, cancellation, and runs left when it
// stops.
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ShellThread } from './index.js';
import type { ShellRequest } from './index.js';

const WORKER = new URL('../../dist/shell-worker.js', import.meta.url);
const WAIT = { timeout: 10_000, interval: 10 };

let dir: string;
let thread: ShellThread;
const logs: string[] = [];

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'oj-shell-thread-')));
  thread = new ShellThread(WORKER, (level, message) => logs.push(`${level}: ${message}`));
});

afterEach(async () => {
  await thread.close();
  rmSync(dir, { recursive: true, force: true });
});

const request = (script: string, extra: Partial<ShellRequest> = {}): ShellRequest => ({
  id: 'pl-1:build',
  script,
  cwd: dir,
  env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  logFile: join(dir, 'pipeline.log'),
  ...extra,
});

/** Whether the group's leader still runs (a killed child of a stopped thread stays a zombie). */
const groupAlive = (pgid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pgid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('ShellThread', () => {
  it('runs scripts like runShell, several at once, and reports each group id', async () => {
    const groups: number[] = [];
    const results = await Promise.all(
      [0, 3, 0].map((code, i) =>
        thread.run(
          request(`echo run ${i}; exit ${code}`, { id: `r${i}`, onSpawn: (g) => groups.push(g) }),
        ),
      ),
    );
    expect(results.map((r) => [r.id, r.ok, r.exitCode])).toEqual([
      ['r0', true, 0],
      ['r1', false, 3],
      ['r2', true, 0],
    ]);
    expect(results[1]?.error).toBe('exited with code 3');
    expect(results[1]?.tail).toContain('run 1');
    expect(new Set(groups).size).toBe(3);
    expect(readFileSync(join(dir, 'pipeline.log'), 'utf8')).toContain('run 2');
  });

  it('cancels a run when its signal aborts, killing its process group', async () => {
    const controller = new AbortController();
    let group = 0;
    const run = thread.run(
      request('sleep 30 & sleep 30; wait', {
        signal: controller.signal,
        killGraceMs: 100,
        onSpawn: (g) => (group = g),
      }),
    );
    await vi.waitFor(() => expect(group).toBeGreaterThan(0), WAIT);
    controller.abort();
    const result = await run;
    expect(result).toMatchObject({ ok: false, cancelled: true, error: 'cancelled' });
    await vi.waitFor(() => expect(groupAlive(group)).toBe(false), WAIT);
  });

  it('fails the runs it still holds when it stops, and kills their groups', async () => {
    let group = 0;
    const run = thread.run(request('sleep 30', { onSpawn: (g) => (group = g) }));
    await vi.waitFor(() => expect(group).toBeGreaterThan(0), WAIT);
    await thread.close();
    expect(await run).toMatchObject({ ok: false, error: 'the daemon stopped' });
    await vi.waitFor(() => expect(groupAlive(group)).toBe(false), WAIT);
    // A run after close starts a new thread.
    expect((await thread.run(request('true'))).ok).toBe(true);
  });
});
