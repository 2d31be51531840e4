// End-to-end: `oj prune` — a dry run changes nothing; status and age filters pick exactly the
// right finished pipelines (logs go with them); running and escalated ones are never removed;
// orphaned worktrees are found and removed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runOj } from './helpers/oj.js';
import { waitFor } from './helpers/wait.js';

const RUNBOOK = `
[command.job]
args = "<tag> <mode>"
run = { pipeline = "job" }

[pipeline.job]
inputs = ["tag", "mode"]

[[pipeline.job.phase]]
name = "work"
run = "case {mode} in ok) true ;; fail) exit 3 ;; hold) while [ ! -e release-{tag} ]; do sleep 0.05; done ;; esac"
on_fail = "end"

[[pipeline.job.phase]]
name = "end"
run = "test {mode} != escalate || exit 1"
on_fail = "escalate"
`;

let project: string;
let state: string;
const oj = (...args: string[]) => runOj(args, { cwd: project, env: { OJ_STATE_DIR: state } });
const json = <T>(...args: string[]) => JSON.parse(oj(...args, '-o', 'json').stdout) as T;
const list = () => json<{ id: string; name: string; status: string }[]>('pipeline', 'list');
const idOf = (name: string) => list().find((p) => p.name === `job-${name}`)?.id as string;
const start = (tag: string, mode: string) => oj('run', 'job', tag, mode);
const statusOf = (tag: string) => list().find((p) => p.name === `job-${tag}`)?.status;
const waitStatus = (tag: string, status: string) =>
  waitFor(() => statusOf(tag) === status, `job ${tag} ${status}`);

beforeAll(async () => {
  project = makeProject({ 'jobs.toml': RUNBOOK });
  state = mkdtempSync(join(tmpdir(), 'oj-prune-'));
  start('old', 'ok');
  await waitStatus('old', 'done');
  const oldEnded = Date.now();
  start('failed', 'fail');
  start('running', 'hold');
  start('cancelled', 'hold');
  await waitFor(() => statusOf('cancelled') === 'running', 'job cancelled to run');
  oj('pipeline', 'cancel', idOf('cancelled'));
  await waitStatus('cancelled', 'cancelled');
  await waitStatus('failed', 'done'); // on_fail → end: the pipeline itself finishes
  // "escalated": the end phase fails with on_fail = escalate.
  start('stuck', 'escalate');
  await waitStatus('stuck', 'escalated');
  // Age: by the time of the age spec, `old` and `failed` ended more than 2.5 s ago.
  await waitFor(() => Date.now() - oldEnded > 2_500, 'the first job to be 2.5 s old');
}, 60_000);

afterAll(() => {
  oj('daemon', 'stop', '--kill');
});

describe('oj prune', () => {
  it('lists but removes nothing on --dry-run, and never offers running or escalated pipelines', () => {
    const before = list().length;
    const r = json<{ pipelines: string[]; dryRun: boolean }>('prune', '--dry-run');
    expect(r.dryRun).toBe(true);
    const names = r.pipelines.map((id) => list().find((p) => p.id === id)?.name).sort();
    expect(names).toEqual(['job-cancelled', 'job-failed', 'job-old']);
    expect(list()).toHaveLength(before);
  });

  it('selects by age exactly, and removes the log with the pipeline', async () => {
    // `fresh` ends just before the prune: younger than 2 s, unlike the others.
    start('fresh', 'ok');
    await waitStatus('fresh', 'done');
    const old = idOf('old');
    const failed = idOf('failed');
    const log = join(state, 'logs', 'pipelines', `${old}.log`);
    expect(existsSync(log)).toBe(true);
    // `old` and `failed` (whose on_fail phase finished it) ended > 2.5 s ago; `fresh` just now.
    const r = json<{ pipelines: string[] }>('prune', '--max-age', '2s', '--status', 'done');
    expect(r.pipelines.sort()).toEqual([old, failed].sort());
    expect(statusOf('old')).toBeUndefined();
    expect(existsSync(log)).toBe(false);
    expect(statusOf('fresh')).toBe('done');
  });

  it('selects by status exactly', () => {
    const r = json<{ pipelines: string[] }>('prune', '--status', 'cancelled');
    expect(r.pipelines).toEqual([idOf('cancelled') ?? r.pipelines[0]]);
    expect(statusOf('cancelled')).toBeUndefined();
    expect(statusOf('fresh')).toBe('done');
  });

  it('refuses protected statuses and keeps running and escalated pipelines through a full prune', () => {
    const refused = oj('prune', '--status', 'running');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/"running" pipelines are never pruned/);
    oj('prune');
    expect(
      list()
        .map((p) => p.status)
        .sort(),
    ).toEqual(['escalated', 'running']);
  });

  it('finds and removes a worktree no pipeline knows', () => {
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: project });
    writeFileSync(join(project, 'a.txt'), 'a\n');
    const gitEnv = {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t.invalid',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t.invalid',
    };
    execFileSync('git', ['add', 'a.txt'], { cwd: project });
    execFileSync('git', ['commit', '-qm', 'a'], { cwd: project, env: gitEnv });
    const orphan = join(state, 'workspaces', 'pl-gone');
    execFileSync('git', ['worktree', 'add', '-q', orphan], { cwd: project });
    const dry = json<{ worktrees: string[] }>('prune', '--worktrees', '--dry-run');
    expect(dry.worktrees).toEqual(['pl-gone']);
    expect(existsSync(orphan)).toBe(true);
    json('prune', '--worktrees');
    expect(existsSync(orphan)).toBe(false);
    oj('pipeline', 'cancel', idOf('running'));
    writeFileSync(join(project, 'release-running'), '');
  });
});
