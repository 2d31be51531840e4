// End-to-end: the standard merge queue — a branch whose conflict the agent cannot resolve is
// dead-lettered with a decision and does not block the clean branch queued behind it; resolving
// the decision with drop clears it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createWorkflow, initRepo } from './helpers/workflow.js';
import { waitFor } from './helpers/wait.js';

const workflow = createWorkflow('oj-merge-');
const { repo, oj, ok, json, git } = workflow;
const commitFile = (file: string, text: string, message: string) => {
  writeFileSync(join(repo, file), text);
  git('add', file);
  git('commit', '-qm', message);
};

afterAll(() => {
  oj('daemon', 'stop', '--kill');
});

describe('the merge queue', () => {
  it('dead-letters a branch it cannot land, with a decision, and lands the clean one behind it', async () => {
    initRepo(workflow);
    writeFileSync(join(repo, 'Makefile'), 'test:\n\t@true\n');
    git('add', 'Makefile');
    commitFile('other.txt', 'base\n', 'initial');
    git('checkout', '-q', '-b', 'bad');
    commitFile('other.txt', 'from the branch\n', 'bad: change other.txt');
    git('checkout', '-q', 'main');
    commitFile('other.txt', 'from main\n', 'main: change other.txt');
    git('checkout', '-q', '-b', 'good');
    commitFile('good.txt', 'good\n', 'good: add good.txt');
    git('checkout', '-q', 'main');
    ok('init');

    ok('run', 'merge', 'bad');
    ok('run', 'merge', 'good');
    await waitFor(
      () => git('log', '--format=%s', 'main').includes('good: add good.txt'),
      'good to land',
    );
    const decision = await waitFor(
      () =>
        json<{ id: string; cause: string; options: string[]; detail: string }[]>(
          'decision',
          'list',
        ).find((d) => d.cause === 'dead'),
      'the dead-lettered branch to ask for a decision',
    );
    expect(decision.options).toEqual(['retry', 'drop']);
    expect(decision.detail).toMatch(/dead-lettered/);
    expect(git('log', '--format=%s', 'main')).not.toContain('bad: change other.txt');
    const merges = json<{ counts: { dead: number } }>('queue', 'show', 'merges');
    expect(merges.counts.dead).toBe(1);
    ok('decision', 'resolve', decision.id, 'drop');
    await waitFor(() => json<unknown[]>('decision', 'list').length === 0, 'the decision to close');
    expect(json<{ id: string; name: string }[]>('workspace', 'list')).toHaveLength(1); // the failed run's, kept
  });
});
