// The daemon lock: one holder per state dir, stale files taken over, and a racing daemon's fresh
// lock never stolen.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PidLockDeps } from './pid-lock.js';
import { acquirePidLock, isDaemonProcess, isProcessAlive, readDaemonPid } from './pid-lock.js';

let dir: string;
let pidFile: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oj-lock-'));
  pidFile = join(dir, 'ojd.pid');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Deps where `live` pids are alive and `daemons` of them are ojd processes. */
const deps = (pid: number, live: number[], daemons = live): PidLockDeps => ({
  pid,
  isAlive: (p) => live.includes(p),
  isDaemon: (p) => daemons.includes(p),
});

describe('acquirePidLock', () => {
  it('creates the pid file, and release removes it', () => {
    const lock = acquirePidLock(pidFile, deps(100, []));
    expect(lock.ok).toBe(true);
    expect(readFileSync(pidFile, 'utf8')).toBe('100\n');
    if (lock.ok) lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports the live daemon that holds it', () => {
    writeFileSync(pidFile, '200\n');
    expect(acquirePidLock(pidFile, deps(100, [200]))).toEqual({ ok: false, holder: 200 });
    expect(readFileSync(pidFile, 'utf8')).toBe('200\n');
  });

  it.each([
    ['a dead process', '200\n', deps(100, [])],
    ['a live process that is not an ojd (reused pid)', '200\n', deps(100, [200], [])],
    ['garbage', 'not a pid', deps(100, [])],
    ['our own pid, which we did not write', '100\n', deps(100, [100])],
  ])('takes over a pid file naming %s', (_what, content, d) => {
    writeFileSync(pidFile, content);
    const lock = acquirePidLock(pidFile, d);
    expect(lock.ok).toBe(true);
    expect(readFileSync(pidFile, 'utf8')).toBe('100\n');
    expect(readdirSync(dir)).toEqual(['ojd.pid']); // nothing left aside
  });

  it('gives a racing daemon its fresh lock back instead of deleting it', () => {
    writeFileSync(pidFile, '200\n'); // stale
    const racing: PidLockDeps = {
      pid: 100,
      isDaemon: () => true,
      isAlive: (p) => {
        if (p === 200) writeFileSync(pidFile, '300\n'); // daemon 300 took over while we looked
        return p === 300;
      },
    };
    expect(acquirePidLock(pidFile, racing)).toEqual({ ok: false, holder: 300 });
    expect(readFileSync(pidFile, 'utf8')).toBe('300\n');
    expect(readdirSync(dir)).toEqual(['ojd.pid']);
  });

  it('release leaves a pid file that another daemon wrote', () => {
    const lock = acquirePidLock(pidFile, deps(100, []));
    writeFileSync(pidFile, '300\n');
    if (lock.ok) lock.release();
    expect(readDaemonPid(pidFile)).toBe(300);
  });
});

describe('process checks', () => {
  it('sees this process alive and a finished one gone', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    const done = spawnSync(process.execPath, ['-e', '0']);
    expect(isProcessAlive(done.pid as number)).toBe(false);
  });

  it('does not take the test runner for an ojd', () => {
    expect(isDaemonProcess(process.pid)).toBe(false);
  });
});
