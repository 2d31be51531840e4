// Model-based test of the queue machine: @xstate/graph walks a bounded queue (three items, one of
// them after another and in its bucket, one retry, a source, escalation), every edge is checked
// against the invariants, and every shortest path is replayed through a live actor.

import { adjacencyMapToArray, createTestModel, getStateNodes } from '@xstate/graph';
import type { StatePath } from '@xstate/graph';
import { branchesTaken, replayPath } from './testing.js';
import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { createQueueDef } from './queue.fixtures.js';
import {
  QUEUE_EVENT_TYPES,
  QUEUE_ITEM_STATUSES,
  collectQueueEffects,
  createQueueMachine,
  listQueueItems,
  queueDeadlines,
  queueItem,
  takeableItems,
  toLeaseDeadlineId,
  toPurgeDeadlineId,
} from './index.js';
import type { QueueEffect, QueueEvent, QueueItem, QueueSnapshot } from './index.js';
import { QUEUE_BUCKETS, bucketOf } from './queue.items.js';

const DEF = createQueueDef({
  source: 'wk list --json',
  order: 'priority',
  maxRetries: 1,
  onExhaust: [{ name: 'escalate', builtin: 'escalate' }],
});
// `xz` comes after `x` and hashes into the same bucket; `y` has the higher priority.
const ADDS = [
  { id: 'x', data: { n: '1' } },
  { id: 'y', data: { n: '2' }, priority: 1 },
  { id: 'xz', data: { n: '3' }, after: ['x'] },
];
const IDS = ADDS.map((a) => a.id);
const AT = 1_000; // every event but a deadline happens "now"; deadlines fire at their own time
const STALE = 'pl-stale'; // a pipeline that never holds a lease
const machine = createQueueMachine(DEF);

type Snapshot = QueueSnapshot;

const itemOf = (s: Snapshot, id: string) => queueItem(s.context, id);
const leaseOf = (s: Snapshot, id: string) => itemOf(s, id)?.lease?.pipeline ?? 'pl-none';

/** What may be sent to the queue in `snapshot`: commands for every item, results, due deadlines. */
function liveEvents(snapshot: Snapshot): QueueEvent[] {
  const events: QueueEvent[] = [
    { type: 'queue.add', at: AT, item: { id: '', data: {} } },
    { type: 'queue.start', at: AT },
    { type: 'queue.polled', at: AT },
  ];
  for (const add of ADDS) {
    const { id } = add;
    const item = itemOf(snapshot, id);
    const pipeline = `pl-${id}-${item?.seq ?? 0}-${item?.attempts ?? 0}`;
    events.push(
      { type: 'queue.add', at: AT, item: add },
      { type: 'queue.take', at: AT, item: id, worker: 'demo.fixer', pipeline },
      { type: 'queue.complete', at: AT, item: id, pipeline: leaseOf(snapshot, id) },
      { type: 'queue.retry', at: AT, item: id },
      { type: 'queue.drop', at: AT, item: id },
      ...([undefined, 'requeue', 'dead'] as const).map((disposition): QueueEvent => ({
        type: 'queue.fail',
        at: AT,
        item: id,
        pipeline: leaseOf(snapshot, id),
        error: 'boom',
        ...(disposition === undefined ? {} : { disposition }),
      })),
    );
  }
  // A deadline that is not due is always offered, so the graph never sends a bare `{ type }`.
  events.push({ type: 'deadline', at: AT, id: toLeaseDeadlineId('x', 9) });
  for (const { id, at } of queueDeadlines(snapshot)) events.push({ type: 'deadline', at, id });
  return events;
}

/** The graph key: what decides the future (statuses, attempts, polling), not times or seqs. */
function keyOf(snapshot: Snapshot): string {
  const items = IDS.map((id) => {
    const item = itemOf(snapshot, id);
    return item === undefined ? '-' : `${item.status}${item.attempts}`;
  });
  return JSON.stringify([snapshot.value, snapshot.context.nextPollAt !== null, items]);
}

const model = createTestModel(machine, { events: liveEvents, serializeState: keyOf, limit: 1e5 });

/** The id of the item an event acts on, if any. */
function subjectOf(event: QueueEvent): string | null {
  if (event.type === 'queue.add') return event.item.id;
  if ('item' in event) return event.item;
  if (event.type !== 'deadline') return null;
  const named = IDS.find(
    (id) => event.id.startsWith(`lease:${id}:`) || event.id === toPurgeDeadlineId(id),
  );
  return named ?? null;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const describeStep = (event: QueueEvent) => JSON.stringify(event);

/** Every item is filed under its id in the bucket its id hashes to; no bucket is kept empty. */
function layoutViolations(snapshot: Snapshot): string[] {
  const { items, buckets } = snapshot.context;
  const wrong = buckets === QUEUE_BUCKETS ? [] : [`hashed into ${buckets} buckets`];
  for (const [key, bucket] of Object.entries(items)) {
    const ids = Object.keys(bucket);
    if (ids.length === 0) wrong.push(`bucket ${key} is kept empty`);
    for (const id of ids) {
      if (bucket[id]?.id !== id) wrong.push(`item "${id}" is filed under another id`);
      if (String(bucketOf(id, buckets)) !== key) wrong.push(`item "${id}" is in bucket ${key}`);
    }
  }
  return wrong;
}

/** Status bookkeeping every item keeps, whatever happens to it. */
function itemViolations(snapshot: Snapshot, item: QueueItem): string[] {
  const dead = item.status === 'dead';
  const rules: [boolean, string][] = [
    [(QUEUE_ITEM_STATUSES as readonly string[]).includes(item.status), 'has a known status'],
    [(item.lease !== null) === (item.status === 'active'), 'has a lease exactly while active'],
    [(item.deadAt !== null) === dead, 'deadAt iff dead'],
    [(item.purgeAt !== null) === (dead || item.status === 'done'), 'purgeAt iff dead or done'],
    [(item.finishedAt !== null) === (item.status === 'done'), 'finishedAt exactly while done'],
    [item.seq < snapshot.context.nextSeq, 'seq below nextSeq'],
    [item.attempts <= DEF.maxRetries + 1, 'attempts within max_retries + 1'],
  ];
  return rules.filter(([ok]) => !ok).map(([, rule]) => `item "${item.id}" ${rule}`);
}

/**
 * What is wrong with one step `prev --event--> next` that emitted `effects` (empty when nothing).
 * Collected rather than asserted one by one: tens of thousands of edges are checked.
 */
function stepViolations(
  prev: Snapshot,
  event: QueueEvent,
  next: Snapshot,
  effects: QueueEffect[],
): string[] {
  const wrong: string[] = [];
  const subject = subjectOf(event);
  for (const id of IDS) {
    const was = itemOf(prev, id);
    const now = itemOf(next, id);
    const unchanged = same(now, was);
    // The one exception: purging a done item strikes it from the `after` of the items after it.
    const released =
      subject !== null &&
      was?.after.includes(subject) === true &&
      itemOf(prev, subject)?.status === 'done' &&
      itemOf(next, subject) === undefined &&
      same(now, { ...was, after: was.after.filter((dep) => dep !== subject) });
    if (id !== subject && !unchanged && !released)
      wrong.push(`"${id}" changed by an event for another item`);
    if (was === undefined || now === undefined) {
      if (was === undefined) continue;
      const purge = event.type === 'deadline' && event.id === toPurgeDeadlineId(id);
      const removable = purge
        ? was.status === 'dead' || was.status === 'done'
        : event.type === 'queue.drop' && was.status !== 'done';
      if (!removable || was.status === 'active') {
        wrong.push(`"${id}" (${was.status}) removed`);
      }
      continue;
    }
    const finished = was.status === 'done' || was.status === 'dead';
    const byItsOwn = event.type === 'queue.add' || event.type === 'queue.retry';
    if (finished && !unchanged && !byItsOwn && !released) {
      wrong.push(`${was.status} "${id}" changed`);
    }
    const result = event.type === 'queue.complete' || event.type === 'queue.fail';
    if (result && id === subject && was.lease?.pipeline !== event.pipeline && !unchanged) {
      wrong.push(`"${id}" changed by a result from a pipeline without its lease`);
    }
    if (now.status === 'active' && was.status !== 'active') {
      const takeable = takeableItems(prev).some((i) => i.id === id);
      const taker = event.type === 'queue.take' ? event.pipeline : null;
      if (!takeable || now.lease?.pipeline !== taker) wrong.push(`"${id}" activated wrongly`);
    }
    const died = now.status === 'dead' && was.status !== 'dead';
    const notices = effects.filter((e) => e.kind === 'notify' && e.item === id).length;
    if (notices !== (died ? 1 : 0)) wrong.push(`"${id}" notified ${notices} times`);
  }
  const polls = effects.filter((e) => e.kind === 'pollSource').length;
  const pollStarted = prev.context.nextPollAt !== null && next.context.nextPollAt === null;
  if (polls !== (pollStarted ? 1 : 0)) wrong.push(`${polls} polls`);
  // A deadline that fires on time is consumed: the runtime never fires it again.
  if (event.type === 'deadline') {
    const due = queueDeadlines(prev).some((d) => d.id === event.id && d.at <= event.at);
    const again = queueDeadlines(next).some((d) => d.id === event.id && d.at <= event.at);
    if (due && again) wrong.push('a deadline that fired is still due');
  }
  const items = listQueueItems(next.context);
  wrong.push(...layoutViolations(next), ...items.flatMap((item) => itemViolations(next, item)));
  if (new Set(items.map((i) => i.seq)).size !== items.length) wrong.push('seqs collide');
  // What a worker asks for (the best few) is the head of the full order.
  const order = takeableItems(next).map((i) => i.id);
  for (const k of [1, 2])
    if (
      !same(
        takeableItems(next, k).map((i) => i.id),
        order.slice(0, k),
      )
    )
      wrong.push(`the best ${k} takeable items are not the head of the order`);
  return wrong.map((w) => `${describeStep(event)}: ${w}`);
}

/** Events that must change nothing and emit nothing in `snapshot`: stale, early or not allowed. */
function ignoredEvents(snapshot: Snapshot): QueueEvent[] {
  const takeable = new Set(takeableItems(snapshot).map((i) => i.id));
  const ignored: QueueEvent[] = [{ type: 'deadline', at: AT, id: 'lease:x:9' }];
  for (const item of listQueueItems(snapshot.context)) {
    const { id } = item;
    ignored.push(
      { type: 'queue.complete', at: AT, item: id, pipeline: STALE },
      { type: 'queue.fail', at: AT, item: id, pipeline: STALE, error: 'late' },
      { type: 'queue.fail', at: AT, item: id, pipeline: STALE, error: 'x', disposition: 'dead' },
      { type: 'deadline', at: AT, id: toLeaseDeadlineId(id, item.attempts + 1) },
    );
    if (!takeable.has(id)) {
      ignored.push({ type: 'queue.take', at: AT, item: id, worker: 'w', pipeline: STALE });
    }
    if (item.lease !== null) {
      const early = item.lease.expiresAt - 1;
      ignored.push({ type: 'deadline', at: early, id: toLeaseDeadlineId(id, item.attempts) });
    }
    if (item.status !== 'dead' && item.status !== 'done') {
      ignored.push({ type: 'deadline', at: 1e12, id: `purge:${id}` });
    }
    if (item.status === 'active') {
      ignored.push(
        { type: 'queue.drop', at: AT, item: id },
        { type: 'queue.retry', at: AT, item: id },
      );
    }
    if (item.status === 'pending' || item.status === 'active') {
      ignored.push({ type: 'queue.add', at: AT, item: { id, data: { other: 'data' } } });
    }
  }
  if (snapshot.context.nextPollAt === null)
    ignored.push({ type: 'deadline', at: 1e12, id: 'poll' });
  return ignored;
}

/** The ignored events of `snapshot` that did change something or emitted anything. */
function ignoreViolations(snapshot: Snapshot): string[] {
  return ignoredEvents(snapshot).flatMap((event) => {
    const [next, actions] = transition(machine, snapshot, event);
    const ok = same(next.context, snapshot.context) && actions.length === 0;
    return ok ? [] : [`${describeStep(event)} was not ignored in ${keyOf(snapshot)}`];
  });
}

/** Replays `path` through a live actor (effects via `actor.on`), checking every step. */
async function replay(path: StatePath<Snapshot, QueueEvent>): Promise<void> {
  const check = stepViolations;
  await replayPath({ machine, model, path, eventTypes: QUEUE_EVENT_TYPES, keyOf, check });
}

describe('queue machine model', () => {
  const edges = adjacencyMapToArray(model.getAdjacencyMap());
  const shortest = model.getShortestPaths({ allowDuplicatePaths: true });

  it('reaches every state node and every combination of item statuses the bound allows', () => {
    expect(shortest.length).toBe(new Set(edges.map((e) => keyOf(e.state))).size);
    expect(shortest.length).toBe(1_458);
    const statuses = new Set(shortest.flatMap((p) => listQueueItems(p.state.context)));
    expect([...new Set([...statuses].map((i) => i.status))].sort()).toEqual(
      [...QUEUE_ITEM_STATUSES].sort(),
    );
    const nodes = getStateNodes(machine.root).map((node) => node.id);
    const visited = new Set(shortest.flatMap((p) => p.state._nodes.map((n) => n.id)));
    expect(nodes.filter((id) => !visited.has(id))).toEqual([]);
  });

  it('takes every guarded branch of every transition, every edge holding the invariants', () => {
    const declared = [machine.root, ...getStateNodes(machine.root)].flatMap((node) =>
      [...node.transitions.entries()].flatMap(([type, candidates]) =>
        candidates.map((_, i) => `${node.id}|${type}|${i}`),
      ),
    );
    const taken = new Set<string>();
    const wrong: string[] = [];
    for (const { state, event } of edges) {
      const [next, actions] = transition(machine, state, event);
      wrong.push(...stepViolations(state, event, next, collectQueueEffects(actions)));
      for (const branch of branchesTaken(machine, state, event)) taken.add(branch);
    }
    expect(edges.length).toBeGreaterThan(30_000);
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(declared).toHaveLength(13);
    expect(declared.filter((key) => !taken.has(key))).toEqual([]);
  });

  it('ignores stale, early and disallowed events in every state', () => {
    const wrong = shortest.flatMap((p) => ignoreViolations(p.state));
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('holds the invariants along every shortest path, replayed live', async () => {
    for (const path of shortest) await replay(path);
  });
});
