// End-to-end: the real `oj daemon …` commands and the real ojd process, each test in its own temp
// state dir with a scrubbed environment. Waits are on real conditions with deadlines, never sleeps.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { OJ_BIN, REPO_ROOT, cleanEnv, runOj } from './helpers/oj.js';
import { waitFor } from './helpers/wait.js';

const OJD_BIN = join(REPO_ROOT, 'dist', 'ojd.js');
const VERSION = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
const stateDirs: string[] = [];

function newStateDir(parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, 'oj-daemon-'));
  stateDirs.push(dir);
  return dir;
}

/** The scrubbed environment of test/helpers/oj.ts, for processes the test spawns itself. */
function env(stateDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...cleanEnv(), OJ_STATE_DIR: stateDir, ...extra };
}

const oj = (stateDir: string, args: string[], extra: Record<string, string> = {}) =>
  runOj(args, { env: { OJ_STATE_DIR: stateDir, ...extra } });

interface StatusJson {
  running: boolean;
  pid: number;
  version: string;
  socket: string;
  stateDir: string;
}
function status(stateDir: string): StatusJson {
  const r = oj(stateDir, ['daemon', 'status', '-o', 'json']);
  return JSON.parse(r.stdout) as StatusJson;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid as number;
}

afterAll(() => {
  for (const dir of stateDirs) {
    const pidFile = join(dir, 'run', 'ojd.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('oj daemon start / status / stop', () => {
  it('starts once, reports the running daemon, and stops it leaving no socket or pid file', () => {
    const dir = newStateDir();
    const down = oj(dir, ['daemon', 'status']);
    expect(down).toMatchObject({ code: 1, stdout: `ojd is not running (state dir ${dir})\n` });

    const first = oj(dir, ['daemon', 'start']);
    expect(first.code).toBe(0);
    const pid = Number(/pid (\d+)/.exec(first.stdout)?.[1]);
    expect(first.stdout).toMatch(/^ojd started \(pid \d+, version /);
    expect(isAlive(pid)).toBe(true);

    const up = oj(dir, ['daemon', 'status']);
    expect(up.code).toBe(0);
    expect(up.stdout).toContain('ojd is running');
    expect(up.stdout).toContain(`pid:      ${pid}`);
    // How late its event loop ran, and whether it was busy or waiting for a CPU (Linux schedstat).
    expect(up.stdout).toMatch(
      /\n {2}loop: {5}delay p99 \d+\.\d ms, max \d+\.\d ms · main thread ran \d+\.\d s, waited \d+\.\d s for a CPU\n/,
    );
    expect(status(dir)).toMatchObject({
      mainThread: { runMs: expect.any(Number) as number, waitMs: expect.any(Number) as number },
    });
    expect(status(dir)).toMatchObject({
      running: true,
      pid,
      version: VERSION,
      stateDir: dir,
      socket: join(dir, 'run', 'ojd.sock'),
    });

    const second = oj(dir, ['daemon', 'start']);
    expect(second).toMatchObject({ code: 0 });
    expect(second.stdout).toMatch(new RegExp(`^ojd is already running \\(pid ${pid},`));

    const stop = oj(dir, ['daemon', 'stop']);
    expect(stop).toMatchObject({ code: 0, stdout: `ojd stopped (pid ${pid})\n` });
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(join(dir, 'run', 'ojd.sock'))).toBe(false);
    expect(existsSync(join(dir, 'run', 'ojd.pid'))).toBe(false);
    expect(oj(dir, ['daemon', 'status']).code).toBe(1);
    expect(status(dir)).toMatchObject({ running: false, stateDir: dir });
    expect(oj(dir, ['daemon', 'stop'])).toMatchObject({ code: 0, stdout: 'ojd is not running\n' });
  });

  it('keeps its socket 0600 inside a 0700 directory', () => {
    const dir = newStateDir();
    expect(oj(dir, ['daemon', 'start']).code).toBe(0);
    expect(statSync(join(dir, 'run', 'ojd.sock')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o700);
    oj(dir, ['daemon', 'stop']);
  });

  it('starts over a stale pid file and a stale socket', () => {
    const dir = newStateDir();
    const run = join(dir, 'run');
    mkdirSync(run, { mode: 0o700 });
    writeFileSync(join(run, 'ojd.pid'), `${deadPid()}\n`);
    // A socket file nobody listens on: its owner was SIGKILLed.
    const sock = join(run, 'ojd.sock');
    spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect(statSync(sock).isSocket()).toBe(true);

    const start = oj(dir, ['daemon', 'start']);
    expect(start.code).toBe(0);
    expect(start.stdout).toMatch(/^ojd started/);
    expect(status(dir).running).toBe(true);
    oj(dir, ['daemon', 'stop']);
  });

  it('uses a hashed socket path when the state dir is too deep for sun_path', () => {
    const deep = join(newStateDir(), 'd'.repeat(60), 'e'.repeat(60));
    expect(Buffer.byteLength(join(deep, 'run', 'ojd.sock'))).toBeGreaterThan(108);
    expect(oj(deep, ['daemon', 'start']).code).toBe(0);
    const s = status(deep);
    expect(s).toMatchObject({ running: true, stateDir: deep });
    expect(s.socket).toMatch(/\/oj-[0-9a-f]{16}\.sock$/);
    expect(readFileSync(join(deep, 'run', 'socket-path'), 'utf8').trim()).toBe(s.socket);
    expect(statSync(s.socket).mode & 0o777).toBe(0o600);
    expect(oj(deep, ['daemon', 'stop']).code).toBe(0);
    expect(existsSync(s.socket)).toBe(false);
  });

  it('lets exactly one of two concurrent starts win', async () => {
    const dir = newStateDir();
    const start = () =>
      new Promise<string>((done) => {
        const child = spawn(process.execPath, [OJ_BIN, 'daemon', 'start'], { env: env(dir) });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += String(d)));
        child.on('exit', (code) => done(`${code} ${out}`));
      });
    const [a, b] = await Promise.all([start(), start()]);
    const pids = [a, b].map((r) => Number(/pid (\d+)/.exec(r)?.[1]));
    expect([a, b].every((r) => r.startsWith('0 '))).toBe(true);
    expect(pids[0]).toBe(pids[1]);
    expect(status(dir).pid).toBe(pids[0]);
    oj(dir, ['daemon', 'stop']);
  });

  it('stops with --kill, removing the socket and pid file', () => {
    const dir = newStateDir();
    oj(dir, ['daemon', 'start']);
    const { pid } = status(dir);
    expect(oj(dir, ['daemon', 'stop', '--kill'])).toMatchObject({
      code: 0,
      stdout: `ojd killed (pid ${pid})\n`,
    });
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(join(dir, 'run', 'ojd.sock'))).toBe(false);
    expect(existsSync(join(dir, 'run', 'ojd.pid'))).toBe(false);
  });

  it('stops gracefully on SIGTERM', async () => {
    const dir = newStateDir();
    oj(dir, ['daemon', 'start']);
    const { pid } = status(dir);
    process.kill(pid, 'SIGTERM');
    await waitFor(() => !isAlive(pid), 'ojd to exit after SIGTERM', 5000);
    expect(existsSync(join(dir, 'run', 'ojd.pid'))).toBe(false);
    expect(readFileSync(join(dir, 'logs', 'daemon.log'), 'utf8')).toMatch(
      /stopping \(SIGTERM\)[\s\S]*stopped/,
    );
  });

  it('recovers from a SIGKILLed daemon: the next command starts a new one', async () => {
    const dir = newStateDir();
    oj(dir, ['daemon', 'start']);
    const { pid } = status(dir);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), 'ojd to die', 5000);
    expect(existsSync(join(dir, 'run', 'ojd.pid'))).toBe(true); // stale lock left behind
    expect(oj(dir, ['daemon', 'status']).code).toBe(1);
    const again = oj(dir, ['daemon', 'start']);
    expect(again.stdout).toMatch(/^ojd started/);
    const next = status(dir);
    expect(next.running).toBe(true);
    expect(next.pid).not.toBe(pid);
    oj(dir, ['daemon', 'stop']);
  });

  it('does not pass the run context of the CLI that started it on to the daemon', () => {
    const dir = newStateDir();
    oj(dir, ['daemon', 'start'], { OJ_PIPELINE: 'pl-leak', OJ_PROJECT: '/elsewhere' });
    const { pid } = status(dir);
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain(`OJ_STATE_DIR=${dir}`);
    expect(environ.filter((e) => /^OJ_(PIPELINE|PROJECT)=/.test(e))).toEqual([]);
    oj(dir, ['daemon', 'stop']);
  });

  it('shows the daemon log when ojd cannot start', () => {
    const dir = newStateDir();
    writeFileSync(join(dir, 'run'), 'a file where run/ should be');
    const r = oj(dir, ['daemon', 'start']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/could not start ojd .*exited with code 1/);
    expect(r.stderr).toMatch(/Last lines of .*daemon\.log:\n.*ojd: cannot start/);
  });
});

describe('version handshake', () => {
  /** Starts ojd directly (as an older install would have), reporting `version`. */
  async function startOld(dir: string, version: string): Promise<number> {
    const child = spawn(process.execPath, [OJD_BIN], {
      env: env(dir, { OJ_DAEMON_VERSION: version }),
      detached: true,
      stdio: 'ignore',
    });
    child.unref();
    return waitFor(
      () => {
        const s = status(dir);
        return s.running ? s.pid : undefined;
      },
      'the old ojd to answer',
      5000,
    );
  }

  it('replaces a daemon of another version once', async () => {
    const dir = newStateDir();
    const old = await startOld(dir, '0.0.1-old');
    expect(status(dir)).toMatchObject({ pid: old, version: '0.0.1-old' });
    const r = oj(dir, ['daemon', 'start']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^ojd restarted: pid ${old} \\(version 0.0.1-old\\) replaced by pid \\d+ \\(version ${VERSION}\\)`,
      ),
    );
    const now = status(dir);
    expect(now.pid).not.toBe(old);
    expect(now.version).toBe(VERSION);
    expect(isAlive(old)).toBe(false);
    oj(dir, ['daemon', 'stop']);
  });

  it('does not loop when the new daemon differs too: it warns and carries on', async () => {
    const dir = newStateDir();
    const old = await startOld(dir, '0.0.1-old');
    // The daemon this CLI starts inherits the override, so it still reports another version.
    const r = oj(dir, ['daemon', 'start'], { OJ_DAEMON_VERSION: '0.0.2-other' });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: ojd reports version 0.0.2-other .* but this oj is/);
    const now = status(dir);
    expect(now).toMatchObject({ running: true, version: '0.0.2-other' });
    expect(now.pid).not.toBe(old);
    const readyLines = () =>
      readFileSync(join(dir, 'logs', 'daemon.log'), 'utf8').match(/ ready \(/g)?.length ?? 0;
    await waitFor(() => readyLines() >= 2, 'both ready lines in the log', 5000);
    expect(readyLines()).toBe(2); // the old one and exactly one replacement
    oj(dir, ['daemon', 'stop']);
  });
});

describe('bad input over the socket', () => {
  it('answers every bad frame with a clear error and keeps serving', async () => {
    const dir = newStateDir();
    oj(dir, ['daemon', 'start']);
    const { socket, pid } = status(dir);
    const frames: Record<string, unknown>[] = [];
    const open = (): Promise<{ ws: WebSocket; closed: Promise<number> }> =>
      new Promise((done) => {
        const ws = new WebSocket('ws://ojd/', { createConnection: () => connect(socket) });
        ws.on('message', (d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>));
        ws.on('error', () => {});
        const closed = new Promise<number>((c) => ws.on('close', c));
        ws.on('open', () => done({ ws, closed }));
      });
    const next = () => waitFor(() => frames.shift(), 'a frame from ojd', 5000);
    const { ws } = await open();
    expect(await next()).toMatchObject({ type: 'hello', protocol: 1, version: VERSION, pid });
    const ping = async (id: number) => {
      ws.send(JSON.stringify({ type: 'request', id, method: 'ping' }));
      expect(await next()).toMatchObject({
        type: 'response',
        id,
        ok: true,
        result: { pong: true },
      });
    };

    ws.send('this is not json');
    expect(await next()).toMatchObject({
      type: 'error',
      error: { code: 'BAD_FRAME', message: expect.stringMatching(/not JSON/) },
    });
    await ping(1);
    ws.send(JSON.stringify({ type: 'request', id: 2, method: 'daemon.stauts' }));
    expect(await next()).toMatchObject({
      id: 2,
      ok: false,
      error: {
        code: 'UNKNOWN_METHOD',
        message: 'unknown method "daemon.stauts"; did you mean "daemon.status"?',
      },
    });
    await ping(3);
    ws.send(
      JSON.stringify({ type: 'request', id: 4, method: 'daemon.stop', params: { kill: 'please' } }),
    );
    expect(await next()).toMatchObject({
      id: 4,
      ok: false,
      error: {
        code: 'BAD_PARAMS',
        message: expect.stringMatching(/"daemon.stop": kill: expected boolean/),
      },
    });
    await ping(5);

    const big = await open();
    await next(); // its hello
    big.ws.send(
      JSON.stringify({
        type: 'request',
        id: 1,
        method: 'ping',
        params: { pad: 'x'.repeat(1024 * 1024) },
      }),
    );
    expect(await big.closed).toBe(1009);
    await ping(6);
    await waitFor(
      () => /Max payload size exceeded/.test(readFileSync(join(dir, 'logs', 'daemon.log'), 'utf8')),
      'the oversized frame in the log',
      5000,
    );
    ws.close();
    oj(dir, ['daemon', 'stop']);
  });
});

describe('oj daemon logs and --foreground', () => {
  it('prints the log without a daemon, and the last n lines with -n', () => {
    const dir = newStateDir();
    expect(oj(dir, ['daemon', 'logs'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/no daemon log at .*daemon\.log yet/),
    });
    oj(dir, ['daemon', 'start']);
    oj(dir, ['daemon', 'stop']);
    const all = oj(dir, ['daemon', 'logs']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z info  [\s\S]*ojd .* ready \(pid \d+, socket .*\)\n[\s\S]*info  stopped\n$/,
    );
    expect(oj(dir, ['daemon', 'logs', '-n', '1']).stdout).toMatch(/^\S+ info  stopped\n$/);
  });

  it('follows the log with -f until Ctrl-C', async () => {
    const dir = newStateDir();
    const follower = spawn(process.execPath, [OJ_BIN, 'daemon', 'logs', '-f'], { env: env(dir) });
    let out = '';
    follower.stdout.on('data', (d: Buffer) => (out += String(d)));
    const exited = new Promise<number | null>((done) => follower.on('exit', done));
    oj(dir, ['daemon', 'start']);
    await waitFor(() => out.includes(' ready ('), 'the follower to print the ready line', 5000);
    oj(dir, ['daemon', 'stop']);
    await waitFor(() => out.includes('info  stopped'), 'the follower to print the stop', 5000);
    follower.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('runs in the foreground, logging to stderr, until stopped by request', async () => {
    const dir = newStateDir();
    const child: ChildProcess = spawn(
      process.execPath,
      [OJ_BIN, 'daemon', 'start', '--foreground'],
      { env: env(dir) },
    );
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += String(d)));
    const exited = new Promise<number | null>((done) => child.on('exit', done));
    await waitFor(
      () => existsSync(join(dir, 'run', 'ojd.sock')) && status(dir).running,
      'the foreground ojd to answer',
      5000,
    );
    expect(status(dir).pid).toBe(child.pid);
    await waitFor(() => /info {2}ojd .* ready/.test(err), 'the ready line on stderr', 5000);
    expect(oj(dir, ['daemon', 'stop'])).toMatchObject({
      code: 0,
      stdout: `ojd stopped (pid ${child.pid})\n`,
    });
    expect(await exited).toBe(0);
    expect(existsSync(join(dir, 'run', 'ojd.pid'))).toBe(false);
  });

  it('stops the foreground daemon cleanly on Ctrl-C', async () => {
    const dir = newStateDir();
    const child = spawn(process.execPath, [OJ_BIN, 'daemon', 'start', '--foreground'], {
      env: env(dir),
    });
    const exited = new Promise<number | null>((done) => child.on('exit', done));
    await waitFor(() => status(dir).running, 'the foreground ojd to answer', 5000);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(join(dir, 'run', 'ojd.sock'))).toBe(false);
    expect(existsSync(join(dir, 'run', 'ojd.pid'))).toBe(false);
  });
});
