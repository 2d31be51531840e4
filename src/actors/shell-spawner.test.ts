// The shell spawner against its bundled script (dist/shell-spawner.js, built by the suite's global
// setup) and real processes: results, the process group id, cancellation, and runs left when it
// stops.
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ShellSpawner, ShellSpawnerPool } from './index.js';
import type { ShellRequest } from './index.js';

const ENTRY = new URL('../../dist/shell-spawner.js', import.meta.url);
const WAIT = { timeout: 10_000, interval: 10 };

let dir: string;
let spawner: ShellSpawner;
const logs: string[] = [];

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'oj-shell-spawner-')));
  spawner = new ShellSpawner(ENTRY, (level, message) => logs.push(`${level}: ${message}`));
});

afterEach(async () => {
  await spawner.close();
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

/** Whether the group's leader still runs (a killed child of a stopped spawner stays a zombie). */
const groupAlive = (pgid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pgid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('ShellSpawner', () => {
  it('runs scripts like runShell, several at once, and reports each group id', async () => {
    const groups: number[] = [];
    const results = await Promise.all(
      [0, 3, 0].map((code, i) =>
        spawner.run(
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
    const run = spawner.run(
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
    const run = spawner.run(request('sleep 30', { onSpawn: (g) => (group = g) }));
    await vi.waitFor(() => expect(group).toBeGreaterThan(0), WAIT);
    await spawner.close();
    expect(await run).toMatchObject({ ok: false, error: 'the daemon stopped' });
    await vi.waitFor(() => expect(groupAlive(group)).toBe(false), WAIT);
    // A run after close starts a new spawner.
    expect((await spawner.run(request('true'))).ok).toBe(true);
  });

  it('records the group in groupFile while the shell runs and removes it after', async () => {
    const groupFile = join(dir, 'groups', 'pl-1%3Abuild');
    let group = 0;
    const run = spawner.run(
      request('sleep 30', { groupFile, killGraceMs: 100, onSpawn: (g) => (group = g) }),
    );
    await vi.waitFor(() => expect(group).toBeGreaterThan(0), WAIT);
    expect(readFileSync(groupFile, 'utf8')).toMatch(new RegExp(`^${group} \\d+$`));
    process.kill(-group, 'SIGTERM');
    expect(await run).toMatchObject({ ok: false, signal: 'SIGTERM' });
    expect(existsSync(groupFile)).toBe(false);
  });

  it('fails the runs of a spawner that dies, kills their groups, and starts a new one', async () => {
    let group = 0;
    const run = spawner.run(request('sleep 30', { onSpawn: (g) => (group = g) }));
    await vi.waitFor(() => expect(group).toBeGreaterThan(0), WAIT);
    const pid = spawner.pid as number;
    process.kill(pid, 'SIGKILL');
    expect(await run).toMatchObject({
      ok: false,
      error: expect.stringContaining('killed by SIGKILL'),
    });
    await vi.waitFor(() => expect(groupAlive(group)).toBe(false), WAIT);
    expect(logs.some((l) => l.startsWith('error: the shell spawner stopped'))).toBe(true);
    expect((await spawner.run(request('true'))).ok).toBe(true);
    expect(spawner.pid).not.toBe(pid);
  });

  it('keeps running while the terminal sends ^C to the process group', async () => {
    expect((await spawner.run(request('true'))).ok).toBe(true); // up, its handlers installed
    const pid = spawner.pid as number;
    process.kill(pid, 'SIGINT');
    process.kill(pid, 'SIGTERM');
    expect((await spawner.run(request('true'))).ok).toBe(true);
    expect(spawner.pid).toBe(pid);
  });

  it('starts a detached process in a session of its own, output in its log, and leaves it running', async () => {
    const logFile = join(dir, 'host.log');
    const started = await spawner.start({
      file: '/bin/sh',
      args: ['-c', 'echo "up in $PWD as $MARK"; exec sleep 30'],
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', MARK: 'the-mark' },
      logFile,
    });
    if (!('pid' in started)) throw new Error(`did not start: ${started.error}`);
    const { pid } = started;
    try {
      await vi.waitFor(
        () => expect(readFileSync(logFile, 'utf8')).toBe(`up in ${dir} as the-mark\n`),
        WAIT,
      );
      // Field 6 of /proc/<pid>/stat is the session id: it leads its own.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3])).toBe(pid);
      expect(spawner.running).toBe(0); // a start is not a run it holds
      await spawner.close();
      expect(groupAlive(pid)).toBe(true); // it outlives the spawner
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });

  it('says why a detached process could not start', async () => {
    const env = { PATH: '/usr/bin:/bin' };
    const missing = join(dir, 'no-such-program');
    const args = { args: [], cwd: dir, env, logFile: join(dir, 'host.log') };
    expect(await spawner.start({ file: missing, ...args })).toEqual({
      error: expect.stringContaining('ENOENT') as string,
    });
    expect(
      await spawner.start({ ...args, file: '/bin/true', logFile: join(dir, 'none', 'x.log') }),
    ).toEqual({
      error: expect.stringMatching(/could not open its log ".*none\/x\.log": ENOENT/) as string,
    });
  });
});

describe('ShellSpawnerPool', () => {
  it('keeps one spawner for runs one at a time, and starts a second only while the first is busy', async () => {
    const pool = new ShellSpawnerPool(ENTRY, (level, message) => logs.push(`${level}: ${message}`));
    try {
      pool.warm();
      for (let i = 0; i < 3; i++) expect((await pool.run(request('true'))).ok).toBe(true);
      expect(pool.pids).toHaveLength(1);
      const results = await Promise.all(
        [0, 1, 2, 3].map((i) => pool.run(request(`exit ${i}`, { id: `r${i}` }))),
      );
      expect(results.map((r) => [r.id, r.exitCode])).toEqual([
        ['r0', 0],
        ['r1', 1],
        ['r2', 2],
        ['r3', 3],
      ]);
      expect(pool.pids).toHaveLength(2);
      expect(new Set(pool.pids).size).toBe(2);
    } finally {
      await pool.close();
    }
    expect(pool.pids).toEqual([]);
  });
});
