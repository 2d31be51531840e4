// Model-based test of the pipeline machine: @xstate/graph walks the machine generated for a sample
// 4-phase pipeline, and every path is replayed through a live actor with invariants checked per step.

import { adjacencyMapToArray, createTestModel, getStateNodes } from '@xstate/graph';
import type { StatePath } from '@xstate/graph';
import { describe, expect, it } from 'vitest';
import { createActor, transition } from 'xstate';
import type { Effect } from './effects.js';
import { createPhaseDef, createPipelineDef } from './fixtures.js';
import {
  PIPELINE_EVENT_TYPES,
  PIPELINE_STATUSES,
  createPipelineMachine,
  toPipelineStatus,
} from './index.js';
import type { PipelineEvent, PipelineSnapshot } from './index.js';

// prepare: lock + pre guard · build: on_fail → prepare · test: 1m timeout · review: escalate.
const PHASES = ['prepare', 'build', 'test', 'review'] as const;
const DEF = createPipelineDef(
  [
    createPhaseDef('prepare', { lock: 'demo.main', pre: ['demo.clean'], next: 'build' }),
    createPhaseDef('build', { next: 'test', onFail: { kind: 'phase', phase: 'prepare' } }),
    createPhaseDef('test', { timeoutMs: 60_000, next: 'review' }),
    createPhaseDef('review', {
      onFail: { kind: 'recovery', steps: [{ name: 'escalate', builtin: 'escalate' }] },
    }),
  ],
  { maxVisits: 2, onCancel: 'git worktree prune' },
);
const INPUT = { id: 'pl-m' };
const AT = 1_000; // every event happens "now": time only matters through deadline ids
const STALE_ID = 'pl-m:build:0:work'; // visit 0 never happens: a late result from nowhere
const STALE_DEADLINE = 'pl-m:test:0:deadline';
const ON_CANCEL_ID = 'pl-m:on_cancel';
const machine = createPipelineMachine(DEF);

type Snapshot = PipelineSnapshot;

/** What a live pipeline can be sent: results for the in-flight effect, and human commands. */
function liveEvents(snapshot: Snapshot): PipelineEvent[] {
  const { inflight, deadline } = snapshot.context;
  const id = inflight?.id ?? STALE_ID;
  return [
    { type: 'pipeline.start', at: AT, inputs: { name: 'demo' } },
    { type: 'effect.done', id, at: AT },
    { type: 'effect.failed', id, at: AT, error: 'boom', exitCode: 1 },
    { type: 'effect.progress', id, at: AT, waiting: true, reason: 'guard unmet' },
    { type: 'deadline', id: deadline?.id ?? STALE_DEADLINE, at: deadline?.at ?? AT },
    { type: 'pipeline.cancel', at: AT, reason: 'model' },
    { type: 'pipeline.resume', at: AT },
    ...[...PHASES, 'nowhere'].map((phase): PipelineEvent => ({
      type: 'pipeline.transition',
      at: AT,
      phase,
    })),
  ];
}

/** Events from an earlier visit or epoch; they must never change anything. */
const STALE_EVENTS: PipelineEvent[] = [
  { type: 'effect.done', id: STALE_ID, at: AT },
  { type: 'effect.failed', id: STALE_ID, at: AT, error: 'late' },
  { type: 'effect.progress', id: STALE_ID, at: AT, waiting: true },
  { type: 'deadline', id: STALE_DEADLINE, at: AT },
];

/** The unattended pipeline: effects finish, fail or time out; a cancel; a resume. */
function unattendedEvents(snapshot: Snapshot): PipelineEvent[] {
  const wanted = [
    'pipeline.start',
    'effect.done',
    'effect.failed',
    'deadline',
    'pipeline.cancel',
    'pipeline.resume',
  ];
  return liveEvents(snapshot).filter((e) => wanted.includes(e.type));
}

/**
 * The graph key: state value plus everything that decides what happens next. Visits are capped
 * at max_visits + 1 and history/timestamps are left out, so the traversal terminates.
 */
function keyOf(snapshot: Snapshot): string {
  const c = snapshot.context;
  const visits = Object.entries(c.visits).map(([p, n]) => [p, Math.min(n, DEF.maxVisits + 1)]);
  return JSON.stringify([
    snapshot.value,
    visits,
    c.restarts,
    c.inflight?.index ?? null,
    c.held.length,
    c.waitingFor !== null,
    c.disposition,
  ]);
}

const TRAVERSAL = { serializeState: keyOf, input: INPUT, limit: 500_000 };
const model = createTestModel(machine, { events: liveEvents, ...TRAVERSAL });

const STARTS = new Set([
  'shell',
  'spawnAgent',
  'runStrategy',
  'evalGuard',
  'acquireLock',
  'acquireSemaphore',
]);
const isTerminal = (s: Snapshot) => s.status === 'done';
const same = (a: Snapshot, b: Snapshot) => {
  expect(b.value).toEqual(a.value);
  expect(b.context).toEqual(a.context);
};

/** Invariants of one step `prev --event--> next` that emitted `effects`. */
function checkStep(prev: Snapshot, event: PipelineEvent, next: Snapshot, effects: Effect[]): void {
  const before = prev.context;
  const after = next.context;
  // At most one effect in flight: a step starts at most one, and one it abandons is cancelled.
  const started = effects.filter((e) => STARTS.has(e.kind) && e.id !== ON_CANCEL_ID);
  expect(started.length).toBeLessThanOrEqual(1);
  if (started[0] !== undefined) expect(after.inflight?.id).toBe(started[0].id);
  else if (after.inflight !== null) expect(after.inflight.id).toBe(before.inflight?.id);
  const reported = 'id' in event && event.id === before.inflight?.id && event.type !== 'deadline';
  if (before.inflight !== null && after.inflight?.id !== before.inflight.id && !reported) {
    expect(effects).toContainEqual(
      expect.objectContaining({ kind: 'cancelEffect', target: before.inflight.id }),
    );
  }
  // `on_cancel` runs once, exactly when the pipeline is cancelled.
  const cancelling = next.value === 'cancelled' ? 1 : 0;
  expect(effects.filter((e) => e.id === ON_CANCEL_ID)).toHaveLength(cancelling);
  // Every grant given up is released, and a grant belongs to the visit that holds it.
  for (const held of before.held) {
    if (!after.held.some((h) => h.grant === held.grant)) {
      expect(effects).toContainEqual(
        expect.objectContaining({ id: `${held.grant}:release`, grant: held.grant }),
      );
    }
  }
  const visit = after.phase === null ? 0 : (after.visits[after.phase] ?? 0);
  for (const held of after.held)
    expect(held.grant.startsWith(`pl-m:${after.phase}:${visit}:`)).toBe(true);
  checkState(next);
}

const probed = new Set<string>();

/** Invariants of one state, and the events it must shrug off (probed once per model state). */
function checkState(snapshot: Snapshot): void {
  const c = snapshot.context;
  // A refused entry counts one visit beyond the limit; a phase never runs beyond it.
  for (const count of Object.values(c.visits)) expect(count).toBeLessThanOrEqual(DEF.maxVisits + 1);
  const status = toPipelineStatus(snapshot);
  if (c.phase !== null && snapshot.matches('running')) {
    expect(c.visits[c.phase]).toBeLessThanOrEqual(DEF.maxVisits);
  }
  if (status !== 'running' && status !== 'waiting') {
    expect([c.inflight, c.deadline, c.held.length, c.waitingFor]).toEqual([null, null, 0, null]);
  }
  if (probed.has(keyOf(snapshot))) return;
  probed.add(keyOf(snapshot));
  // A terminal pipeline ignores everything; a live one ignores results from other visits.
  const ignored = isTerminal(snapshot) ? [...STALE_EVENTS, ...liveEvents(snapshot)] : STALE_EVENTS;
  for (const event of ignored) {
    const [next, actions] = transition(machine, snapshot, event);
    same(snapshot, next);
    expect(actions).toEqual([]);
  }
}

/** Replays `path` through a live actor (effects via `actor.on`), checking every step. */
async function replay(path: StatePath<Snapshot, PipelineEvent>): Promise<void> {
  const actor = createActor(machine, { input: INPUT });
  const effects: Effect[] = [];
  actor.on('effect', ({ effect }) => effects.push(effect));
  actor.start();
  const send = (step: { event: PipelineEvent }) => {
    const prev = actor.getSnapshot();
    effects.length = 0;
    actor.send(step.event);
    checkStep(prev, step.event, actor.getSnapshot(), [...effects]);
  };
  await model.testPath(path, {
    events: Object.fromEntries(PIPELINE_EVENT_TYPES.map((type) => [type, send])),
    states: {
      '*': (state) => {
        expect(keyOf(actor.getSnapshot())).toBe(keyOf(state));
        checkState(actor.getSnapshot());
      },
    },
  });
  actor.stop();
}

/** The `node|eventType` pairs of the transitions `event` takes from `snapshot`. */
function transitionsTaken(snapshot: Snapshot, event: PipelineEvent): string[] {
  return machine.getTransitionData(snapshot, event).map((t) => `${t.source.id}|${t.eventType}`);
}

/**
 * One path per declared `node|eventType`: the shortest path to a state where that transition is
 * enabled, plus the event that takes it (shortest paths alone skip edges into known states).
 */
function transitionCoverPaths(): Map<string, StatePath<Snapshot, PipelineEvent>> {
  const pathTo = new Map(
    model.getShortestPaths({ allowDuplicatePaths: true }).map((p) => [keyOf(p.state), p]),
  );
  const cover = new Map<string, StatePath<Snapshot, PipelineEvent>>();
  for (const { state, event, nextState } of adjacencyMapToArray(model.getAdjacencyMap())) {
    const head = pathTo.get(keyOf(state));
    if (head === undefined) continue;
    for (const taken of transitionsTaken(state, event)) {
      if (cover.has(taken)) continue;
      const steps = [...head.steps, { state: nextState, event }];
      cover.set(taken, { state: nextState, steps, weight: steps.length });
    }
  }
  return cover;
}

describe('pipeline machine model', () => {
  const shortest = model.getShortestPaths();

  it('visits every state node of the machine on some shortest path', () => {
    const nodes = new Set(getStateNodes(machine.root).map((node) => node.id));
    const visited = new Set(
      shortest.flatMap((p) => p.steps.flatMap((s) => s.state._nodes.map((n) => n.id))),
    );
    expect(shortest.length).toBeGreaterThan(1_000);
    expect(nodes.size).toBe(16);
    expect([...nodes].filter((id) => !visited.has(id))).toEqual([]);
  });

  it('takes every transition of every state node, replayed live', async () => {
    const declared = [machine.root, ...getStateNodes(machine.root)].flatMap((node) =>
      [...node.transitions.keys()].map((type) => `${node.id}|${type}`),
    );
    const cover = transitionCoverPaths();
    expect(declared).toHaveLength(25);
    expect(declared.filter((key) => !cover.has(key))).toEqual([]);
    for (const path of cover.values()) await replay(path);
  });

  it('holds the invariants along every shortest path, replayed live', async () => {
    for (const path of shortest) await replay(path);
  });

  it('holds the invariants along every simple path of the unattended pipeline', async () => {
    const simple = model.getSimplePaths({ ...TRAVERSAL, events: unattendedEvents });
    expect(simple.length).toBeGreaterThan(100);
    const seen = new Set(simple.flatMap((p) => p.steps.map((s) => toPipelineStatus(s.state))));
    expect([...seen].sort()).toEqual([...PIPELINE_STATUSES].sort());
    for (const path of simple) await replay(path);
  });
});
