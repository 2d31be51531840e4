// Model-based test of the worker machine: @xstate/graph walks a worker with concurrency 2 (once
// per idle action), every edge is checked against the invariants, and every shortest and every
// simple path of the unattended worker is replayed through a live actor.

import { adjacencyMapToArray, createTestModel, getStateNodes } from '@xstate/graph';
import type { StatePath } from '@xstate/graph';
import { describe, expect, it } from 'vitest';
import { createActor, transition } from 'xstate';
import type { WorkerDef } from '../runbook/index.js';
import { createWorkerDef } from './worker.fixtures.js';
import {
  WORKER_EVENT_TYPES,
  collectWorkerEffects,
  createWorkerMachine,
  freeSlots,
  toWakeDeadlineId,
  workerDeadlines,
} from './index.js';
import type { WorkerEffect, WorkerEvent, WorkerSnapshot } from './index.js';

type Snapshot = WorkerSnapshot;

const AT = 1_000; // every event but a deadline happens "now"; deadlines fire at their own time
// p4 works on p1's item: dispatching it while p1 runs would process the item twice.
const DISPATCHES = [
  ['p1', 'i1'],
  ['p2', 'i2'],
  ['p3', 'i3'],
  ['p4', 'i1'],
] as const;
const PIPELINES = DISPATCHES.map(([pipeline]) => pipeline);

/** Everything that can happen to a worker: commands, the runtime's answers, its deadline. */
function liveEvents(snapshot: Snapshot): WorkerEvent[] {
  const { wakeAt } = snapshot.context;
  return [
    { type: 'worker.start', at: AT },
    { type: 'worker.stop', at: AT },
    { type: 'worker.wake', at: AT },
    { type: 'worker.idle', at: AT },
    ...DISPATCHES.map(([pipeline, item]): WorkerEvent => ({
      type: 'worker.dispatched',
      at: AT,
      pipeline,
      item,
    })),
    ...PIPELINES.map((pipeline): WorkerEvent => ({ type: 'worker.finished', at: AT, pipeline })),
    wakeAt === null
      ? { type: 'deadline', at: AT, id: toWakeDeadlineId(0) }
      : { type: 'deadline', at: wakeAt, id: toWakeDeadlineId(wakeAt) },
  ];
}

/** The unattended worker: no human wakes or stops it. */
function unattendedEvents(snapshot: Snapshot): WorkerEvent[] {
  const wanted = ['p1', 'p2', 'p3'];
  return liveEvents(snapshot).filter(
    (e) =>
      e.type !== 'worker.wake' &&
      e.type !== 'worker.stop' &&
      (!('pipeline' in e) || wanted.includes(e.pipeline)),
  );
}

/** The graph key: state, running pipelines and whether a wake-up is set; not times or counters. */
function keyOf(snapshot: Snapshot): string {
  const active = Object.entries(snapshot.context.active).sort();
  return JSON.stringify([snapshot.value, active, snapshot.context.wakeAt !== null]);
}

/** Whether `event` should make a running worker look at its queue. */
function asksToTake(prev: Snapshot, event: WorkerEvent): boolean {
  const { active, wakeAt } = prev.context;
  switch (event.type) {
    case 'worker.start':
      return prev.value === 'stopped';
    case 'worker.wake':
      return prev.value === 'running';
    case 'worker.finished':
      return prev.value === 'running' && event.pipeline in active;
    case 'deadline':
      return prev.value === 'running' && wakeAt !== null && event.id === toWakeDeadlineId(wakeAt);
    default:
      return false;
  }
}

function stepViolations(
  def: WorkerDef,
  prev: Snapshot,
  event: WorkerEvent,
  next: Snapshot,
  effects: WorkerEffect[],
): string[] {
  const wrong: string[] = [];
  const before = prev.context.active;
  const after = next.context.active;
  const items = Object.values(after);
  if (items.length > def.concurrency) wrong.push('more pipelines than its concurrency');
  if (new Set(items).size !== items.length) wrong.push('one item dispatched twice');
  if (next.value === 'stopped' && next.context.wakeAt !== null) wrong.push('stopped, still waking');
  for (const pipeline of Object.keys(after)) {
    if (pipeline in before) continue;
    const dispatched = event.type === 'worker.dispatched' && event.pipeline === pipeline;
    if (!dispatched || prev.value !== 'running') wrong.push(`"${pipeline}" appeared`);
  }
  for (const pipeline of Object.keys(before)) {
    if (pipeline in after) continue;
    if (event.type !== 'worker.finished' || event.pipeline !== pipeline) {
      wrong.push(`"${pipeline}" vanished`);
    }
  }
  // A take is asked for exactly when the worker runs, has room and the event calls for a look.
  const expected = asksToTake(prev, event) && freeSlots(next) > 0 ? 1 : 0;
  if (effects.length !== expected) wrong.push(`${effects.length} takes, expected ${expected}`);
  for (const effect of effects) {
    const wanted: WorkerEffect = {
      kind: 'take',
      id: `take:${def.qualified}:${event.at}:${prev.context.takes}`,
      worker: def.qualified,
      queue: def.queue,
      count: freeSlots(next),
    };
    if (JSON.stringify(effect) !== JSON.stringify(wanted)) wrong.push('a malformed take');
  }
  if (event.type === 'deadline') {
    const due = workerDeadlines(prev).some((d) => d.id === event.id && d.at <= event.at);
    if (due && workerDeadlines(next).some((d) => d.id === event.id)) wrong.push('deadline kept');
  }
  return wrong.map((w) => `${JSON.stringify(event)} in ${keyOf(prev)}: ${w}`);
}

/** Events that must change nothing and emit nothing in `snapshot`. */
function ignoredEvents(def: WorkerDef, snapshot: Snapshot): WorkerEvent[] {
  const { active, wakeAt } = snapshot.context;
  const ignored: WorkerEvent[] = [
    { type: 'worker.finished', at: AT, pipeline: 'p-unknown' },
    { type: 'deadline', at: AT, id: toWakeDeadlineId(1) },
    { type: 'deadline', at: AT, id: 'take:whatever' },
  ];
  for (const [pipeline, item] of Object.entries(active)) {
    ignored.push(
      { type: 'worker.dispatched', at: AT, pipeline, item: 'other' },
      { type: 'worker.dispatched', at: AT, pipeline: 'p-other', item },
    );
  }
  if (Object.keys(active).length >= def.concurrency) {
    ignored.push({ type: 'worker.dispatched', at: AT, pipeline: 'p-new', item: 'i-new' });
  }
  if (wakeAt !== null)
    ignored.push({ type: 'deadline', at: wakeAt - 1, id: toWakeDeadlineId(wakeAt) });
  if (snapshot.value === 'running') ignored.push({ type: 'worker.start', at: AT });
  else {
    ignored.push(
      { type: 'worker.stop', at: AT },
      { type: 'worker.wake', at: AT },
      { type: 'worker.idle', at: AT },
      { type: 'worker.dispatched', at: AT, pipeline: 'p-new', item: 'i-new' },
    );
  }
  return ignored;
}

// A worker that stops when idle sets no wake-up, so its `deadline` transition is reachable only
// after a rebuild from a waiting definition (a unit test covers that).
describe.each([
  [
    'waits when idle',
    createWorkerDef({ concurrency: 2 }),
    { states: 30, simple: 888, unreached: [] },
  ],
  [
    'stops when idle',
    createWorkerDef({ concurrency: 2, idleAction: { kind: 'stop' } }),
    { states: 20, simple: 6, unreached: ['worker.running|deadline'] },
  ],
])('worker machine model: a worker that %s', (_, def, expected) => {
  const machine = createWorkerMachine(def);
  const traversal = { serializeState: keyOf, limit: 1e5 };
  const model = createTestModel(machine, { events: liveEvents, ...traversal });
  const edges = adjacencyMapToArray(model.getAdjacencyMap());
  const shortest = model.getShortestPaths({ allowDuplicatePaths: true });

  /** Replays `path` through a live actor (effects via `actor.on`), checking every step. */
  async function replay(path: StatePath<Snapshot, WorkerEvent>): Promise<void> {
    const actor = createActor(machine);
    const effects: WorkerEffect[] = [];
    const takeIds = new Set<string>();
    actor.on('effect', ({ effect }) => effects.push(effect));
    actor.start();
    const send = (step: { event: WorkerEvent }) => {
      const prev = actor.getSnapshot();
      effects.length = 0;
      actor.send(step.event);
      expect(stepViolations(def, prev, step.event, actor.getSnapshot(), [...effects])).toEqual([]);
      for (const { id } of effects) {
        expect(takeIds.has(id)).toBe(false);
        takeIds.add(id);
      }
    };
    await model.testPath(path, {
      events: Object.fromEntries(WORKER_EVENT_TYPES.map((type) => [type, send])),
      states: { '*': (state) => expect(keyOf(actor.getSnapshot())).toBe(keyOf(state)) },
    });
    actor.stop();
  }

  it('visits both states and every running set the concurrency allows', () => {
    const nodes = getStateNodes(machine.root).map((node) => node.id);
    const visited = new Set(shortest.flatMap((p) => p.state._nodes.map((n) => n.id)));
    expect(nodes.sort()).toEqual(['worker.running', 'worker.stopped']);
    expect(nodes.filter((id) => !visited.has(id))).toEqual([]);
    const sizes = new Set(shortest.map((p) => Object.keys(p.state.context.active).length));
    expect([...sizes].sort()).toEqual([0, 1, 2]);
    expect(shortest.length).toBe(new Set(edges.map((e) => keyOf(e.state))).size);
    expect(shortest.length).toBe(expected.states);
  });

  it('takes every transition of every state, every edge holding the invariants', () => {
    const declared = getStateNodes(machine.root).flatMap((node) =>
      [...node.transitions.keys()].map((type) => `${node.id}|${type}`),
    );
    const taken = new Set<string>();
    const wrong: string[] = [];
    for (const { state, event } of edges) {
      const [next, actions] = transition(machine, state, event);
      wrong.push(...stepViolations(def, state, event, next, collectWorkerEffects(actions)));
      for (const t of machine.getTransitionData(state, event)) {
        taken.add(`${t.source.id}|${t.eventType}`);
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(declared).toHaveLength(8);
    expect(declared.filter((key) => !taken.has(key))).toEqual(expected.unreached);
  });

  it('ignores stale, duplicate and disallowed events in every state', () => {
    for (const { state } of shortest) {
      for (const event of ignoredEvents(def, state)) {
        const [next, actions] = transition(machine, state, event);
        expect([next.value, next.context, actions]).toEqual([state.value, state.context, []]);
      }
    }
  });

  it('holds the invariants along every shortest path, replayed live', async () => {
    for (const path of shortest) await replay(path);
  });

  it('holds the invariants along every simple path of the unattended worker', async () => {
    const simple = model.getSimplePaths({ ...traversal, events: unattendedEvents });
    expect(simple.length).toBe(expected.simple);
    for (const path of simple) await replay(path);
  });
});
