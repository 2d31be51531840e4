// The queue selectors against a plain reference over a flat list of items, on random queues, and
// the migration of snapshots stored before items were bucketed.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, transition } from 'xstate';
import { createQueueDef, queueEvents as q } from './queue.fixtures.js';
import { QUEUE_BUCKETS, toQueueItems } from './queue.items.js';
import {
  createQueueMachine,
  listQueueItems,
  migrateQueueSnapshot,
  queueCounts,
  queueDeadlines,
  queueItem,
  takeableItems,
} from './index.js';
import type { QueueCounts, QueueEvent, QueueItem, QueueSnapshot } from './index.js';
import type { Deadline } from './pipeline.context.js';

type Order = 'fifo' | 'priority';

/** What the selectors must answer, computed the obvious way from every item at once. */
function reference(items: QueueItem[], order: Order, nextPollAt: number | null) {
  const byId = new Map(items.map((item) => [item.id, item]));
  const takeable = (item: QueueItem) =>
    item.status === 'pending' && item.after.every((id) => byId.get(id)?.status === 'done');
  const before = (a: QueueItem, b: QueueItem) =>
    (order === 'priority' ? b.priority - a.priority : 0) || a.seq - b.seq;
  const byTimeThenId = (a: Deadline, b: Deadline) =>
    a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const [purge] = items
    .filter((item) => item.purgeAt !== null)
    .map((item) => ({ id: `purge:${item.id}`, at: item.purgeAt as number }))
    .sort(byTimeThenId);
  const deadlines = [
    ...items.flatMap((i) =>
      i.lease ? [{ id: `lease:${i.id}:${i.attempts}`, at: i.lease.expiresAt }] : [],
    ),
    ...(purge ? [purge] : []),
    ...(nextPollAt === null ? [] : [{ id: 'poll', at: nextPollAt }]),
  ].sort(byTimeThenId);
  const counts: QueueCounts = { pending: 0, active: 0, done: 0, dead: 0, blocked: 0 };
  for (const item of items)
    counts[item.status === 'pending' && !takeable(item) ? 'blocked' : item.status] += 1;
  return { takeable: items.filter(takeable).sort(before), deadlines, counts };
}

/** Where the selectors disagree with the reference on `snapshot`. */
function disagreements(snapshot: QueueSnapshot, order: Order): string[] {
  const { context } = snapshot;
  const want = reference(listQueueItems(context), order, context.nextPollAt);
  const ids = (items: QueueItem[]) => items.map((item) => item.id).join(',');
  const wrong: string[] = [];
  for (const limit of [0, 1, 3, Infinity]) {
    const got = ids(takeableItems(snapshot, limit));
    const expected = ids(want.takeable.slice(0, limit));
    if (got !== expected) wrong.push(`takeable(${limit}): ${got} instead of ${expected}`);
  }
  if (JSON.stringify(queueDeadlines(snapshot)) !== JSON.stringify(want.deadlines))
    wrong.push(`deadlines ${JSON.stringify(queueDeadlines(snapshot))}`);
  if (JSON.stringify(queueCounts(snapshot)) !== JSON.stringify(want.counts))
    wrong.push(`counts ${JSON.stringify(queueCounts(snapshot))}`);
  return wrong;
}

// Enough ids that buckets hold several items each, and ids that name Object.prototype members.
const IDS = [...Array.from({ length: 150 }, (_, n) => `i${n}`), '__proto__', 'constructor'];

const step = fc.record({
  kind: fc.constantFrom(
    ...['add', 'add', 'add', 'take', 'take', 'take', 'complete', 'complete', 'fail', 'retry'],
    ...['drop', 'deadline'],
  ),
  pick: fc.nat(),
  priority: fc.integer({ min: 0, max: 3 }),
  after: fc.array(fc.nat(), { maxLength: 2 }),
  dead: fc.boolean(),
  // Steps 0 ms apart give purges and leases that fall due at the same time.
  elapsed: fc.constantFrom(0, 1, 1_000),
});
type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

/** The event `s` stands for in `snapshot`: it picks among the items (or deadlines) it can apply to. */
function toEvent(snapshot: QueueSnapshot, s: Step, at: number): QueueEvent {
  const items = listQueueItems(snapshot.context).sort((a, b) => a.seq - b.seq);
  const among = (status: QueueItem['status'][]) => items.filter((i) => status.includes(i.status));
  const pick = (list: QueueItem[]) => list[s.pick % Math.max(list.length, 1)];
  const pipeline = (item: QueueItem | undefined) => item?.lease?.pipeline ?? 'pl-none';
  switch (s.kind) {
    case 'add': {
      const id = IDS[s.pick % IDS.length] as string;
      // Dependencies on a few ids, so that most of them exist (an unknown one always blocks).
      const after = s.after.map((n) => IDS[n % 30] as string);
      return q.add({ id, priority: s.priority, after }, at);
    }
    case 'take': {
      const item = pick(among(['pending']));
      return q.take(item?.id ?? 'none', `pl-${at}`, at);
    }
    case 'complete': {
      const item = pick(among(['active']));
      return q.complete(item?.id ?? 'none', pipeline(item), at);
    }
    case 'fail': {
      const item = pick(among(['active']));
      return q.fail(item?.id ?? 'none', pipeline(item), s.dead ? 'dead' : 'requeue', at);
    }
    case 'retry':
      return q.retry(pick(among(['dead']))?.id ?? 'none', at);
    case 'deadline': {
      // A lease expiring or the next purge, when it falls due (time jumps forward to it).
      const deadlines = queueDeadlines(snapshot);
      const due = deadlines[s.pick % Math.max(deadlines.length, 1)];
      return q.deadline(due?.id ?? 'none', Math.max(at, due?.at ?? at));
    }
    default:
      return q.drop(pick(among(['pending', 'dead']))?.id ?? 'none', at);
  }
}

describe('queue selectors', () => {
  // Two buckets put many items in each, which the per-bucket limits and memos must get right.
  it.each([
    ['fifo', 2],
    ['fifo', QUEUE_BUCKETS],
    ['priority', 2],
    ['priority', QUEUE_BUCKETS],
  ] as const)(
    'agree with a flat reference on random %s queues in %i buckets, old snapshots too',
    (order, buckets) => {
      const machine = createQueueMachine(createQueueDef({ order, maxRetries: 1 }));
      const context = { items: {}, buckets, nextSeq: 0, nextPollAt: null };
      fc.assert(
        fc.property(fc.array(step, { minLength: 200, maxLength: 400 }), (steps) => {
          let snapshot = machine.resolveState({ value: 'open', context });
          const seen: QueueSnapshot[] = [];
          let at = 1_000;
          for (const s of steps) {
            const event = toEvent(snapshot, s, at + s.elapsed);
            at = event.at;
            [snapshot] = transition(machine, snapshot, event);
            expect(disagreements(snapshot, order)).toEqual([]);
            seen.push(snapshot);
          }
          expect(snapshot.context.buckets).toBe(buckets);
          // Snapshots from many changes ago still read right (their buckets' facts were derived
          // before most of the buckets they share with the last snapshot were replaced).
          for (const old of seen.filter((_, n) => n % 37 === 0))
            expect(disagreements(old, order)).toEqual([]);
        }),
        { numRuns: 20 },
      );
    },
  );
});

// A `priority` queue with a source as an oj that kept items in one flat record stored it.
const FLAT_SNAPSHOT = {
  status: 'active',
  value: 'open',
  historyValue: {},
  children: {},
  context: {
    nextSeq: 7,
    nextPollAt: 90_000,
    items: {
      done: item('done', { seq: 0, status: 'done', finishedAt: 3_000, purgeAt: 8_000 }),
      busy: item('busy', {
        seq: 1,
        status: 'active',
        lease: { worker: 'demo.fixer', pipeline: 'pl-1', expiresAt: 70_000 },
      }),
      next: item('next', { seq: 2, after: ['done'] }),
      waits: item('waits', { seq: 3, after: ['busy'] }),
      gone: item('gone', { seq: 4, status: 'dead', attempts: 3, deadAt: 4_000, purgeAt: 9_000 }),
      urgent: item('urgent', { seq: 5, priority: 2 }),
      ['__proto__']: item('__proto__', { seq: 6 }),
    },
  },
};

function item(id: string, fields: Partial<QueueItem>): QueueItem {
  return {
    ...{ id, data: { title: id }, priority: 0, after: [], status: 'pending', attempts: 0 },
    ...{ seq: 0, enqueuedAt: 1_000, lease: null, lastError: null, deadAt: null, purgeAt: null },
    ...{ finishedAt: null, ...fields },
  };
}

describe('migrateQueueSnapshot', () => {
  const def = createQueueDef({ order: 'priority', source: 'wk list --json' });
  // JSON.parse makes `__proto__` an own key, as the store's decoder hands it back.
  const stored = () => JSON.parse(JSON.stringify(FLAT_SNAPSHOT)) as typeof FLAT_SNAPSHOT;

  it('restores a flat snapshot with the same items, counts, order and deadlines', () => {
    const old = stored();
    const actor = createActor(createQueueMachine(def), {
      snapshot: migrateQueueSnapshot(old) as never,
    }).start();
    const snapshot = actor.getSnapshot();
    expect(snapshot.context.buckets).toBe(QUEUE_BUCKETS);
    const byId = (a: QueueItem, b: QueueItem) => (a.id < b.id ? -1 : 1);
    expect(listQueueItems(snapshot.context).sort(byId)).toEqual(
      Object.values(stored().context.items).sort(byId),
    );
    expect(queueItem(snapshot.context, '__proto__')).toMatchObject({ seq: 6 });
    expect(queueCounts(snapshot)).toEqual({ pending: 3, active: 1, done: 1, dead: 1, blocked: 1 });
    expect(takeableItems(snapshot).map((i) => i.id)).toEqual(['urgent', 'next', '__proto__']);
    expect(queueDeadlines(snapshot)).toEqual([
      { id: 'purge:done', at: 8_000 },
      { id: 'lease:busy:0', at: 70_000 },
      { id: 'poll', at: 90_000 },
    ]);
    expect(old).toEqual(stored());
    // …and carries on as a bucketed queue.
    actor.send(q.complete('busy', 'pl-1', 5_000));
    const ids = () => takeableItems(actor.getSnapshot()).map((i) => i.id);
    expect(ids()).toEqual(['urgent', 'next', 'waits', '__proto__']);
    actor.send(q.deadline('purge:done', 8_000));
    expect(queueItem(actor.getSnapshot().context, 'done')).toBeUndefined();
    expect(queueDeadlines(actor.getSnapshot())[0]).toEqual({ id: 'purge:gone', at: 9_000 });
  });

  it('leaves a snapshot in the current layout as it is', () => {
    const actor = createActor(createQueueMachine(def)).start();
    actor.send(q.add({ id: 'a' }));
    const persisted = actor.getPersistedSnapshot();
    expect(migrateQueueSnapshot(persisted)).toBe(persisted);
  });

  it('rehashes a snapshot laid out in another number of buckets', () => {
    const flat = Object.values(stored().context.items);
    const context = { ...stored().context, items: toQueueItems(flat, 4), buckets: 4 };
    const migrated = migrateQueueSnapshot({ ...stored(), context }) as QueueSnapshot;
    expect(migrated.context.buckets).toBe(QUEUE_BUCKETS);
    expect(migrated.context.items).toEqual(toQueueItems(flat, QUEUE_BUCKETS));
  });
});
