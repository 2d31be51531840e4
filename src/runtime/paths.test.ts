// State dir resolution (DESIGN.md §4), the paths inside it, and the socket path fallback for state
// dirs too deep for sun_path.
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ensurePrivateDir,
  fits,
  readSocketPath,
  resolveStateDir,
  SOCKET_PATH_MAX_BYTES,
  socketPathFor,
  statePaths,
} from './paths.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oj-paths-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveStateDir', () => {
  it.each([
    [{ OJ_STATE_DIR: '/s/oj', XDG_STATE_HOME: '/x' }, '/s/oj'],
    [{ XDG_STATE_HOME: '/x' }, '/x/oj'],
    [{}, '/home/u/.local/state/oj'],
    [{ OJ_STATE_DIR: '' }, '/home/u/.local/state/oj'],
  ])('%j → %s', (env, expected) => {
    expect(resolveStateDir(env, '/home/u')).toBe(expected);
  });
});

describe('statePaths', () => {
  it('puts run files under run/, the log under logs/', () => {
    expect(statePaths('/s')).toEqual({
      root: '/s',
      run: '/s/run',
      socket: '/s/run/ojd.sock',
      socketRecord: '/s/run/socket-path',
      pid: '/s/run/ojd.pid',
      log: '/s/logs/daemon.log',
      logs: '/s/logs',
      journal: '/s/journal',
    });
  });

  const deep = `/tmp/${'d'.repeat(120)}/state`;

  it('falls back to a hashed name in $XDG_RUNTIME_DIR when run/ojd.sock does not fit', () => {
    const socket = socketPathFor(deep, { XDG_RUNTIME_DIR: '/run/user/1000' });
    expect(socket).toMatch(/^\/run\/user\/1000\/oj-[0-9a-f]{16}\.sock$/);
    expect(socketPathFor(deep, { XDG_RUNTIME_DIR: '/run/user/1000' })).toBe(socket); // stable
    expect(socketPathFor(`${deep}2`, { XDG_RUNTIME_DIR: '/run/user/1000' })).not.toBe(socket);
  });

  it('falls back to /tmp/oj-<uid>/ without a usable $XDG_RUNTIME_DIR', () => {
    for (const env of [
      {},
      { XDG_RUNTIME_DIR: 'relative' },
      { XDG_RUNTIME_DIR: `/${'r'.repeat(100)}` },
    ])
      expect(socketPathFor(deep, env)).toMatch(/^\/tmp\/oj-\w+\/oj-[0-9a-f]{16}\.sock$/);
    expect(fits(socketPathFor(deep))).toBe(true);
  });

  it('keeps run/ojd.sock up to the sun_path limit exactly', () => {
    const suffix = '/run/ojd.sock';
    const root = `/${'a'.repeat(SOCKET_PATH_MAX_BYTES - suffix.length - 1)}`;
    expect(socketPathFor(root)).toBe(`${root}${suffix}`);
    expect(socketPathFor(`${root}b`)).not.toContain('/run/ojd.sock');
  });
});

describe('readSocketPath', () => {
  it('prefers the path the running daemon recorded', () => {
    const paths = statePaths(dir);
    expect(readSocketPath(paths)).toBe(paths.socket);
    mkdirSync(paths.run);
    writeFileSync(paths.socketRecord, '/run/user/1/oj-0123456789abcdef.sock\n');
    expect(readSocketPath(paths)).toBe('/run/user/1/oj-0123456789abcdef.sock');
  });
});

describe('ensurePrivateDir', () => {
  it('creates missing directories and tightens an existing one to 0700', () => {
    const made = join(dir, 'a', 'b');
    ensurePrivateDir(made);
    expect(statSync(made).mode & 0o777).toBe(0o700);
    const loose = join(dir, 'loose');
    mkdirSync(loose);
    chmodSync(loose, 0o755);
    ensurePrivateDir(loose);
    expect(statSync(loose).mode & 0o777).toBe(0o700);
  });

  it('refuses a symlink or a file in the way', () => {
    symlinkSync(dir, join(dir, 'link'));
    expect(() => ensurePrivateDir(join(dir, 'link'))).toThrow(/not a directory/);
    writeFileSync(join(dir, 'file'), '');
    expect(() => ensurePrivateDir(join(dir, 'file'))).toThrow();
  });
});
