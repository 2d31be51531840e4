// Unit tests of the generated pipeline machine, driven through XState's pure transition().

import { referencedImplementations } from './testing.js';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import type { Effect } from './effects.js';
import { createLinearDef, createPhaseDef, createPipelineDef, drivePipeline } from './fixtures.js';
import { createPipelineMachine, toPipelineStatus } from './index.js';
import type { PipelineEvent } from './index.js';

const START: PipelineEvent = { type: 'pipeline.start', at: 1_000, inputs: { name: 'x' } };
const done = (id: string, at = 2_000): PipelineEvent => ({ type: 'effect.done', id, at });
const failed = (id: string, error = 'boom', at = 2_000): PipelineEvent => ({
  type: 'effect.failed',
  id,
  at,
  error,
});
const shell = (phase: string, visit = 1): Effect => ({
  kind: 'shell',
  id: `pl-1:${phase}:${visit}:work`,
  pipeline: 'pl-1',
  phase,
  script: `echo ${phase}`,
});
const statusOf = (d: ReturnType<typeof drivePipeline>) => toPipelineStatus(d.snapshot);

describe('createPipelineMachine', () => {
  it('runs three phases to done, emitting one shell effect per phase in order', () => {
    const d = drivePipeline(createLinearDef());
    expect(statusOf(d)).toBe('pending');
    d.send(START);
    expect(statusOf(d)).toBe('running');
    d.send(done('pl-1:plan:1:work'), done('pl-1:build:1:work'), done('pl-1:check:1:work', 3_000));
    expect(d.effects).toEqual([shell('plan'), shell('build'), shell('check')]);
    expect(d.snapshot.value).toBe('done');
    expect(d.snapshot.status).toBe('done');
    expect(statusOf(d)).toBe('done');
    expect(d.snapshot.context).toMatchObject({
      inputs: { name: 'x' },
      startedAt: 1_000,
      endedAt: 3_000,
      inflight: null,
      error: null,
    });
    expect(d.snapshot.context.history.map((h) => [h.phase, h.outcome])).toEqual([
      ['plan', 'done'],
      ['build', 'done'],
      ['check', 'done'],
    ]);
  });

  it('emits agent, strategy and guard effects with the phase visit as epoch', () => {
    const def = createPipelineDef([
      createPhaseDef('fix', {
        run: undefined,
        agent: 'bugfix.fixer',
        pre: ['bugfix.clean', 'bugfix.ready'],
        post: ['bugfix.tests'],
        next: 'merge',
      }),
      createPhaseDef('merge', { run: undefined, strategy: 'bugfix.merge' }),
    ]);
    const d = drivePipeline(def);
    d.send(START, done('pl-1:fix:1:pre0'), done('pl-1:fix:1:pre1'), done('pl-1:fix:1:work'));
    d.send(done('pl-1:fix:1:post0'));
    const base = { pipeline: 'pl-1', phase: 'fix' };
    expect(d.effects).toEqual([
      { kind: 'evalGuard', id: 'pl-1:fix:1:pre0', ...base, guard: 'bugfix.clean', when: 'pre' },
      { kind: 'evalGuard', id: 'pl-1:fix:1:pre1', ...base, guard: 'bugfix.ready', when: 'pre' },
      { kind: 'spawnAgent', id: 'pl-1:fix:1:work', ...base, agent: 'bugfix.fixer', epoch: 1 },
      { kind: 'evalGuard', id: 'pl-1:fix:1:post0', ...base, guard: 'bugfix.tests', when: 'post' },
      {
        kind: 'runStrategy',
        id: 'pl-1:merge:1:work',
        pipeline: 'pl-1',
        phase: 'merge',
        strategy: 'bugfix.merge',
      },
    ]);
  });

  it('routes a failed phase to its on_fail phase', () => {
    const def = createPipelineDef([
      createPhaseDef('build', { next: 'ship', onFail: { kind: 'phase', phase: 'repair' } }),
      createPhaseDef('repair', { next: 'build' }),
      createPhaseDef('ship'),
    ]);
    const d = drivePipeline(def);
    d.send(START, failed('pl-1:build:1:work', 'compile error'));
    expect(d.snapshot.value).toEqual({ running: { repair: 'work' } });
    expect(d.snapshot.context.error).toBe('phase "build" failed: compile error');
    d.send(done('pl-1:repair:1:work'));
    expect(d.snapshot.value).toEqual({ running: { build: 'work' } });
    expect(d.effects.at(-1)).toEqual(shell('build', 2));
  });

  it('escalates, then resumes the phase that failed with a new visit', () => {
    const def = createPipelineDef([
      createPhaseDef('review', {
        onFail: { kind: 'recovery', steps: [{ name: 'escalate', builtin: 'escalate' }] },
      }),
    ]);
    const d = drivePipeline(def);
    d.send(START, failed('pl-1:review:1:work'));
    expect(statusOf(d)).toBe('escalated');
    expect(d.snapshot.context.error).toBe('phase "review" failed: boom');
    d.send(done('pl-1:review:1:work'));
    expect(statusOf(d)).toBe('escalated');
    d.send({ type: 'pipeline.resume', at: 5_000 });
    expect(statusOf(d)).toBe('running');
    expect(d.snapshot.context).toMatchObject({ error: null, visits: { review: 2 } });
    d.send(done('pl-1:review:2:work'));
    expect(statusOf(d)).toBe('done');
  });

  it('restarts a phase twice under restart:2, then fails down the chain', () => {
    const def = createPipelineDef([
      createPhaseDef('flaky', {
        onFail: { kind: 'recovery', steps: [{ name: 'restart', builtin: 'restart', max: 2 }] },
      }),
    ]);
    const d = drivePipeline(def);
    d.send(START, failed('pl-1:flaky:1:work'), failed('pl-1:flaky:2:work'));
    expect(d.snapshot.context.restarts).toEqual({ flaky: 2 });
    expect(statusOf(d)).toBe('running');
    d.send(failed('pl-1:flaky:3:work', 'third'));
    expect(statusOf(d)).toBe('failed');
    expect(d.snapshot.context.error).toBe('phase "flaky" failed: third');
    expect(d.effects.map((e) => e.id)).toEqual([
      'pl-1:flaky:1:work',
      'pl-1:flaky:2:work',
      'pl-1:flaky:3:work',
    ]);
  });

  it.each([
    ['requeue', 'requeue'],
    ['dead', 'dead'],
  ] as const)('fails with disposition %s for the worker', (name, disposition) => {
    const def = createPipelineDef([
      createPhaseDef('work', {
        onFail: { kind: 'recovery', steps: [{ name, builtin: name }] },
      }),
    ]);
    const d = drivePipeline(def);
    d.send(START, failed('pl-1:work:1:work'));
    expect(statusOf(d)).toBe('failed');
    expect(d.snapshot.context.disposition).toBe(disposition);
  });

  it('fails a looping pipeline once a phase exceeds max_visits', () => {
    const def = createPipelineDef(
      [createPhaseDef('a', { next: 'b' }), createPhaseDef('b', { next: 'a' })],
      { maxVisits: 2 },
    );
    const d = drivePipeline(def);
    d.send(START, done('pl-1:a:1:work'), done('pl-1:b:1:work'), done('pl-1:a:2:work'));
    expect(statusOf(d)).toBe('running');
    d.send(done('pl-1:b:2:work'));
    expect(statusOf(d)).toBe('failed');
    expect(d.snapshot.context.error).toBe(
      'phase "a" was entered 3 times (limit 2): the pipeline is looping; ' +
        'raise max_visits or fix the next/on_fail routing',
    );
    expect(d.snapshot.context.visits).toEqual({ a: 3, b: 2 });
    d.send({ type: 'pipeline.resume', at: 9_000 });
    expect(d.snapshot.context.visits).toEqual({ a: 3, b: 2 });
  });

  it('ignores results whose id is not the in-flight effect', () => {
    const d = drivePipeline(createLinearDef());
    d.send(START);
    const before = d.snapshot;
    const emitted = d.send(
      done('pl-1:plan:0:work'),
      failed('pl-1:build:1:work'),
      { type: 'effect.progress', id: 'other', at: 3, waiting: true, reason: 'x' },
      { type: 'deadline', id: 'pl-1:plan:1:deadline', at: 3 },
    );
    expect(emitted).toEqual([]);
    expect(d.snapshot.value).toEqual(before.value);
    expect(d.snapshot.context).toEqual(before.context);
  });

  it('fails a phase when its deadline fires, cancelling the work in flight', () => {
    const def = createPipelineDef([createPhaseDef('slow', { timeoutMs: 300_000 })]);
    const d = drivePipeline(def);
    d.send(START);
    expect(d.snapshot.context.deadline).toEqual({ id: 'pl-1:slow:1:deadline', at: 301_000 });
    const emitted = d.send({ type: 'deadline', id: 'pl-1:slow:1:deadline', at: 301_000 });
    expect(emitted).toEqual([
      {
        kind: 'cancelEffect',
        id: 'pl-1:slow:1:work:cancel',
        pipeline: 'pl-1',
        target: 'pl-1:slow:1:work',
      },
    ]);
    expect(statusOf(d)).toBe('failed');
    expect(d.snapshot.context).toMatchObject({
      error: 'phase "slow" timed out after 5m',
      deadline: null,
      inflight: null,
    });
    expect(d.snapshot.context.history.at(-1)?.outcome).toBe('timed_out');
  });

  it('on cancel stops the in-flight effect, releases the lock and runs on_cancel once', () => {
    const def = createPipelineDef([createPhaseDef('deploy', { lock: 'ops.prod' })], {
      onCancel: 'git worktree prune',
    });
    const d = drivePipeline(def);
    d.send(START, done('pl-1:deploy:1:lock'));
    expect(d.snapshot.context.held).toEqual([
      { kind: 'lock', name: 'ops.prod', grant: 'pl-1:deploy:1:lock' },
    ]);
    const emitted = d.send({ type: 'pipeline.cancel', at: 4_000, reason: 'user' });
    const base = { pipeline: 'pl-1' };
    expect(emitted).toEqual([
      {
        kind: 'cancelEffect',
        id: 'pl-1:deploy:1:work:cancel',
        ...base,
        target: 'pl-1:deploy:1:work',
      },
      {
        kind: 'releaseLock',
        id: 'pl-1:deploy:1:lock:release',
        ...base,
        phase: 'deploy',
        lock: 'ops.prod',
        grant: 'pl-1:deploy:1:lock',
      },
      {
        kind: 'shell',
        id: 'pl-1:on_cancel',
        ...base,
        phase: 'deploy',
        script: 'git worktree prune',
      },
    ]);
    expect(statusOf(d)).toBe('cancelled');
    expect(d.snapshot.context).toMatchObject({ cancelReason: 'user', held: [], endedAt: 4_000 });
    expect(d.send({ type: 'pipeline.cancel', at: 5_000 })).toEqual([]);
  });

  it('cancels a pending pipeline without effects when there is no on_cancel', () => {
    const d = drivePipeline(createLinearDef());
    expect(d.send({ type: 'pipeline.cancel', at: 1 })).toEqual([]);
    expect(statusOf(d)).toBe('cancelled');
  });

  it('ignores every event once done', () => {
    const d = drivePipeline(createPipelineDef([createPhaseDef('only')]));
    d.send(START, done('pl-1:only:1:work'));
    const final = d.snapshot;
    const emitted = d.send(
      { type: 'pipeline.cancel', at: 9 },
      { type: 'pipeline.resume', at: 9 },
      { type: 'pipeline.transition', at: 9, phase: 'only' },
      { type: 'pipeline.start', at: 9, inputs: {} },
      done('pl-1:only:1:work'),
      failed('pl-1:only:1:work'),
    );
    expect(emitted).toEqual([]);
    expect(d.snapshot.value).toBe('done');
    expect(d.snapshot.context).toEqual(final.context);
  });

  it('failed ignores everything but resume, transition and cancel', () => {
    const d = drivePipeline(createLinearDef());
    d.send(START, failed('pl-1:plan:1:work'));
    const stopped = d.snapshot;
    d.send(done('pl-1:plan:1:work'), { type: 'pipeline.start', at: 9, inputs: {} });
    expect(d.snapshot.context).toEqual(stopped.context);
    d.send({ type: 'pipeline.transition', at: 9, phase: 'nope' });
    expect(statusOf(d)).toBe('failed');
    d.send({ type: 'pipeline.transition', at: 9, phase: 'check' });
    expect(d.snapshot.value).toEqual({ running: { check: 'work' } });
  });

  it('jumps to another phase on transition, cancelling the current work', () => {
    const d = drivePipeline(createLinearDef());
    d.send(START);
    const emitted = d.send({ type: 'pipeline.transition', at: 7, phase: 'plan' });
    expect(emitted.map((e) => [e.kind, e.id])).toEqual([
      ['cancelEffect', 'pl-1:plan:1:work:cancel'],
      ['shell', 'pl-1:plan:2:work'],
    ]);
    expect(d.snapshot.context.history.map((h) => h.outcome)).toEqual(['interrupted', undefined]);
  });

  it('is waiting while acquiring a lock or semaphore and releases both on success', () => {
    const def = createPipelineDef([
      createPhaseDef('merge', {
        lock: 'git.main',
        semaphore: { semaphore: 'ci.slots', weight: 2 },
        next: 'notify',
      }),
      createPhaseDef('notify'),
    ]);
    const d = drivePipeline(def);
    expect(d.send(START)).toEqual([
      {
        kind: 'acquireLock',
        id: 'pl-1:merge:1:lock',
        pipeline: 'pl-1',
        phase: 'merge',
        lock: 'git.main',
      },
    ]);
    expect(statusOf(d)).toBe('waiting');
    expect(d.send(done('pl-1:merge:1:lock'))[0]).toMatchObject({
      kind: 'acquireSemaphore',
      semaphore: 'ci.slots',
      weight: 2,
    });
    expect(statusOf(d)).toBe('waiting');
    d.send(done('pl-1:merge:1:semaphore'));
    expect(statusOf(d)).toBe('running');
    const emitted = d.send(done('pl-1:merge:1:work'));
    expect(emitted.map((e) => [e.kind, e.id])).toEqual([
      ['releaseLock', 'pl-1:merge:1:lock:release'],
      ['releaseSemaphore', 'pl-1:merge:1:semaphore:release'],
      ['shell', 'pl-1:notify:1:work'],
    ]);
    expect(d.snapshot.context.held).toEqual([]);
  });

  it('releases the held lock when the phase fails', () => {
    const def = createPipelineDef([createPhaseDef('merge', { lock: 'git.main', pre: ['g.ok'] })]);
    const d = drivePipeline(def);
    d.send(START, done('pl-1:merge:1:lock'));
    const emitted = d.send(failed('pl-1:merge:1:pre0', 'dirty tree'));
    expect(emitted.map((e) => e.kind)).toEqual(['releaseLock']);
    expect(d.snapshot.context.error).toBe('pre guard "g.ok" of phase "merge" failed: dirty tree');
  });

  it('is waiting while a guard reports it is unmet and will retry', () => {
    const def = createPipelineDef([createPhaseDef('ship', { pre: ['g.green'] })]);
    const d = drivePipeline(def);
    d.send(START, {
      type: 'effect.progress',
      id: 'pl-1:ship:1:pre0',
      at: 2,
      waiting: true,
      reason: 'CI is red',
    });
    expect(statusOf(d)).toBe('waiting');
    expect(d.snapshot.context.waitingFor).toBe('CI is red');
    d.send(done('pl-1:ship:1:pre0'));
    expect(statusOf(d)).toBe('running');
  });

  it('keeps only the last 100 phase visits in history', () => {
    const def = createPipelineDef(
      [createPhaseDef('loop', { onFail: { kind: 'phase', phase: 'loop' } })],
      { maxVisits: 1_000 },
    );
    const d = drivePipeline(def);
    d.send(START);
    for (let visit = 1; visit <= 150; visit += 1) d.send(failed(`pl-1:loop:${visit}:work`));
    expect(d.snapshot.context.history).toHaveLength(100);
    expect(d.snapshot.context.history.at(-1)?.visit).toBe(151);
  });

  it('continues correctly after a persisted snapshot round-trips through JSON', () => {
    const def = createPipelineDef([
      createPhaseDef('lock', { lock: 'l.main', next: 'finish', timeoutMs: 60_000 }),
      createPhaseDef('finish'),
    ]);
    const machine = createPipelineMachine(def);
    const first = createActor(machine, { input: { id: 'pl-9' } });
    const seen: Effect[] = [];
    first.on('effect', ({ effect }) => seen.push(effect));
    first.start();
    first.send(START);
    first.send(done('pl-9:lock:1:lock'));
    const persisted = JSON.parse(JSON.stringify(first.getPersistedSnapshot())) as ReturnType<
      typeof first.getPersistedSnapshot
    >;
    first.stop();

    const second = createActor(machine, { snapshot: persisted, input: { id: 'ignored' } });
    second.on('effect', ({ effect }) => seen.push(effect));
    second.start();
    expect(toPipelineStatus(second.getSnapshot())).toBe('running');
    second.send(done('pl-9:lock:1:lock'));
    second.send(done('pl-9:lock:1:work'));
    second.send(done('pl-9:finish:1:work'));
    expect(second.getSnapshot().status).toBe('done');
    expect(seen.map((e) => e.id)).toEqual([
      'pl-9:lock:1:lock',
      'pl-9:lock:1:work',
      'pl-9:lock:1:lock:release',
      'pl-9:finish:1:work',
    ]);
  });

  it('rejects a definition without phases', () => {
    expect(() => createPipelineMachine(createPipelineDef([]))).toThrow(/has no phases/);
  });

  it('references only actions and guards that are implemented', () => {
    const def = createPipelineDef([
      createPhaseDef('a', {
        lock: 'x.l',
        semaphore: { semaphore: 'x.s', weight: 1 },
        pre: ['x.g1', 'x.g2'],
        post: ['x.g3'],
        timeoutMs: 1_000,
        next: 'b',
        onFail: {
          kind: 'recovery',
          steps: [
            { name: 'restart', builtin: 'restart', max: 2 },
            { name: 'escalate', builtin: 'escalate' },
          ],
        },
      }),
      createPhaseDef('b', {
        onFail: { kind: 'recovery', steps: [{ name: 'dead', builtin: 'dead' }] },
      }),
    ]);
    const machine = createPipelineMachine(def);
    const { actions, guards } = referencedImplementations(machine);
    expect(actions.size).toBeGreaterThan(10);
    expect(guards.size).toBe(7);
    for (const name of actions) expect(machine.implementations.actions).toHaveProperty(name);
    for (const name of guards) expect(machine.implementations.guards).toHaveProperty(name);
  });
});
