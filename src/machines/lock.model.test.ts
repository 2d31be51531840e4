// Model-based test of the lock machine: @xstate/graph walks a lock with three owners, heartbeats and
// a timeout; every edge is checked against the invariants, every shortest path is replayed through
// a live actor, and fast-check walks long random paths checking the invariants that span a path.

import { adjacencyMapToArray, createTestModel, getStateNodes } from '@xstate/graph';
import type { StatePath } from '@xstate/graph';
import { branchesTaken, replayPath, walkRandomPaths } from './testing.js';
import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { createLockDef } from './lock.fixtures.js';
import {
  LOCK_EVENT_TYPES,
  collectLockEffects,
  createLockMachine,
  lockDeadlines,
  toStaleDeadlineId,
} from './index.js';
import type { LockEffect, LockEvent, LockSnapshot } from './index.js';

const HEARTBEAT_MS = 30_000;
// Between two and three heartbeat intervals: a holder that never beats goes stale by heartbeat,
// one that beats even once is bounded by its timeout.
const TIMEOUT_MS = 75_000;
const DEF = createLockDef({ heartbeatMs: HEARTBEAT_MS, timeoutMs: TIMEOUT_MS });
const OWNERS = ['a', 'b', 'c'];
const AT = 1_000; // the time of the first event
const machine = createLockMachine(DEF);

type Snapshot = LockSnapshot;

/** The latest time the context knows: events happen "now", heartbeats and deadlines move it on. */
function nowOf(snapshot: Snapshot): number {
  const { holder, waiters } = snapshot.context;
  const times = [AT, ...waiters.map((w) => w.since)];
  if (holder !== null) times.push(holder.since, holder.heartbeatAt);
  return Math.max(...times);
}

/** The grant `owner` holds or waits with, else a fresh one (named by the epoch, so never reused). */
function grantOf(snapshot: Snapshot, owner: string): string {
  const { holder, waiters, epoch } = snapshot.context;
  if (holder?.owner === owner) return holder.grant;
  return waiters.find((w) => w.owner === owner)?.grant ?? `${owner}@${epoch}`;
}

/** What may happen to the lock in `snapshot`: each owner's requests, an operator, its deadline. */
function liveEvents(snapshot: Snapshot): LockEvent[] {
  const at = nowOf(snapshot);
  const { holder, staleAt, epoch } = snapshot.context;
  const events: LockEvent[] = [{ type: 'lock.force_release', at, reason: 'ops' }];
  for (const owner of OWNERS) {
    const grant = grantOf(snapshot, owner);
    const beat = holder?.owner === owner ? holder.heartbeatAt + HEARTBEAT_MS : at;
    events.push(
      { type: 'lock.acquire', at, grant, owner },
      { type: 'lock.release', at, grant },
      { type: 'lock.heartbeat', at: beat, grant },
    );
  }
  // An older epoch's deadline is always offered, so the graph never sends a bare `{ type }`.
  events.push({ type: 'deadline', at: at + 1e9, id: toStaleDeadlineId(epoch - 1) });
  if (holder !== null && staleAt !== null) {
    events.push({ type: 'deadline', at: staleAt, id: toStaleDeadlineId(holder.epoch) });
  }
  return events;
}

/** Which bound will reclaim the holder: missed heartbeats or the timeout. */
function boundOf(snapshot: Snapshot): string | null {
  const { holder, staleAt } = snapshot.context;
  if (holder === null) return null;
  return staleAt === holder.since + TIMEOUT_MS ? 'timeout' : 'heartbeat';
}

/** The graph key: who holds, who waits in which order, and what bounds the holder; not times. */
function keyOf(snapshot: Snapshot): string {
  const { holder, waiters } = snapshot.context;
  const line = waiters.map((w) => w.owner);
  return JSON.stringify([snapshot.value, holder?.owner ?? null, line, boundOf(snapshot)]);
}

const model = createTestModel(machine, { events: liveEvents, serializeState: keyOf, limit: 1e5 });

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const grantsOf = (s: Snapshot) => [
  ...(s.context.holder === null ? [] : [s.context.holder.grant]),
  ...s.context.waiters.map((w) => w.grant),
];

/** What must hold in every snapshot. */
function snapshotViolations(s: Snapshot): string[] {
  const { holder, waiters, epoch, staleAt } = s.context;
  const grants = grantsOf(s);
  const expectedStaleAt =
    holder === null
      ? null
      : Math.min(holder.heartbeatAt + 2 * HEARTBEAT_MS, holder.since + TIMEOUT_MS);
  const rules: [boolean, string][] = [
    [(s.value === 'held') === (holder !== null), 'held exactly while it has a holder'],
    [s.value === 'held' || waiters.length === 0, 'nobody waits for a free lock'],
    [holder === null || holder.epoch === epoch, 'the holder has the latest epoch'],
    [new Set(grants).size === grants.length, 'a grant holds or waits once'],
    [grants.every((g) => g !== ''), 'no empty grant'],
    [staleAt === expectedStaleAt, `staleAt ${staleAt} is ${expectedStaleAt}`],
  ];
  return rules.filter(([ok]) => !ok).map(([, rule]) => rule);
}

/** Whether `event` is a deadline that was due in `prev`. */
function isDue(prev: Snapshot, event: LockEvent): boolean {
  return lockDeadlines(prev).some(
    (d) => event.type === 'deadline' && d.id === event.id && d.at <= event.at,
  );
}

/**
 * What is wrong with one step `prev --event--> next` that emitted `effects`. Collected rather
 * than asserted one by one: thousands of edges are checked.
 */
function stepViolations(
  prev: Snapshot,
  event: LockEvent,
  next: Snapshot,
  effects: LockEffect[],
): string[] {
  const wrong = snapshotViolations(next);
  const was = prev.context.holder;
  const now = next.context.holder;
  const grants = effects.filter((e) => e.kind === 'granted');
  const revokes = effects.filter((e) => e.kind === 'revoked');
  const changedHolder = was?.grant !== now?.grant;
  if (next.context.epoch !== prev.context.epoch + grants.length) wrong.push('epoch skipped');
  if (grants.length !== (changedHolder && now !== null ? 1 : 0)) wrong.push('grant not emitted');
  if (effects.length !== grants.length + revokes.length) wrong.push('unknown effect');
  for (const g of grants) {
    const expected =
      now === null
        ? null
        : {
            kind: 'granted',
            id: `granted:${now.grant}`,
            lock: DEF.qualified,
            grant: now.grant,
            holder: now.owner,
            epoch: next.context.epoch,
          };
    if (!same(g, expected)) wrong.push('a malformed grant');
  }
  if (now !== null && changedHolder) {
    // First come, first served: the head of the line, or the asker when nobody was in line.
    const [head] = prev.context.waiters;
    const asker = event.type === 'lock.acquire' && was === null ? event.grant : undefined;
    if (now.grant !== (head?.grant ?? asker)) wrong.push(`"${now.grant}" jumped the line`);
    if (now.since !== event.at || now.heartbeatAt !== event.at)
      wrong.push('granted at another time');
  }
  if (was !== null && changedHolder) {
    const released = event.type === 'lock.release' && event.grant === was.grant;
    const forced = event.type === 'lock.force_release';
    const reclaimed = isDue(prev, event);
    if (!released && !forced && !reclaimed) wrong.push(`"${was.grant}" lost the lock`);
    if (released ? revokes.length !== 0 : revokes.length !== 1) wrong.push('revoke count');
    const reason = forced ? 'forced' : event.at >= was.since + TIMEOUT_MS ? 'timeout' : 'stale';
    for (const r of revokes) {
      const ok = r.grant === was.grant && r.holder === was.owner && r.epoch === was.epoch;
      if (!ok || r.kind !== 'revoked' || r.reason !== reason || r.id !== `revoked:${was.grant}`) {
        wrong.push(`a malformed revoke (expected ${reason})`);
      }
    }
  } else if (revokes.length > 0) wrong.push('revoked nobody');
  if (was !== null && now !== null && !changedHolder) {
    const beat = event.type === 'lock.heartbeat' && event.grant === was.grant;
    if (!same({ ...now, heartbeatAt: 0 }, { ...was, heartbeatAt: 0 })) wrong.push('holder changed');
    if (!beat && now.heartbeatAt !== was.heartbeatAt) wrong.push('heartbeat from elsewhere');
  }
  // The line keeps its order: only the granted head and a withdrawn grant leave it, and only a
  // new request joins it, at the back.
  const before = prev.context.waiters.map((w) => w.grant);
  const after = next.context.waiters.map((w) => w.grant);
  const left = before.filter((g) => !after.includes(g));
  const joined = after.filter((g) => !before.includes(g));
  const kept = after.filter((g) => before.includes(g));
  if (
    !same(
      kept,
      before.filter((g) => after.includes(g)),
    )
  )
    wrong.push('the line was reordered');
  for (const g of left) {
    const withdrawn = event.type === 'lock.release' && event.grant === g;
    if (!withdrawn && g !== now?.grant) wrong.push(`waiter "${g}" vanished`);
  }
  const asked = event.type === 'lock.acquire' ? event.grant : null;
  if (joined.some((g) => g !== asked) || !same(joined, after.slice(after.length - joined.length))) {
    wrong.push('a waiter appeared out of turn');
  }
  // Events from grants the lock does not know, and repeated requests, are no-ops.
  const known = grantsOf(prev);
  const stranger =
    (event.type === 'lock.release' || event.type === 'lock.heartbeat') &&
    !known.includes(event.grant);
  const repeated = event.type === 'lock.acquire' && known.includes(event.grant);
  if ((stranger || repeated) && !(same(prev.context, next.context) && effects.length === 0)) {
    wrong.push('an event for a stranger or a repeat changed something');
  }
  if (isDue(prev, event) && isDue(next, event)) wrong.push('a deadline that fired is still due');
  return wrong.map((w) => `${JSON.stringify(event)} in ${keyOf(prev)}: ${w}`);
}

/** Events that must change nothing and emit nothing in `snapshot`: stale, early or repeated. */
function ignoredEvents(snapshot: Snapshot): LockEvent[] {
  const at = nowOf(snapshot);
  const { holder, waiters, staleAt, epoch } = snapshot.context;
  const ignored: LockEvent[] = [
    { type: 'lock.release', at, grant: 'stranger' },
    { type: 'lock.heartbeat', at, grant: 'stranger' },
    { type: 'lock.acquire', at, grant: '', owner: 'a' },
    { type: 'deadline', at: 1e12, id: toStaleDeadlineId(epoch - 1) },
    { type: 'deadline', at: 1e12, id: toStaleDeadlineId(epoch + 1) },
    { type: 'deadline', at: 1e12, id: 'nonsense' },
  ];
  for (const w of waiters) {
    ignored.push(
      { type: 'lock.heartbeat', at, grant: w.grant },
      { type: 'lock.acquire', at, grant: w.grant, owner: 'someone-else' },
    );
  }
  if (holder !== null) ignored.push({ type: 'lock.acquire', at, grant: holder.grant, owner: 'x' });
  if (holder !== null && staleAt !== null) {
    ignored.push({ type: 'deadline', at: staleAt - 1, id: toStaleDeadlineId(holder.epoch) });
  }
  if (holder === null) ignored.push({ type: 'lock.force_release', at, reason: 'nothing held' });
  return ignored;
}

function ignoreViolations(snapshot: Snapshot, events: LockEvent[]): string[] {
  return events.flatMap((event) => {
    const [next, actions] = transition(machine, snapshot, event);
    const ok = same([next.value, next.context], [snapshot.value, snapshot.context]);
    return ok && actions.length === 0
      ? []
      : [`${JSON.stringify(event)} was not ignored in ${keyOf(snapshot)}`];
  });
}

/**
 * Follows a whole path: no epoch ever has two holders, no grant is granted twice, and a grant that
 * left (released, withdrawn, reclaimed) can neither release nor heartbeat anything afterwards.
 */
function createPathChecker() {
  const holderOfEpoch = new Map<number, string>();
  const grantedIds = new Set<string>();
  const gone = new Set<string>();
  return (prev: Snapshot, event: LockEvent, next: Snapshot, effects: LockEffect[]): string[] => {
    const wrong = stepViolations(prev, event, next, effects);
    for (const effect of effects.filter((e) => e.kind === 'granted')) {
      if (grantedIds.has(effect.id)) wrong.push(`"${effect.id}" emitted twice`);
      grantedIds.add(effect.id);
    }
    const holder = next.context.holder;
    if (holder !== null) {
      const first = holderOfEpoch.get(holder.epoch) ?? holder.grant;
      if (first !== holder.grant) wrong.push(`two holders in epoch ${holder.epoch}`);
      holderOfEpoch.set(holder.epoch, holder.grant);
    }
    const live = grantsOf(next);
    for (const g of grantsOf(prev)) if (!live.includes(g)) gone.add(g);
    const at = nowOf(next);
    const late = [...gone]
      .filter((g) => !live.includes(g))
      .flatMap((grant): LockEvent[] => [
        { type: 'lock.release', at, grant },
        { type: 'lock.heartbeat', at, grant },
      ]);
    return [...wrong, ...ignoreViolations(next, late)];
  };
}

/** Replays `path` through a live actor (effects via `actor.on`), checking every step. */
async function replay(path: StatePath<Snapshot, LockEvent>): Promise<void> {
  const check = createPathChecker();
  await replayPath({ machine, model, path, eventTypes: LOCK_EVENT_TYPES, keyOf, check });
}

describe('lock machine model', () => {
  const edges = adjacencyMapToArray(model.getAdjacencyMap());
  const shortest = model.getShortestPaths({ allowDuplicatePaths: true });

  it('reaches both states and every holder, line and bound three owners allow', () => {
    expect(shortest.length).toBe(new Set(edges.map((e) => keyOf(e.state))).size);
    // free, plus 3 holders × 5 lines of the other two (none, one of two, both in two orders) × 2 bounds.
    expect(shortest.length).toBe(1 + 3 * 5 * 2);
    const nodes = getStateNodes(machine.root).map((node) => node.id);
    const visited = new Set(shortest.flatMap((p) => p.state._nodes.map((n) => n.id)));
    expect(nodes.sort()).toEqual(['lock.free', 'lock.held']);
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
      wrong.push(...stepViolations(state, event, next, collectLockEffects(actions)));
      for (const branch of branchesTaken(machine, state, event)) taken.add(branch);
    }
    // The graph keeps the events a state has transitions for: the free lock's three acquires, and
    // all twelve live events of each of the 30 held states.
    expect(edges.length).toBe(3 + 30 * 12);
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(declared).toHaveLength(10);
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
      collectEffects: collectLockEffects,
      checker: createPathChecker,
    });
  });
});
