// Tests for the shell executor against real processes in temp dirs: exit codes, the log file,
// timeouts and cancellation killing the whole process group, the environment, cwd, big output and
// concurrency. Time-driven cases use FakeClock, so nothing here waits for a timeout to elapse.
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- src/runtime has no front door yet; tests only
import { FakeClock, systemClock } from '../runtime/clock.js';
import { buildShellEnv, runShell } from './index.js';
import { execIfSimple, plainArgv } from './shell.actor.js';
import type { ShellDeps, ShellRequest } from './index.js';

const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const WAIT = { timeout: 10_000, interval: 10 };

let dir: string;
let started: number[];

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'oj-shell-')));
  started = [];
});

afterEach(() => {
  for (const pid of started) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function request(script: string, extra: Partial<ShellRequest> = {}): ShellRequest {
  return {
    id: 'pl-1:build',
    script,
    cwd: dir,
    env: ENV,
    logFile: join(dir, 'pipeline.log'),
    ...extra,
  };
}

function deps(clock: ShellDeps['clock'] = new FakeClock()) {
  return { clock, log: vi.fn<NonNullable<ShellDeps['log']>>() };
}

function readLog(file = join(dir, 'pipeline.log')): string {
  return readFileSync(file, 'utf8');
}

/** A process exists and is not a zombie (an orphaned zombie may wait a while for its reaper). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Waits until the script has written a pid to `name`, and returns it. */
async function pidFrom(name: string): Promise<number> {
  const pid = await vi.waitFor(() => {
    const text = readFileSync(join(dir, name), 'utf8');
    if (!/^\d+\n$/.test(text)) throw new Error(`no pid in ${name} yet`);
    return Number(text);
  }, WAIT);
  started.push(pid);
  return pid;
}

async function expectGone(pid: number): Promise<void> {
  await vi.waitFor(() => expect(isRunning(pid)).toBe(false), WAIT);
}

// A script that starts a grandchild, records its pid, and waits for it.
const BACKGROUND_SLEEP = 'sleep 30 & echo $! > sleep.pid; wait';

describe('runShell', () => {
  it.each([
    { code: 0, ok: true, error: undefined },
    { code: 3, ok: false, error: 'exited with code 3' },
  ])('reports exit code $code as ok=$ok', async ({ code, ok, error }) => {
    const result = await runShell(request(`echo out; echo err >&2; exit ${code}`), deps());
    expect(result).toMatchObject({ id: 'pl-1:build', ok, exitCode: code, signal: null });
    expect(result.timedOut).toBe(false);
    expect(result.cancelled).toBe(false);
    expect(result.error).toBe(error);
    expect(result.tail).toBe(ok ? '' : 'out\nerr\n');
  });

  it('appends raw output to the log between a header and a footer', async () => {
    writeFileSync(join(dir, 'pipeline.log'), 'earlier\n');
    const clock = new FakeClock(Date.UTC(2025, 5, 1, 12));
    await runShell(
      request('echo hello\necho oops >&2\nprintf no-newline', { label: 'build' }),
      deps(clock),
    );
    expect(readLog()).toBe(
      'earlier\n' +
        '--- build $ echo hello … (2025-06-01T12:00:00.000Z)\n' +
        'hello\noops\nno-newline\n--- exit 0 in 0 ms\n',
    );
  });

  it('puts the failure in the footer and keeps earlier runs out of the tail', async () => {
    await runShell(request('echo first run'), deps());
    const result = await runShell(request('echo second run; exit 2'), deps());
    expect(result.tail).toBe('second run\n');
    expect(readLog()).toMatch(/second run\n--- exit 2 in 0 ms \(exited with code 2\)\n$/);
  });

  it('keeps only the last ~2 KB of a long failing output in the tail', async () => {
    const result = await runShell(request('seq 1 5000; exit 1'), deps());
    expect(result.tail.length).toBeLessThanOrEqual(2_048);
    expect(result.tail.length).toBeGreaterThan(2_000);
    expect(result.tail.endsWith('4999\n5000\n')).toBe(true);
  });

  it('never starts the tail in the middle of a character', async () => {
    // 'x' + 1500 two-byte characters + '\n' is 3002 bytes: the last 2048 start on a second byte.
    writeFileSync(join(dir, 'out.txt'), `x${'é'.repeat(1_500)}\n`);
    const result = await runShell(request('cat out.txt; exit 1'), deps());
    expect(result.tail).toBe(`${'é'.repeat(1_023)}\n`);
  });

  it('creates the log directory when it does not exist', async () => {
    const logFile = join(dir, 'logs', 'deep', 'pl-1.log');
    const result = await runShell(request('echo hi', { logFile }), deps());
    expect(result.ok).toBe(true);
    expect(readLog(logFile)).toContain('\nhi\n');
  });

  it('runs without a log file, discarding output', async () => {
    const result = await runShell(request('echo hi; exit 4', { logFile: undefined }), deps());
    expect(result).toMatchObject({ ok: false, exitCode: 4, tail: '' });
  });

  it('times out: kills the whole group and says after how long', async () => {
    const clock = new FakeClock();
    const run = runShell(request(BACKGROUND_SLEEP, { timeoutMs: 60_000 }), deps(clock));
    const sleeper = await pidFrom('sleep.pid');
    clock.advance(59_999);
    expect(isRunning(sleeper)).toBe(true);
    clock.advance(1);
    const result = await run;
    expect(result).toMatchObject({
      ok: false,
      timedOut: true,
      cancelled: false,
      signal: 'SIGTERM',
    });
    expect(result.error).toBe('timed out after 1m');
    expect(result.durationMs).toBe(60_000);
    await expectGone(sleeper);
    expect(readLog()).toMatch(/--- exit SIGTERM in 60000 ms \(timed out after 1m\)\n$/);
  });

  it('times out on the real clock', async () => {
    const result = await runShell(request('sleep 30', { timeoutMs: 100 }), deps(systemClock));
    expect(result).toMatchObject({ ok: false, timedOut: true, error: 'timed out after 100ms' });
    expect(result.durationMs).toBeGreaterThanOrEqual(100);
  });

  it('sends SIGKILL after the grace period when the group ignores SIGTERM', async () => {
    const clock = new FakeClock();
    const script = `trap '' TERM; ${BACKGROUND_SLEEP}`;
    const run = runShell(request(script, { timeoutMs: 1_000, killGraceMs: 2_000 }), deps(clock));
    const sleeper = await pidFrom('sleep.pid');
    clock.advance(1_000); // SIGTERM, ignored by the shell and the sleep alike
    expect(clock.pending()).toBe(1); // the SIGKILL
    clock.advance(2_000);
    const result = await run;
    expect(result).toMatchObject({ timedOut: true, signal: 'SIGKILL' });
    await expectGone(sleeper);
  });

  it('is cancelled by its AbortSignal, grandchildren included', async () => {
    const abort = new AbortController();
    const run = runShell(request(BACKGROUND_SLEEP, { signal: abort.signal }), deps());
    const sleeper = await pidFrom('sleep.pid');
    abort.abort();
    const result = await run;
    expect(result).toMatchObject({
      ok: false,
      cancelled: true,
      timedOut: false,
      error: 'cancelled',
    });
    await expectGone(sleeper);
  });

  it('does not start when its signal is already aborted', async () => {
    const result = await runShell(request('touch ran', { signal: AbortSignal.abort() }), deps());
    expect(result).toMatchObject({ ok: false, cancelled: true, exitCode: null });
    expect(() => statSync(join(dir, 'ran'))).toThrow();
    expect(() => readLog()).toThrow();
  });

  it('does not start when its signal is aborted while the log is being opened', async () => {
    const abort = new AbortController();
    const run = runShell(request('touch ran', { signal: abort.signal }), deps());
    abort.abort(); // runShell is awaiting the log file's open
    expect(await run).toMatchObject({ ok: false, cancelled: true, exitCode: null });
    expect(() => statSync(join(dir, 'ran'))).toThrow();
    expect(readLog()).toMatch(/\n--- exit - in 0 ms \(cancelled\)\n$/);
  });

  it('terminates processes the script leaves behind when it exits', async () => {
    const d = deps();
    const result = await runShell(request('sleep 30 & echo $! > sleep.pid'), d);
    expect(result.ok).toBe(true);
    await expectGone(await pidFrom('sleep.pid'));
    expect(d.log).toHaveBeenCalledWith(
      'warn',
      'pl-1:build: terminating processes the script left running',
    );
  });

  it('reports a script killed by a signal it did not get from us', async () => {
    const result = await runShell(request('kill -KILL $$'), deps());
    expect(result).toMatchObject({ ok: false, exitCode: null, signal: 'SIGKILL', timedOut: false });
    expect(result.error).toBe('killed by SIGKILL');
  });

  it('gives the script exactly the environment it is handed', async () => {
    vi.stubEnv('OJ_PROJECT', '/leaked/project');
    vi.stubEnv('OJ_SHELL_TEST_PARENT', 'parent-only');
    try {
      const env = buildShellEnv(process.env, { OJ_PIPELINE: 'pl-1', OJ_PHASE: 'build' });
      await runShell(request('env > with-base.txt', { env }), deps());
      await runShell(request('env > bare.txt', { env: { ...ENV, ONLY: 'this' } }), deps());
    } finally {
      vi.unstubAllEnvs();
    }
    const withBase = readFileSync(join(dir, 'with-base.txt'), 'utf8');
    expect(withBase).toContain('OJ_PIPELINE=pl-1\n');
    expect(withBase).toContain('OJ_PHASE=build\n');
    expect(withBase).not.toContain('OJ_PROJECT');
    expect(withBase).not.toContain('OJ_SHELL_TEST_PARENT');
    const bare = readFileSync(join(dir, 'bare.txt'), 'utf8');
    expect(bare).toContain('ONLY=this\n');
    expect(bare).not.toContain('HOME=');
  });

  it('starts a plain command directly, in its own group, with output in the log', async () => {
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\necho "args: $*"\nps -o pgid= -p $$ > pgid\n');
    chmodSync(join(dir, 'run.sh'), 0o755);
    let group = 0;
    const result = await runShell(
      request('./run.sh --a=1 b,c', { onSpawn: (g) => (group = g) }),
      deps(),
    );
    expect(result.ok).toBe(true);
    expect(readLog()).toContain('args: --a=1 b,c\n');
    expect(Number(readFileSync(join(dir, 'pgid'), 'utf8'))).toBe(group);
  });

  it.each([
    { what: 'not found', script: 'no-such-command-oj --flag', code: 127, says: /not found/ },
    { what: 'not executable', script: './plain.txt', code: 126, says: /Permission denied/ },
  ])('fails a plain command that is $what as the shell does', async ({ script, code, says }) => {
    writeFileSync(join(dir, 'plain.txt'), 'data\n');
    const result = await runShell(request(script), deps());
    expect(result).toMatchObject({ ok: false, exitCode: code, error: `exited with code ${code}` });
    expect(result.tail).toMatch(says);
  });

  it('runs in the requested working directory', async () => {
    await runShell(request('pwd > where.txt'), deps());
    expect(readFileSync(join(dir, 'where.txt'), 'utf8')).toBe(`${dir}\n`);
  });

  it.each([
    { what: 'missing', cwd: () => join(dir, 'nope'), says: 'does not exist' },
    { what: 'a file', cwd: () => join(dir, 'pipeline.log'), says: 'is not a directory' },
  ])('fails clearly when the working directory is $what', async ({ cwd, says }) => {
    writeFileSync(join(dir, 'pipeline.log'), '');
    const result = await runShell(request('true', { cwd: cwd() }), deps());
    expect(result).toMatchObject({ ok: false, exitCode: null, signal: null });
    expect(result.error).toBe(`could not start: working directory "${cwd()}" ${says}`);
    expect(readLog()).toMatch(/--- exit - in 0 ms \(could not start: working directory .*\)\n$/);
  });

  it('fails clearly when the log file cannot be written', async () => {
    const result = await runShell(request('touch ran', { logFile: dir }), deps());
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^could not write log file ".*": EISDIR/);
    expect(() => statSync(join(dir, 'ran'))).toThrow();
  });

  it('writes 5 MB of output to the log in full', async () => {
    const size = 5 * 1024 * 1024;
    const result = await runShell(request(`head -c ${size} /dev/zero | tr '\\0' x`), deps());
    expect(result.ok).toBe(true);
    const log = readLog();
    const body = log.slice(log.indexOf('\n') + 1, log.lastIndexOf('\n--- exit 0'));
    expect(body.length).toBe(size);
    expect(/^x+$/.test(body)).toBe(true);
  });

  it('runs 20 scripts in parallel into one log, each with its own result', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        runShell(request(`echo run-${i}; exit ${i % 3}`, { id: `e-${i}` }), deps(systemClock)),
      ),
    );
    results.forEach((r, i) =>
      expect(r).toMatchObject({ id: `e-${i}`, exitCode: i % 3, ok: i % 3 === 0 }),
    );
    const log = readLog();
    for (let i = 0; i < 20; i++) {
      expect(log).toContain(`--- e-${i} $ echo run-${i}; exit ${i % 3}`);
      expect(log).toContain(`run-${i}\n`);
    }
    expect(log.match(/^--- exit \d in \d+ ms/gm)).toHaveLength(20);
  });

  it.each([
    { field: 'timeoutMs', value: 0 },
    { field: 'killGraceMs', value: Number.NaN },
  ])('throws for an invalid $field', async ({ field, value }) => {
    await expect(runShell(request('true', { [field]: value }), deps())).rejects.toThrow(RangeError);
  });
});

describe('buildShellEnv', () => {
  it("drops the daemon's OJ_* and unset variables, then adds the caller's", () => {
    const base = {
      PATH: '/bin',
      HOME: '/home/u',
      OJ_STATE_DIR: '/mine',
      OJ_X: 'y',
      GONE: undefined,
    };
    expect(buildShellEnv(base, { OJ_STATE_DIR: '/theirs', OJ_EPOCH: 'e-1' })).toEqual({
      PATH: '/bin',
      HOME: '/home/u',
      OJ_STATE_DIR: '/theirs',
      OJ_EPOCH: 'e-1',
    });
  });
});

describe('execIfSimple', () => {
  it.each([
    ['bash -c true', 'exec bash -c true'],
    ["git commit -m 'a; b'", "exec git commit -m 'a; b'"],
    ['make test', 'exec make test'],
    ['echo a > f', 'echo a > f'],
    ['a && b', 'a && b'],
    ['cd x', 'cd x'],
    ['FOO=1 cmd', 'FOO=1 cmd'],
    ['echo $HOME', 'echo $HOME'],
    ['ls *.ts', 'ls *.ts'],
    ['a\nb', 'a\nb'],
    ['grep -q x "$(cat f)"', 'grep -q x "$(cat f)"'],
    ['true', 'true'],
  ])('%j runs as %j', (script, expected) => {
    expect(execIfSimple(script)).toBe(expected);
  });
});

describe('plainArgv', () => {
  it.each([
    ['bash -c true', ['bash', '-c', 'true']],
    ['  make   test ', ['make', 'test']],
    ['./build.sh --out=dist/a,b@1:2%', ['./build.sh', '--out=dist/a,b@1:2%']],
    ["git commit -m 'a b'", null],
    ['echo $HOME', null],
    ['ls *.ts', null],
    ['a && b', null],
    ['FOO=1 cmd', null],
    ['cd x', null],
    ['true', null],
    ['pwd', null],
    ['a\nb', null],
    ['cat ~/f', null],
    ['', null],
  ])('%j starts as %j', (script, expected) => {
    expect(plainArgv(script)).toEqual(expected);
  });
});
