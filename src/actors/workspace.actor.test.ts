// Tests for the git workspace executor against real git in temp dirs: creating, resetting and
// reusing worktrees, syncing files in (and refusing paths outside the repo), instruction files,
// setup commands and their failures, removal, listing, and the repository root.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { toGitEnv } from './git.js';
import {
  createWorkspace,
  gitRoot,
  listWorktrees,
  removeWorkspace,
  WorkspaceError,
} from './workspace.actor.js';
import type { WorkspaceSpec } from './workspace.actor.js';

// Identity through the environment only: the tests never touch anyone's git config.
const GIT_ENV = {
  ...toGitEnv(process.env),
  GIT_AUTHOR_NAME: 'oj test',
  GIT_AUTHOR_EMAIL: 'oj@test.invalid',
  GIT_COMMITTER_NAME: 'oj test',
  GIT_COMMITTER_EMAIL: 'oj@test.invalid',
};

let tmp: string;
let repo: string;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: GIT_ENV,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

function commit(cwd: string, file: string, text: string): string {
  writeFileSync(join(cwd, file), text);
  git(cwd, 'add', file);
  git(cwd, 'commit', '-qm', `write ${file}`);
  return git(cwd, 'rev-parse', 'HEAD');
}

function spec(name: string, extra: Partial<WorkspaceSpec> = {}): WorkspaceSpec {
  return { repo, path: join(tmp, 'workspaces', name), branch: `oj/${name}`, ...extra };
}

async function failure(promise: Promise<unknown>): Promise<WorkspaceError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof WorkspaceError)) throw new Error(`expected a WorkspaceError, got ${err}`);
  return err;
}

/** Alive and not a zombie waiting for its reaper. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

beforeEach(() => {
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'oj-workspace-')));
  repo = join(tmp, 'repo');
  mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  writeFileSync(join(repo, '.gitignore'), '.env\n.claude/\n');
  commit(repo, 'README.md', 'hello\n');
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('createWorkspace', () => {
  it("checks out a new branch at the repo's HEAD in a worktree of its own", async () => {
    const info = await createWorkspace(spec('pl-1'));
    expect(info).toEqual({
      path: join(tmp, 'workspaces', 'pl-1'),
      branch: 'oj/pl-1',
      base: 'HEAD',
      head: git(repo, 'rev-parse', 'HEAD'),
      created: true,
    });
    expect(readFileSync(join(info.path, 'README.md'), 'utf8')).toBe('hello\n');
    expect(git(info.path, 'branch', '--show-current')).toBe('oj/pl-1');
    expect(git(info.path, 'status', '--porcelain')).toBe('');
  });

  it('starts the branch from another ref when given a base', async () => {
    const first = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'tag', 'v1');
    commit(repo, 'later.txt', 'later\n');
    const info = await createWorkspace(spec('pl-1', { base: 'v1' }));
    expect(info.head).toBe(first);
    expect(existsSync(join(info.path, 'later.txt'))).toBe(false);
  });

  it('resets an existing branch to the base', async () => {
    const base = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'checkout', '-q', '-b', 'oj/pl-1');
    commit(repo, 'stale.txt', 'stale\n');
    git(repo, 'checkout', '-q', 'main');
    const info = await createWorkspace(spec('pl-1', { base: 'main' }));
    expect(info.head).toBe(base);
    expect(git(repo, 'rev-parse', 'oj/pl-1')).toBe(base);
    expect(existsSync(join(info.path, 'stale.txt'))).toBe(false);
  });

  it('reuses the worktree on a second call without running setup again', async () => {
    const count = join(tmp, 'setup-runs');
    const request = spec('pl-1', {
      base: 'main',
      setup: ['echo ran >> "$COUNT_FILE"'],
      env: { COUNT_FILE: count },
    });
    const first = await createWorkspace(request);
    writeFileSync(join(first.path, 'work.txt'), 'in progress\n');
    const second = await createWorkspace(request);
    expect(second).toEqual({ ...first, created: false });
    expect(readFileSync(count, 'utf8')).toBe('ran\n');
    expect(readFileSync(join(first.path, 'work.txt'), 'utf8')).toBe('in progress\n');
  });

  it('reuses its own worktree while it is off its branch, e.g. mid-rebase on a detached HEAD', async () => {
    const request = spec('pl-1', { base: 'main' });
    const first = await createWorkspace(request);
    git(first.path, 'checkout', '-q', '--detach');
    const again = await createWorkspace(request);
    expect(again).toMatchObject({ path: first.path, created: false });
    expect(git(first.path, 'branch', '--show-current')).toBe('');
  });

  it('rebuilds a worktree whose setup never finished (a crash mid-setup)', async () => {
    const count = join(tmp, 'setup-runs');
    const request = spec('pl-1', {
      setup: ['echo ran >> "$COUNT_FILE"'],
      env: { COUNT_FILE: count },
    });
    const first = await createWorkspace(request);
    // What a crash between `worktree add` and the end of setup leaves behind.
    const marker = join(git(first.path, 'rev-parse', '--absolute-git-dir'), 'oj-workspace.json');
    writeFileSync(marker, JSON.stringify({ state: 'pending', branch: 'oj/pl-1', base: 'HEAD' }));
    const second = await createWorkspace(request);
    expect(second.created).toBe(true);
    expect(readFileSync(count, 'utf8')).toBe('ran\nran\n');
  });

  it('copies sync entries into the worktree and skips missing ones', async () => {
    writeFileSync(join(repo, '.env'), 'SECRET=1\n');
    mkdirSync(join(repo, '.claude', 'commands'), { recursive: true });
    writeFileSync(join(repo, '.claude', 'settings.json'), '{"a":1}\n');
    writeFileSync(join(repo, '.claude', 'commands', 'go.md'), 'go\n');
    mkdirSync(join(repo, 'config'));
    writeFileSync(join(repo, 'config', 'local.toml'), 'x = 1\n');
    const info = await createWorkspace(
      spec('pl-1', {
        sync: ['.env', '.claude/settings.json', 'config', 'missing.txt', 'nested/missing'],
      }),
    );
    expect(readFileSync(join(info.path, '.env'), 'utf8')).toBe('SECRET=1\n');
    expect(readFileSync(join(info.path, '.claude', 'settings.json'), 'utf8')).toBe('{"a":1}\n');
    expect(existsSync(join(info.path, '.claude', 'commands'))).toBe(false);
    expect(readFileSync(join(info.path, 'config', 'local.toml'), 'utf8')).toBe('x = 1\n');
    expect(existsSync(join(info.path, 'missing.txt'))).toBe(false);
    expect(existsSync(join(info.path, 'nested'))).toBe(false);
  });

  it.each(['../outside', 'sub/../../outside', '/etc/hostname', '.git/config', 'escape'])(
    'refuses to sync %s and creates nothing',
    async (entry) => {
      mkdirSync(join(tmp, 'outside'));
      writeFileSync(join(tmp, 'outside', 'secret'), 'no\n');
      symlinkSync(join(tmp, 'outside'), join(repo, 'escape'));
      const request = spec('pl-1', { sync: [entry] });
      const err = await failure(createWorkspace(request));
      expect(err.code).toBe('UNSAFE_PATH');
      expect(err.message).toContain(`"${entry}"`);
      expect(existsSync(request.path)).toBe(false);
      expect(await listWorktrees(repo)).toHaveLength(1);
    },
  );

  it('writes instruction files after sync, overwriting', async () => {
    writeFileSync(join(repo, '.env'), 'SECRET=1\n');
    const info = await createWorkspace(
      spec('pl-1', {
        sync: ['.env'],
        files: { 'CLAUDE.md': 'Build it.\n', 'docs/AGENTS.md': 'Agents.\n', '.env': 'MINE=1\n' },
      }),
    );
    expect(readFileSync(join(info.path, 'CLAUDE.md'), 'utf8')).toBe('Build it.\n');
    expect(readFileSync(join(info.path, 'docs', 'AGENTS.md'), 'utf8')).toBe('Agents.\n');
    expect(readFileSync(join(info.path, '.env'), 'utf8')).toBe('MINE=1\n');
  });

  it('runs setup commands in order in the worktree with the given environment', async () => {
    const info = await createWorkspace(
      spec('pl-1', {
        setup: ['echo "$GREETING" > setup.log', 'pwd >> setup.log'],
        env: { GREETING: 'hi' },
      }),
    );
    expect(readFileSync(join(info.path, 'setup.log'), 'utf8')).toBe(`hi\n${info.path}\n`);
  });

  it('removes the half-made worktree when setup fails and reports its exit code and output', async () => {
    const request = spec('pl-1', {
      files: { 'CLAUDE.md': 'x' },
      setup: ['true', 'echo installing; echo "no such package" >&2; exit 3', 'touch never'],
    });
    const err = await failure(createWorkspace(request));
    expect(err.code).toBe('SETUP_FAILED');
    expect(err.exitCode).toBe(3);
    expect(err.output).toBe('installing\nno such package');
    expect(err.message).toContain('exited with code 3');
    expect(err.message).toContain('no such package');
    expect(err.message).toContain(request.path);
    expect(existsSync(request.path)).toBe(false);
    expect((await listWorktrees(repo)).map((w) => w.path)).toEqual([repo]);
  });

  it('kills a running setup command and removes the worktree when aborted', async () => {
    const controller = new AbortController();
    const started = join(tmp, 'started');
    const request = spec('pl-1', {
      setup: ['sleep 30 & echo $! > "$STARTED"; wait'],
      env: { STARTED: started },
      signal: controller.signal,
    });
    const creating = failure(createWorkspace(request));
    const pid = await vi.waitFor(
      () => {
        const text = readFileSync(started, 'utf8');
        if (!/^\d+\n$/.test(text)) throw new Error('setup has not started yet');
        return Number(text);
      },
      { timeout: 5_000, interval: 10 },
    );
    controller.abort();
    const err = await creating;
    expect(err.code).toBe('CANCELLED');
    expect(existsSync(request.path)).toBe(false);
    // The setup command's background child died with it.
    await vi.waitFor(() => expect(isAlive(pid)).toBe(false), { timeout: 5_000, interval: 10 });
  });

  it('refuses an existing directory that is not a worktree and leaves it alone', async () => {
    const path = join(tmp, 'taken');
    mkdirSync(path);
    writeFileSync(join(path, 'keep.txt'), 'mine\n');
    const err = await failure(createWorkspace({ ...spec('x'), path }));
    expect(err.code).toBe('PATH_TAKEN');
    expect(err.message).toContain(`"${path}" already exists`);
    expect(readFileSync(join(path, 'keep.txt'), 'utf8')).toBe('mine\n');
  });

  it('uses an existing empty directory', async () => {
    const path = join(tmp, 'empty');
    mkdirSync(path);
    expect((await createWorkspace({ ...spec('x'), path })).created).toBe(true);
    expect(existsSync(join(path, 'README.md'))).toBe(true);
  });

  it('refuses a worktree of the repo that is on another branch', async () => {
    const info = await createWorkspace(spec('pl-1'));
    const err = await failure(createWorkspace({ ...spec('pl-1'), branch: 'other' }));
    expect(err.code).toBe('PATH_TAKEN');
    expect(err.message).toContain('on branch "oj/pl-1", not "other"');
    expect(existsSync(info.path)).toBe(true);
  });

  it('refuses a repo path that is not inside a git work tree', async () => {
    const err = await failure(createWorkspace({ ...spec('pl-1'), repo: tmp }));
    expect(err.code).toBe('NOT_A_REPO');
    expect(err.message).toContain(`"${tmp}" is not inside a git work tree`);
  });

  it("quotes git's error when the base does not exist", async () => {
    const request = spec('pl-1', { base: 'no-such-ref' });
    const err = await failure(createWorkspace(request));
    expect(err.code).toBe('GIT_FAILED');
    expect(err.message).toMatch(/git worktree add -B oj\/pl-1 .* no-such-ref exited with code \d+/);
    expect(err.message).toMatch(/: (.*\n)?fatal: .*no-such-ref/); // git's own words
    expect(existsSync(request.path)).toBe(false);
  });

  it('works with spaces in the repo and workspace paths', async () => {
    const spaced = join(tmp, 'my repo');
    mkdirSync(spaced);
    git(spaced, 'init', '-q', '-b', 'main');
    commit(spaced, 'a file.txt', 'a\n');
    writeFileSync(join(spaced, 'local env'), 'x\n');
    const path = join(tmp, 'work spaces', 'pl 1');
    const info = await createWorkspace({
      repo: spaced,
      path,
      branch: 'oj/pl-1',
      sync: ['local env'],
      setup: ['cat "local env" > copied'],
    });
    expect(readFileSync(join(path, 'copied'), 'utf8')).toBe('x\n');
    expect((await listWorktrees(spaced)).map((w) => w.path)).toEqual([spaced, path]);
    expect((await createWorkspace({ repo: spaced, path, branch: 'oj/pl-1' })).created).toBe(false);
    expect(await removeWorkspace({ repo: spaced, path })).toEqual({
      removed: true,
      branchDeleted: false,
    });
    expect(existsSync(path)).toBe(false);
    expect(info.created).toBe(true);
  });
});

describe('removeWorkspace', () => {
  it('removes a worktree with uncommitted changes', async () => {
    const info = await createWorkspace(spec('pl-1'));
    writeFileSync(join(info.path, 'README.md'), 'edited\n');
    writeFileSync(join(info.path, 'new.txt'), 'untracked\n');
    expect(await removeWorkspace({ repo, path: info.path })).toEqual({
      removed: true,
      branchDeleted: false,
    });
    expect(existsSync(info.path)).toBe(false);
    expect((await listWorktrees(repo)).map((w) => w.path)).toEqual([repo]);
    expect(git(repo, 'branch', '--list', 'oj/pl-1')).not.toBe(''); // kept unless asked
  });

  it('reports removed:false for a path that does not exist', async () => {
    const result = await removeWorkspace({ repo, path: join(tmp, 'workspaces', 'never') });
    expect(result).toEqual({ removed: false, branchDeleted: false });
  });

  it('deletes a directory git no longer knows as a worktree', async () => {
    const info = await createWorkspace(spec('pl-1'));
    rmSync(join(repo, '.git', 'worktrees', 'pl-1'), { recursive: true });
    expect((await removeWorkspace({ repo, path: info.path })).removed).toBe(true);
    expect(existsSync(info.path)).toBe(false);
  });

  it('deletes the branch with deleteBranch only when it is merged', async () => {
    const merged = await createWorkspace(spec('merged'));
    const ahead = await createWorkspace(spec('ahead'));
    commit(ahead.path, 'work.txt', 'work\n');
    expect(await removeWorkspace({ repo, path: merged.path, deleteBranch: true })).toEqual({
      removed: true,
      branchDeleted: true,
    });
    expect(await removeWorkspace({ repo, path: ahead.path, deleteBranch: true })).toEqual({
      removed: true,
      branchDeleted: false,
    });
    expect(git(repo, 'branch', '--list', 'oj/merged')).toBe('');
    expect(git(repo, 'branch', '--list', 'oj/ahead')).not.toBe('');
  });

  it('refuses to remove the main worktree or a directory containing workspaces', async () => {
    const info = await createWorkspace(spec('pl-1'));
    for (const path of [repo, join(tmp, 'workspaces')]) {
      const err = await failure(removeWorkspace({ repo, path }));
      expect(err.code).toBe('UNSAFE_PATH');
    }
    expect(existsSync(join(repo, 'README.md'))).toBe(true);
    expect(existsSync(info.path)).toBe(true);
  });
});

describe('listWorktrees', () => {
  it('lists the main worktree and each workspace with its branch and flags', async () => {
    const one = await createWorkspace(spec('pl-1'));
    const two = await createWorkspace(spec('pl-2'));
    git(repo, 'worktree', 'lock', two.path);
    const head = git(repo, 'rev-parse', 'HEAD');
    const flags = { bare: false, detached: false, prunable: false };
    expect(await listWorktrees(join(repo, '.git'))).toEqual([
      { path: repo, head, branch: 'main', locked: false, ...flags },
      { path: one.path, head, branch: 'oj/pl-1', locked: false, ...flags },
      { path: two.path, head, branch: 'oj/pl-2', locked: true, ...flags },
    ]);
  });

  it('refuses a directory that is not in a repository', async () => {
    const err = await failure(listWorktrees(tmp));
    expect(err.code).toBe('NOT_A_REPO');
    expect(err.message).toContain(`"${tmp}" is not inside a git repository`);
  });

  it('flags a worktree whose directory is gone as prunable', async () => {
    const info = await createWorkspace(spec('pl-1'));
    rmSync(info.path, { recursive: true });
    const [, gone] = await listWorktrees(repo);
    expect(gone).toMatchObject({ path: info.path, prunable: true });
  });
});

describe('gitRoot', () => {
  it('finds the top-level directory from anywhere inside the repo', async () => {
    mkdirSync(join(repo, 'src', 'deep'), { recursive: true });
    expect(await gitRoot(join(repo, 'src', 'deep'))).toBe(repo);
    expect(await gitRoot(repo)).toBe(repo);
  });

  it.each(['outside', 'missing'])('is null for a directory outside any repo (%s)', async (name) => {
    if (name === 'outside') mkdirSync(join(tmp, name));
    expect(await gitRoot(join(tmp, name))).toBeNull();
  });
});
