// Model-based test of the semaphore machine: @xstate/graph walks a semaphore of 3 units with three
// owners asking for 1 or 2 (or too many); every edge is checked against the invariants, every
// shortest path is replayed through a live actor, and fast-check walks long random paths checking
// the invariants that span a path (units are conserved, no slot is freed twice).

import { adjacencyMapToArray, createTestModel, getStateNodes } from '@xstate/graph';
import type { StatePath } from '@xstate/graph';
import { branchesTaken, replayPath, walkRandomPaths } from './testing.js';
import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { createSemaphoreDef } from './semaphore.fixtures.js';
import {
  SEMAPHORE_EVENT_TYPES,
  collectSemaphoreEffects,
  createSemaphoreMachine,
  semaphoreDeadlines,
  semaphoreHolders,
  semaphoreUsed,
  toOrphanDeadlineId,
} from './index.js';
import type { SemaphoreEffect, SemaphoreEvent, SemaphoreSnapshot } from './index.js';

const MAX = 3;
const HEARTBEAT_MS = 30_000;
// Between two and three heartbeat intervals: a slot that never beats is orphaned by heartbeat,
// one that beats even once is bounded by its timeout.
const TIMEOUT_MS = 75_000;
const DEF = createSemaphoreDef({
  max: MAX,
  slotHeartbeatMs: HEARTBEAT_MS,
  slotTimeoutMs: TIMEOUT_MS,
});
const OWNERS = ['a', 'b', 'c'];
const WEIGHTS = [1, 2, MAX + 1]; // the last is always refused
const AT = 1_000; // the time of the first event
const machine = createSemaphoreMachine(DEF);

type Snapshot = SemaphoreSnapshot;

/** The latest time the context knows: events happen "now", heartbeats and deadlines move it on. */
function nowOf(snapshot: Snapshot): number {
  const { holders, waiters } = snapshot.context;
  const times = [AT, ...waiters.map((w) => w.since)];
  for (const h of Object.values(holders)) times.push(h.since, h.heartbeatAt);
  return Math.max(...times);
}

const holderOf = (s: Snapshot, owner: string) =>
  Object.values(s.context.holders).find((h) => h.owner === owner);

/** The slot `owner` holds or waits for, if any. */
function requestOf(s: Snapshot, owner: string): { grant: string; weight: number } | undefined {
  return holderOf(s, owner) ?? s.context.waiters.find((w) => w.owner === owner);
}

/** What may happen in `snapshot`: each owner's requests (fresh grants named by the generation). */
function liveEvents(snapshot: Snapshot): SemaphoreEvent[] {
  const at = nowOf(snapshot);
  const events: SemaphoreEvent[] = [];
  for (const owner of OWNERS) {
    const request = requestOf(snapshot, owner);
    const grant = request?.grant ?? `${owner}@${snapshot.context.generation}`;
    const weights = request === undefined ? WEIGHTS : [request.weight];
    const holder = holderOf(snapshot, owner);
    events.push(
      ...weights.map((weight): SemaphoreEvent => ({
        type: 'semaphore.acquire',
        at,
        grant,
        owner,
        weight,
      })),
      { type: 'semaphore.release', at, grant },
      { type: 'semaphore.heartbeat', at: holder ? holder.heartbeatAt + HEARTBEAT_MS : at, grant },
    );
  }
  // A generation never granted is always offered, so the graph never sends a bare `{ type }`.
  events.push({ type: 'deadline', at: at + 1e9, id: toOrphanDeadlineId(0) });
  for (const { id, at: due } of semaphoreDeadlines(snapshot)) {
    events.push({ type: 'deadline', at: due, id });
  }
  return events;
}

/** The graph key: who holds how much and what bounds it, who waits for how much in which order. */
function keyOf(snapshot: Snapshot): string {
  const { holders, waiters } = snapshot.context;
  const held = Object.values(holders)
    .map((h) => `${h.owner}${h.weight}${h.orphanAt === h.since + TIMEOUT_MS ? 't' : 'h'}`)
    .sort();
  return JSON.stringify([held, waiters.map((w) => `${w.owner}${w.weight}`)]);
}

const model = createTestModel(machine, { events: liveEvents, serializeState: keyOf, limit: 1e5 });

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const grantsOf = (s: Snapshot) => [
  ...Object.keys(s.context.holders),
  ...s.context.waiters.map((w) => w.grant),
];
const isRefusable = (weight: number) => !Number.isInteger(weight) || weight < 1 || weight > MAX;

/** What must hold in every snapshot. */
function snapshotViolations(s: Snapshot): string[] {
  const { holders, waiters, generation } = s.context;
  const grants = grantsOf(s);
  const used = semaphoreUsed(s);
  const [head] = waiters;
  const generations = Object.values(holders).map((h) => h.generation);
  const rules: [boolean, string][] = [
    [used <= MAX, `${used} units held of ${MAX}`],
    [new Set(grants).size === grants.length, 'a grant holds or waits once'],
    [grants.every((g) => g !== ''), 'no empty grant'],
    [Object.entries(holders).every(([g, h]) => h.grant === g), 'holders filed under their grant'],
    [new Set(generations).size === generations.length, 'two slots share a generation'],
    [generations.every((g) => g >= 1 && g <= generation), 'a generation from the future'],
    [waiters.every((w) => !isRefusable(w.weight)), 'a waiter that can never fit'],
    // Work-conserving: nobody waits while the head of the line would fit.
    [head === undefined || used + head.weight > MAX, 'the head waits although it fits'],
  ];
  for (const h of Object.values(holders)) {
    const orphanAt = Math.min(h.heartbeatAt + 2 * HEARTBEAT_MS, h.since + TIMEOUT_MS);
    if (h.orphanAt !== orphanAt) rules.push([false, `"${h.grant}" orphanAt is not ${orphanAt}`]);
  }
  return rules.filter(([ok]) => !ok).map(([, rule]) => rule);
}

function isDue(prev: Snapshot, event: SemaphoreEvent): boolean {
  return (
    event.type === 'deadline' &&
    semaphoreDeadlines(prev).some((d) => d.id === event.id && d.at <= event.at)
  );
}

/**
 * What is wrong with one step `prev --event--> next` that emitted `effects`. Collected rather
 * than asserted one by one: thousands of edges are checked.
 */
function stepViolations(
  prev: Snapshot,
  event: SemaphoreEvent,
  next: Snapshot,
  effects: SemaphoreEffect[],
): string[] {
  const wrong = snapshotViolations(next);
  const before = prev.context.holders;
  const after = next.context.holders;
  const known = grantsOf(prev);
  const isNew =
    event.type === 'semaphore.acquire' && event.grant !== '' && !known.includes(event.grant);
  const refuse = isNew && isRefusable(event.weight);
  // The line as it stands after the event, before anyone is granted: first come, first served.
  const line = prev.context.waiters.filter(
    (w) => event.type !== 'semaphore.release' || w.grant !== event.grant,
  );
  if (isNew && !refuse)
    line.push({ grant: event.grant, owner: event.owner, weight: event.weight, since: event.at });
  const fresh = semaphoreHolders(next).filter((h) => !(h.grant in before));
  const expectedFresh = line.slice(0, fresh.length);
  if (
    !same(
      fresh.map((h) => [h.grant, h.owner, h.weight]),
      expectedFresh.map((w) => [w.grant, w.owner, w.weight]),
    )
  ) {
    wrong.push('granted out of turn');
  }
  if (!same(next.context.waiters, line.slice(fresh.length))) wrong.push('the line changed wrongly');
  if (
    fresh.some((h, i) => h.generation !== prev.context.generation + i + 1 || h.since !== event.at)
  ) {
    wrong.push('a grant with the wrong generation or time');
  }
  if (next.context.generation !== prev.context.generation + fresh.length)
    wrong.push('generation skipped');
  const expectedEffects: unknown[] = [];
  if (refuse && event.type === 'semaphore.acquire') {
    expectedEffects.push({
      kind: 'refused',
      id: `refused:${event.grant}`,
      grant: event.grant,
      weight: event.weight,
    });
  }
  // Only the holder's own release or its due orphan deadline frees a slot.
  for (const [grant, h] of Object.entries(before)) {
    if (grant in after) {
      const beat = event.type === 'semaphore.heartbeat' && event.grant === grant;
      const now = after[grant];
      const shape = (x: typeof h) => ({ ...x, heartbeatAt: 0, orphanAt: 0 });
      if (now === undefined || !same(shape(now), shape(h))) wrong.push(`"${grant}" changed`);
      if (!beat && now?.heartbeatAt !== h.heartbeatAt) wrong.push(`"${grant}" beat by another`);
      continue;
    }
    const released = event.type === 'semaphore.release' && event.grant === grant;
    const orphaned =
      isDue(prev, event) &&
      event.type === 'deadline' &&
      event.id === toOrphanDeadlineId(h.generation);
    if (!released && !orphaned) wrong.push(`"${grant}" lost its slot`);
    if (orphaned) {
      expectedEffects.push({
        kind: 'revoked',
        id: `revoked:${grant}`,
        grant,
        weight: h.weight,
        generation: h.generation,
        reason: 'orphaned',
      });
    }
  }
  for (const h of fresh) {
    expectedEffects.push({
      kind: 'granted',
      id: `granted:${h.grant}`,
      grant: h.grant,
      weight: h.weight,
      generation: h.generation,
    });
  }
  const shown = effects.map((e) => ({
    kind: e.kind,
    id: e.id,
    grant: e.grant,
    weight: e.weight,
    ...('generation' in e ? { generation: e.generation } : {}),
    ...(e.kind === 'refused' ? {} : e.kind === 'revoked' ? { reason: e.reason } : {}),
  }));
  if (!same(shown, expectedEffects)) wrong.push(`effects ${JSON.stringify(shown)}`);
  if (effects.some((e) => e.semaphore !== DEF.qualified))
    wrong.push('an effect for another semaphore');
  // Events from grants the semaphore does not know, and repeated requests, are no-ops.
  const stranger =
    (event.type === 'semaphore.release' || event.type === 'semaphore.heartbeat') &&
    !known.includes(event.grant);
  const repeated = event.type === 'semaphore.acquire' && known.includes(event.grant);
  if ((stranger || repeated) && !(same(prev.context, next.context) && effects.length === 0)) {
    wrong.push('an event for a stranger or a repeat changed something');
  }
  if (isDue(prev, event) && isDue(next, event)) wrong.push('a deadline that fired is still due');
  return wrong.map((w) => `${JSON.stringify(event)} in ${keyOf(prev)}: ${w}`);
}

/** Events that must change nothing and emit nothing in `snapshot`: stale, early or repeated. */
function ignoredEvents(snapshot: Snapshot): SemaphoreEvent[] {
  const at = nowOf(snapshot);
  const ignored: SemaphoreEvent[] = [
    { type: 'semaphore.release', at, grant: 'stranger' },
    { type: 'semaphore.heartbeat', at, grant: 'stranger' },
    { type: 'semaphore.acquire', at, grant: '', owner: 'a', weight: 1 },
    { type: 'deadline', at: 1e12, id: toOrphanDeadlineId(snapshot.context.generation + 1) },
    { type: 'deadline', at: 1e12, id: 'nonsense' },
  ];
  for (const w of snapshot.context.waiters) {
    ignored.push(
      { type: 'semaphore.heartbeat', at, grant: w.grant },
      { type: 'semaphore.acquire', at, grant: w.grant, owner: 'x', weight: MAX + 5 },
    );
  }
  for (const h of semaphoreHolders(snapshot)) {
    ignored.push({ type: 'semaphore.acquire', at, grant: h.grant, owner: h.owner, weight: 1 });
    if (h.orphanAt !== null) {
      ignored.push({ type: 'deadline', at: h.orphanAt - 1, id: toOrphanDeadlineId(h.generation) });
    }
  }
  return ignored;
}

function ignoreViolations(snapshot: Snapshot, events: SemaphoreEvent[]): string[] {
  return events.flatMap((event) => {
    const [next, actions] = transition(machine, snapshot, event);
    const ok = same(next.context, snapshot.context) && actions.length === 0;
    return ok ? [] : [`${JSON.stringify(event)} was not ignored in ${keyOf(snapshot)}`];
  });
}

/**
 * Follows a whole path: units granted minus units given back always equal the units held (so no
 * slot is freed twice), no generation or grant id is granted twice, and a grant that left can
 * neither release nor heartbeat anything afterwards.
 */
function createPathChecker() {
  let units = 0;
  const grantedIds = new Set<string>();
  const gone = new Set<string>();
  return (
    prev: Snapshot,
    event: SemaphoreEvent,
    next: Snapshot,
    effects: SemaphoreEffect[],
  ): string[] => {
    const wrong = stepViolations(prev, event, next, effects);
    for (const effect of effects) {
      if (effect.kind === 'granted') {
        if (grantedIds.has(effect.id)) wrong.push(`"${effect.id}" emitted twice`);
        grantedIds.add(effect.id);
        units += effect.weight;
      }
      if (effect.kind === 'revoked') units -= effect.weight;
    }
    const released =
      event.type === 'semaphore.release' ? prev.context.holders[event.grant] : undefined;
    if (released !== undefined && !(released.grant in next.context.holders))
      units -= released.weight;
    if (units !== semaphoreUsed(next))
      wrong.push(`${units} units out, ${semaphoreUsed(next)} held`);
    const live = grantsOf(next);
    for (const g of grantsOf(prev)) if (!live.includes(g)) gone.add(g);
    const at = nowOf(next);
    const late = [...gone]
      .filter((g) => !live.includes(g))
      .flatMap((grant): SemaphoreEvent[] => [
        { type: 'semaphore.release', at, grant },
        { type: 'semaphore.heartbeat', at, grant },
      ]);
    return [...wrong, ...ignoreViolations(next, late)];
  };
}

/** Replays `path` through a live actor (effects via `actor.on`), checking every step. */
async function replay(path: StatePath<Snapshot, SemaphoreEvent>): Promise<void> {
  const check = createPathChecker();
  await replayPath({ machine, model, path, eventTypes: SEMAPHORE_EVENT_TYPES, keyOf, check });
}

describe('semaphore machine model', () => {
  const edges = adjacencyMapToArray(model.getAdjacencyMap());
  const shortest = model.getShortestPaths({ allowDuplicatePaths: true });

  it('reaches every combination of holders, bounds and lines the bound allows', () => {
    expect(shortest.length).toBe(new Set(edges.map((e) => keyOf(e.state))).size);
    // Holders (each bounded by heartbeat or timeout) × lines whose head does not fit: empty 1,
    // one of weight 1: 3·2, one of weight 2: 3·2 × 7 lines, two of 1: 3·4 × 2, a 1 and a 2:
    // 6·4 × 3, three of 1: 8.
    expect(shortest.length).toBe(1 + 6 + 6 * 7 + 12 * 2 + 24 * 3 + 8);
    const usedLevels = new Set(shortest.map((p) => semaphoreUsed(p.state)));
    expect([...usedLevels].sort()).toEqual([0, 1, 2, 3]);
    const lines = new Set(shortest.map((p) => p.state.context.waiters.length));
    expect([...lines].sort()).toEqual([0, 1, 2]);
    const nodes = getStateNodes(machine.root).map((node) => node.id);
    const visited = new Set(shortest.flatMap((p) => p.state._nodes.map((n) => n.id)));
    expect(nodes).toEqual(['semaphore.open']);
    expect(nodes.filter((id) => !visited.has(id))).toEqual([]);
  });

  it('takes every guarded branch of every transition, every edge holding the invariants', () => {
    const declared = getStateNodes(machine.root).flatMap((node) =>
      [...node.transitions.entries()].flatMap(([type, candidates]) =>
        candidates.map((_, i) => `${node.id}|${type}|${i}`),
      ),
    );
    const taken = new Set<string>();
    const wrong: string[] = [];
    for (const { state, event } of edges) {
      const [next, actions] = transition(machine, state, event);
      wrong.push(...stepViolations(state, event, next, collectSemaphoreEffects(actions)));
      for (const branch of branchesTaken(machine, state, event)) taken.add(branch);
    }
    expect(edges.length).toBe(1_944);
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(declared).toHaveLength(6);
    expect(declared.filter((key) => !taken.has(key))).toEqual([]);
  });

  it('ignores stale, early and repeated events in every state', () => {
    const wrong = shortest.flatMap((p) => ignoreViolations(p.state, ignoredEvents(p.state)));
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('holds the invariants along every shortest path, replayed live', async () => {
    for (const path of shortest) await replay(path);
  });

  it('holds the invariants along long random paths', () => {
    walkRandomPaths({
      machine,
      maxLength: 60,
      numRuns: 300,
      events: (snapshot: Snapshot) => [...liveEvents(snapshot), ...ignoredEvents(snapshot)],
      collectEffects: collectSemaphoreEffects,
      checker: createPathChecker,
    });
  });
});
