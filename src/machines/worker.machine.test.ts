// Unit tests of the generated worker machine, driven through XState's pure transition().

import { referencedImplementations } from './testing.js';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  IDLE_WAIT_MS,
  createWorkerDef,
  driveWorker,
  workerEvents as w,
} from './worker.fixtures.js';
import { createWorkerMachine, freeSlots, workerDeadlines } from './index.js';
import type { WorkerEvent, WorkerEffect } from './index.js';

const take = (at: number, n: number, count: number): WorkerEffect => ({
  kind: 'take',
  id: `take:demo.fixer:${at}:${n}`,
  worker: 'demo.fixer',
  queue: 'demo.bugs',
  count,
});

/** Sends `events` and asserts they changed nothing and emitted nothing. */
function expectIgnored(d: ReturnType<typeof driveWorker>, ...events: WorkerEvent[]): void {
  for (const event of events) {
    const before = d.snapshot;
    expect(d.send(event)).toEqual([]);
    expect(d.snapshot.value).toEqual(before.value);
    expect(d.snapshot.context).toEqual(before.context);
  }
}

/** A running worker (concurrency 2) with pipeline `pl-1` on item `a`. */
function withOnePipeline(overrides: Parameters<typeof createWorkerDef>[0] = {}) {
  const d = driveWorker(createWorkerDef(overrides));
  d.send(w.start(), w.dispatched('pl-1', 'a'));
  return d;
}

describe('createWorkerMachine: starting and stopping', () => {
  it('starts stopped and asks to take one item per slot when started', () => {
    const d = driveWorker();
    expect(d.snapshot.value).toBe('stopped');
    expect(freeSlots(d.snapshot)).toBe(0);
    expect(d.send(w.start(1_000))).toEqual([take(1_000, 0, 2)]);
    expect(d.snapshot.value).toBe('running');
    expect(d.snapshot.context).toMatchObject({ startedAt: 1_000, stoppedAt: null, takes: 1 });
    expect(freeSlots(d.snapshot)).toBe(2);
  });

  it('ignores a second start while running: it must not take twice', () => {
    expectIgnored(withOnePipeline(), w.start(2_000));
  });

  it('stops without cancelling its pipelines, which still report back', () => {
    const d = withOnePipeline();
    d.send(w.idle(1_500), w.stop(2_000));
    expect(d.snapshot.value).toBe('stopped');
    expect(d.snapshot.context).toMatchObject({
      active: { 'pl-1': 'a' },
      wakeAt: null,
      stoppedAt: 2_000,
    });
    expect(d.send(w.finished('pl-1', 3_000))).toEqual([]);
    expect(d.snapshot.context.active).toEqual({});
  });

  it.each([
    ['wake', w.wake()],
    ['idle', w.idle()],
    ['dispatched', w.dispatched('pl-2', 'b')],
    ['stop', w.stop()],
    ['finished of an unknown pipeline', w.finished('pl-9')],
    ['deadline', w.deadline('wake:31000', 31_000)],
  ])('ignores %s while stopped', (_, event) => {
    const d = withOnePipeline();
    d.send(w.stop());
    expectIgnored(d, event);
  });

  it('starts again with only the slots its unfinished pipelines leave', () => {
    const d = withOnePipeline();
    d.send(w.stop(2_000));
    expect(d.send(w.start(3_000))).toEqual([take(3_000, 1, 1)]);
  });
});

describe('createWorkerMachine: dispatching', () => {
  it('records dispatched pipelines up to its concurrency', () => {
    const d = withOnePipeline();
    expect(d.send(w.dispatched('pl-2', 'b'))).toEqual([]);
    expect(d.snapshot.context.active).toEqual({ 'pl-1': 'a', 'pl-2': 'b' });
    expect(freeSlots(d.snapshot)).toBe(0);
  });

  it.each([
    ['beyond its concurrency', [w.dispatched('pl-2', 'b')], w.dispatched('pl-3', 'c')],
    ['a pipeline already running', [], w.dispatched('pl-1', 'b')],
    ['an item already being worked on', [], w.dispatched('pl-2', 'a')],
  ])('never dispatches %s', (_, setUp, event) => {
    const d = withOnePipeline();
    d.send(...setUp);
    expectIgnored(d, event);
  });

  it('asks for one more item when a pipeline finishes', () => {
    const d = withOnePipeline();
    d.send(w.dispatched('pl-2', 'b'));
    expect(d.send(w.finished('pl-1', 5_000))).toEqual([take(5_000, 1, 1)]);
    expect(d.snapshot.context.active).toEqual({ 'pl-2': 'b' });
  });

  it('ignores a finish of a pipeline it does not run', () => {
    expectIgnored(withOnePipeline(), w.finished('pl-9'));
  });

  it('gives two takes at the same instant different ids', () => {
    const d = driveWorker(createWorkerDef({ concurrency: 1 }));
    d.send(w.start(7), w.dispatched('pl-1', 'a'), w.finished('pl-1', 7));
    expect(d.effects.map((e) => e.id)).toEqual(['take:demo.fixer:7:0', 'take:demo.fixer:7:1']);
  });
});

describe('createWorkerMachine: idling and waking', () => {
  it('waits the idle time, then looks again when its deadline fires', () => {
    const d = withOnePipeline();
    d.send(w.idle(2_000));
    const wakeAt = 2_000 + IDLE_WAIT_MS;
    expect(workerDeadlines(d.snapshot)).toEqual([{ id: `wake:${wakeAt}`, at: wakeAt }]);
    expectIgnored(d, w.deadline(`wake:${wakeAt}`, wakeAt - 1), w.deadline('wake:5', wakeAt));
    expect(d.send(w.deadline(`wake:${wakeAt}`, wakeAt))).toEqual([take(wakeAt, 1, 1)]);
    expect(workerDeadlines(d.snapshot)).toEqual([]);
  });

  it('looks again at once when woken, ending the wait', () => {
    const d = withOnePipeline();
    d.send(w.idle(2_000));
    expect(d.send(w.wake(3_000))).toEqual([take(3_000, 1, 1)]);
    expect(d.snapshot.context.wakeAt).toBeNull();
  });

  it('takes nothing when woken with every slot busy', () => {
    const d = withOnePipeline();
    d.send(w.dispatched('pl-2', 'b'));
    expect(d.send(w.wake())).toEqual([]);
  });

  it('stops when idle with idle_action "stop" and nothing running', () => {
    const d = driveWorker(createWorkerDef({ idleAction: { kind: 'stop' } }));
    d.send(w.start(), w.idle(4_000));
    expect(d.snapshot.value).toBe('stopped');
    expect(d.snapshot.context.stoppedAt).toBe(4_000);
  });

  it('with idle_action "stop" keeps running until its last pipeline finishes', () => {
    const d = withOnePipeline({ idleAction: { kind: 'stop' } });
    expectIgnored(d, w.idle(2_000));
    expect(d.send(w.finished('pl-1', 3_000))).toEqual([take(3_000, 1, 2)]);
    d.send(w.idle(3_000));
    expect(d.snapshot.value).toBe('stopped');
  });
});

describe('createWorkerMachine: snapshots and references', () => {
  it('never reports negative free slots after being rebuilt with a lower concurrency', () => {
    const first = createActor(createWorkerMachine(createWorkerDef({ concurrency: 3 }))).start();
    first.send(w.start());
    first.send(w.dispatched('pl-1', 'a'));
    first.send(w.dispatched('pl-2', 'b'));
    const snapshot = first.getPersistedSnapshot();
    const lower = createWorkerMachine(createWorkerDef({ concurrency: 1 }));
    const rebuilt = createActor(lower, { snapshot }).start();
    expect(freeSlots(rebuilt.getSnapshot())).toBe(0);
    rebuilt.send(w.finished('pl-1'));
    expect(freeSlots(rebuilt.getSnapshot())).toBe(0);
    rebuilt.send(w.finished('pl-2'));
    expect(freeSlots(rebuilt.getSnapshot())).toBe(1);
  });

  it('still honours a wake-up set before being rebuilt with idle_action "stop"', () => {
    const waiting = createActor(createWorkerMachine(createWorkerDef())).start();
    waiting.send(w.start());
    waiting.send(w.idle(2_000));
    const snapshot = waiting.getPersistedSnapshot();
    const stopping = createWorkerMachine(createWorkerDef({ idleAction: { kind: 'stop' } }));
    const rebuilt = createActor(stopping, { snapshot });
    const effects: WorkerEffect[] = [];
    rebuilt.on('effect', ({ effect }) => effects.push(effect));
    rebuilt.start();
    const [deadline] = workerDeadlines(rebuilt.getSnapshot());
    expect(deadline).toBeDefined();
    if (deadline !== undefined) rebuilt.send(w.deadline(deadline.id, deadline.at));
    expect(effects).toHaveLength(1);
    expect(workerDeadlines(rebuilt.getSnapshot())).toEqual([]);
  });

  it('continues correctly after a persisted snapshot round-trips through JSON', () => {
    const machine = createWorkerMachine(createWorkerDef());
    const first = createActor(machine).start();
    first.send(w.start(1_000));
    first.send(w.dispatched('pl-1', 'a'));
    first.send(w.idle(2_000));
    const persisted = JSON.parse(JSON.stringify(first.getPersistedSnapshot())) as ReturnType<
      typeof first.getPersistedSnapshot
    >;
    first.stop();

    const second = createActor(machine, { snapshot: persisted });
    const effects: WorkerEffect[] = [];
    second.on('effect', ({ effect }) => effects.push(effect));
    second.start();
    expect(second.getSnapshot().value).toBe('running');
    expect(workerDeadlines(second.getSnapshot())).toEqual(workerDeadlines(first.getSnapshot()));
    second.send(w.dispatched('pl-1', 'b'));
    expect(second.getSnapshot().context.active).toEqual({ 'pl-1': 'a' });
    const wakeAt = 2_000 + IDLE_WAIT_MS;
    second.send(w.deadline(`wake:${wakeAt}`, wakeAt));
    second.send(w.finished('pl-1', 40_000));
    expect(effects).toEqual([take(wakeAt, 1, 1), take(40_000, 2, 2)]);
  });

  it.each([
    ['waits', { kind: 'wait', ms: 1_000 }],
    ['stops', { kind: 'stop' }],
  ] as const)('references only implemented actions and guards when idle %s', (_, idleAction) => {
    const machine = createWorkerMachine(createWorkerDef({ idleAction }));
    const { actions, guards } = referencedImplementations(machine);
    expect(actions.size).toBeGreaterThan(4);
    for (const name of actions) expect(machine.implementations.actions).toHaveProperty(name);
    for (const name of guards) expect(machine.implementations.guards).toHaveProperty(name);
  });
});
