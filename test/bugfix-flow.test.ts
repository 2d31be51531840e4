// End-to-end: the standard `bugfix` runbook on a scratch repository with the fake agent — the fix
// is committed in its own worktree, the tests_pass guard fails (tried twice), the run escalates
// with a decision, and resolving it with retry lands the fix on main through the merge queue.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createWorkflow, initRepo } from './helpers/workflow.js';
import { waitFor } from './helpers/wait.js';

const workflow = createWorkflow('oj-bugfix-');
const { dir, repo, oj, ok, json, git } = workflow;

afterAll(() => {
  oj('daemon', 'stop', '--kill');
});

describe('oj run bugfix', () => {
  it('escalates when the tests still fail after a retry, and lands the fix once resolved', async () => {
    initRepo(workflow);
    writeFileSync(join(repo, 'Makefile'), `test:\n\t@test -e '${join(dir, 'tests-ok')}'\n`);
    git('add', '-A');
    git('commit', '-qm', 'initial');
    ok('init');
    const runbook = join(repo, '.oj', 'runbooks', 'bugfix.toml');
    // A fast retry for the spec (the shipped interval is 10 s).
    writeFileSync(
      runbook,
      readFileSync(runbook, 'utf8').replace('interval = "10s"', 'interval = "200ms"'),
    );
    ok('worker', 'start', 'bugfix');
    ok('run', 'bugfix', 'login-500', 'POST /login answers 500 when the password is empty');
    const fix = await waitFor(
      () =>
        json<{ id: string; name: string; status: string }[]>('pipeline', 'list').find(
          (p) => p.name.startsWith('fix-') && p.status === 'escalated',
        ),
      'the fix to escalate',
      30_000,
    );
    const log = readFileSync(join(dir, 'state', 'logs', 'pipelines', `${fix.id}.log`), 'utf8');
    expect(log.match(/\$ make test/g)).toHaveLength(2); // the guard's try and its one retry
    const decisions = json<{ id: string; pipeline: string; options: string[] }[]>(
      'decision',
      'list',
    );
    const decision = decisions.find((d) => d.pipeline === fix.id);
    expect(decision?.options).toEqual(['retry', 'cancel']);
    writeFileSync(join(dir, 'tests-ok'), '');
    ok('decision', 'resolve', decision?.id ?? '', 'retry');
    await waitFor(
      () => {
        const list = json<{ name: string; status: string }[]>('pipeline', 'list');
        return list.length === 2 && list.every((p) => p.status === 'done');
      },
      'the fix and its merge to finish',
      30_000,
    );
    expect(git('log', '--format=%s', 'main')).toContain('fix: the reported bug');
    expect(readFileSync(join(repo, 'fix.txt'), 'utf8')).toBe('fixed\n');
  });
});
