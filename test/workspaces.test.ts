// End-to-end: pipelines that own a git worktree — created on its branch before the first command
// (synced files, instructions, setup), removed when the run succeeds, kept when it fails, and
// `oj workspace list|show|drop|prune` — through the real `oj` binary on a temp git repository.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runOj } from './helpers/oj.js';
import { waitFor } from './helpers/wait.js';

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'oj test',
  GIT_AUTHOR_EMAIL: 'oj@test.invalid',
  GIT_COMMITTER_NAME: 'oj test',
  GIT_COMMITTER_EMAIL: 'oj@test.invalid',
};

const RUNBOOK = `
[command.feature]
args = "<name>"
run = { pipeline = "feature" }

[pipeline.feature]
inputs = ["name"]

[pipeline.feature.workspace]
branch = "feat/{name}"
base = "main"
sync = [".env", ".claude/settings.json", "missing.txt"]
instructions = "Build {name} in {workspace}."
setup = ["echo set up >> setup.log"]

[[pipeline.feature.phase]]
name = "build"
run = "while [ -e {project}/hold-{name} ]; do sleep 0.05; done; test -f .env && pwd > {project}/where-{name}.txt && echo {name} > {name}.txt && git add {name}.txt && git commit -qm 'add {name}'"
next = "check"

[[pipeline.feature.phase]]
name = "check"
run = "test -e {project}/stop-{name} && exit 1 || test \\"$OJ_WORKSPACE\\" = \\"$(pwd)\\""
`;

let project: string;
let state: string;
const env = () => ({ OJ_STATE_DIR: state, ...GIT_ENV });
const oj = (...args: string[]) => runOj(args, { cwd: project, env: env() });
const git = (...args: string[]) =>
  execFileSync('git', args, {
    cwd: project,
    env: { ...process.env, ...GIT_ENV },
    encoding: 'utf8',
  });
const json = <T>(...args: string[]): T => JSON.parse(oj(...args, '-o', 'json').stdout) as T;
const start = (name: string): string => {
  const r = oj('run', 'feature', name);
  expect(r.stderr).toBe('');
  return r.stdout.trim().split(/\s+/)[0] as string;
};
const waitStatus = (id: string, status: string) =>
  waitFor(
    () => json<{ status: string }>('pipeline', 'show', id).status === status,
    `${id} ${status}`,
  );

beforeAll(() => {
  project = makeProject({ 'ws.toml': RUNBOOK });
  state = mkdtempSync(join(tmpdir(), 'oj-ws-state-'));
  git('init', '-q', '-b', 'main');
  writeFileSync(join(project, '.env'), 'SECRET=1\n');
  execFileSync('mkdir', ['-p', join(project, '.claude')]);
  writeFileSync(join(project, '.claude', 'settings.json'), '{}\n');
  writeFileSync(join(project, '.gitignore'), '.env\n.claude/\nwhere-*.txt\nstop-*\nhold-*\n');
  git('add', '-A');
  git('commit', '-qm', 'init');
});

afterAll(() => {
  oj('daemon', 'stop', '--kill');
});

describe('workspaces', () => {
  it('runs in its own worktree on its branch, then removes it when the run succeeds', async () => {
    const id = start('alpha');
    await waitStatus(id, 'done');
    const where = readFileSync(join(project, 'where-alpha.txt'), 'utf8').trim();
    expect(where).toBe(join(state, 'workspaces', id));
    await waitFor(() => !existsSync(where), 'the worktree to be removed after the run');
    expect(git('log', '--format=%s', 'feat/alpha').split('\n')[0]).toBe('add alpha');
    expect(git('status', '--porcelain')).toBe('');
    expect(git('worktree', 'list')).not.toContain(id);
  });

  it('removes on start the worktree of a run that ended while no daemon removed it', async () => {
    const id = start('delta');
    await waitStatus(id, 'done');
    const path = join(state, 'workspaces', id);
    await waitFor(() => !existsSync(path), 'the worktree to be removed after the run');
    // What a daemon killed right after the run ended leaves behind: the run's worktree.
    expect(oj('daemon', 'stop').code).toBe(0);
    git('worktree', 'add', '-q', '-B', 'feat/delta', path, 'main');
    expect(oj('status').code).toBe(0); // starts the daemon again
    await waitFor(() => !existsSync(path), 'the restarted daemon to remove the worktree');
    expect(git('worktree', 'list')).not.toContain(id);
  });

  it('keeps the worktree of a failed run, lists it, and prunes it', async () => {
    writeFileSync(join(project, 'stop-beta'), '');
    const id = start('beta');
    await waitStatus(id, 'failed');
    const path = join(state, 'workspaces', id);
    expect(readFileSync(join(path, 'CLAUDE.md'), 'utf8')).toBe(`Build beta in ${path}.`);
    expect(readFileSync(join(path, 'AGENTS.md'), 'utf8')).toBe(`Build beta in ${path}.`);
    expect(readFileSync(join(path, '.env'), 'utf8')).toBe('SECRET=1\n');
    expect(existsSync(join(path, '.claude', 'settings.json'))).toBe(true);
    expect(readFileSync(join(path, 'setup.log'), 'utf8')).toBe('set up\n');
    const [listed] = json<{ id: string; status: string; prunable: boolean }[]>('workspace', 'list');
    expect(listed).toMatchObject({ id, status: 'failed', prunable: true });
    expect(oj('workspace', 'show', id).stdout).toContain(path);
    expect(oj('workspace', 'prune', '--dry-run').stdout).toContain(`would remove 1: ${id}`);
    expect(existsSync(path)).toBe(true);
    expect(oj('workspace', 'prune').stdout).toContain(`removed 1: ${id}`);
    expect(existsSync(path)).toBe(false);
    expect(git('worktree', 'list')).not.toContain(id);
  });

  it('refuses to drop the workspace of an active run unless forced', async () => {
    writeFileSync(join(project, 'hold-gamma'), '');
    const id = start('gamma');
    await waitFor(() => existsSync(join(state, 'workspaces', id)), 'the workspace to exist');
    const refused = oj('workspace', 'drop', id);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cancel it first, or pass --force/);
    rmSync(join(project, 'hold-gamma'));
    await waitStatus(id, 'done');
    expect(oj('workspace', 'drop', id).code).toBe(1); // already removed with the run
  });

  it('rejects a workspace sync path that leaves the project', () => {
    const bad = makeProject({
      'bad.toml': `
[pipeline.p]
[pipeline.p.workspace]
sync = ["../secrets"]
[[pipeline.p.phase]]
name = "a"
run = "true"
`,
    });
    const r = runOj(['runbook', 'check'], { cwd: bad });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.toml:4:\d+: .*sync path "\.\.\/secrets" leaves the project/);
  });
});
