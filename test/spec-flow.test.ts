// End-to-end: the standard `spec` runbook with the fake agent — requirements, design and tasks,
// each stopping at an approval decision (a rejection sends the phase back with the reason), then
// the builder and the merge queue land the items on main.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createWorkflow, initRepo } from './helpers/workflow.js';
import { waitFor } from './helpers/wait.js';

interface Decision {
  id: string;
  pipeline: string;
  cause: string;
  detail: string;
  options: string[];
}

const workflow = createWorkflow('oj-spec-');
const { repo, oj, ok, json, git } = workflow;
const show = (id: string) =>
  json<{ status: string; phase: string; history: { phase: string }[] }>('pipeline', 'show', id);

/** Waits until the pipeline stops at its next approval, and returns that decision. */
async function nextApproval(id: string, phase: string): Promise<Decision> {
  await waitFor(() => {
    const p = show(id);
    if (p.status === 'failed') throw new Error(`spec failed at ${p.phase}`);
    return p.status === 'escalated' && p.phase === phase;
  }, `the approval of ${phase}`);
  const decision = json<Decision[]>('decision', 'list').find((d) => d.pipeline === id);
  expect(decision).toMatchObject({ cause: 'approval', options: ['approve', 'reject', 'cancel'] });
  return decision as Decision;
}

afterAll(() => {
  oj('daemon', 'stop', '--kill');
});

describe('oj run spec', () => {
  it('stops at each approval, goes back on a rejection, and builds once everything is approved', async () => {
    initRepo(workflow);
    writeFileSync(join(repo, 'Makefile'), 'test:\n\t@true\n');
    writeFileSync(join(repo, 'README.md'), '# app\n');
    writeFileSync(join(repo, '.gitignore'), 'specs/\nplans/\n');
    git('add', '-A');
    git('commit', '-qm', 'initial');
    ok('init');
    ok('run', 'spec', 'greet', 'Greet the user');
    const [spec] = json<{ id: string }[]>('pipeline', 'list');
    const id = spec?.id ?? '';

    let decision = await nextApproval(id, 'approve-requirements');
    expect(decision.detail).toBe('Approve the requirements in specs/greet/requirements.md?');
    expect(existsSync(join(repo, 'specs', 'greet', 'requirements.md'))).toBe(true);
    ok('decision', 'resolve', decision.id, 'reject', '-m', 'add a goodbye story');
    decision = await nextApproval(id, 'approve-requirements');
    expect(show(id).history.filter((h) => h.phase === 'requirements')).toHaveLength(2);
    ok('decision', 'resolve', decision.id, 'approve');

    decision = await nextApproval(id, 'approve-design');
    expect(readFileSync(join(repo, 'specs', 'greet', 'design.md'), 'utf8')).toContain('# Design');
    ok('decision', 'resolve', decision.id, 'approve');

    decision = await nextApproval(id, 'approve-tasks');
    const queued = json<{ items: { id: string }[] }>('queue', 'show', 'tasks').items.map(
      (i) => i.id,
    );
    expect(queued.sort()).toEqual(['greet-1', 'greet-3']);
    expect(
      json<{ name: string; state: string }[]>('worker', 'list').find((w) => w.name === 'builder')
        ?.state,
    ).not.toBe('running');
    ok('decision', 'resolve', decision.id, 'approve');

    await waitFor(() => show(id).status === 'done', 'the spec pipeline to finish');
    await waitFor(() => {
      const log = git('log', '--format=%s', 'main');
      return log.includes('app: say hello') && log.includes('docs: greetings');
    }, 'both items to land on main');
  });
});
