// Tests for the workspace executor's git helpers: parsing `git worktree list --porcelain` in both
// line formats, the environment git runs with, and killing a hung command's process group.
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatCommand, parseWorktreeList, runProcess, toGitEnv } from './git.js';

const LIST = [
  'worktree /repo',
  'HEAD 1111111111111111111111111111111111111111',
  'branch refs/heads/main',
  '',
  'worktree /state/workspaces/pl 1',
  'HEAD 2222222222222222222222222222222222222222',
  'branch refs/heads/oj/feature/x',
  'locked',
  '',
  'worktree /state/gone',
  'HEAD 3333333333333333333333333333333333333333',
  'detached',
  'locked needs\\nreview',
  'prunable gitdir file points to non-existent location',
  '',
  '',
];

describe('parseWorktreeList', () => {
  it.each([
    { format: '-z', separator: '\0' as const },
    { format: 'lines', separator: '\n' as const },
  ])('reads paths, commits, branches and flags ($format)', ({ separator }) => {
    expect(parseWorktreeList(LIST.join(separator), separator)).toEqual([
      {
        path: '/repo',
        head: '1111111111111111111111111111111111111111',
        branch: 'main',
        bare: false,
        detached: false,
        locked: false,
        prunable: false,
      },
      {
        path: '/state/workspaces/pl 1',
        head: '2222222222222222222222222222222222222222',
        branch: 'oj/feature/x',
        bare: false,
        detached: false,
        locked: true,
        prunable: false,
      },
      {
        path: '/state/gone',
        head: '3333333333333333333333333333333333333333',
        branch: null,
        bare: false,
        detached: true,
        locked: true,
        prunable: true,
      },
    ]);
  });

  it('marks a bare repository and leaves its commit and branch empty', () => {
    expect(parseWorktreeList('worktree /srv/repo.git\0bare\0\0', '\0')).toEqual([
      expect.objectContaining({ path: '/srv/repo.git', bare: true, head: null, branch: null }),
    ]);
  });
});

describe('toGitEnv', () => {
  it('drops variables that would point git at another repository and turns prompts off', () => {
    const env = toGitEnv({
      PATH: '/bin',
      GIT_DIR: '/elsewhere/.git',
      GIT_INDEX_FILE: '/elsewhere/.git/index',
      GIT_AUTHOR_NAME: 'me',
      UNSET: undefined,
    });
    expect(env).toEqual({ PATH: '/bin', GIT_AUTHOR_NAME: 'me', GIT_TERMINAL_PROMPT: '0' });
  });
});

describe('formatCommand', () => {
  it('quotes only the arguments a reader could misread', () => {
    expect(formatCommand('git', ['worktree', 'add', '-B', 'oj/x', '/tmp/a b', 'HEAD~1'])).toBe(
      'git worktree add -B oj/x "/tmp/a b" "HEAD~1"',
    );
  });
});

describe('runProcess', () => {
  let dir: string;
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'oj-git-')));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('kills the whole process group when aborted, background children included', async () => {
    const controller = new AbortController();
    const script = 'sleep 30 & echo $! > child.pid; wait';
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    const running = runProcess('/bin/sh', ['-c', script], {
      cwd: dir,
      env,
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    const pid = await vi.waitFor(
      () => {
        const text = readFileSync(join(dir, 'child.pid'), 'utf8');
        if (!/^\d+\n$/.test(text)) throw new Error('no pid yet');
        return Number(text);
      },
      { timeout: 5_000, interval: 10 },
    );
    controller.abort();
    const out = await running;
    expect(out).toMatchObject({ ok: false, cancelled: true, timedOut: false });
    await vi.waitFor(() => expect(isAlive(pid)).toBe(false), { timeout: 5_000, interval: 10 });
  });

  it('says why a command could not start', async () => {
    const out = await runProcess('git', ['status'], {
      cwd: join(dir, 'missing'),
      env: { PATH: process.env.PATH ?? '' },
      timeoutMs: 10_000,
    });
    expect(out.ok).toBe(false);
    expect(out.startError).toContain(`"${join(dir, 'missing')}" does not exist`);
  });
});

/** Alive and not a zombie waiting for its reaper. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
