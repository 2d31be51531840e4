// Unit tests of the generated queue machine, driven through XState's pure transition().

import { referencedImplementations } from './testing.js';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  POLL_MS,
  RETENTION_MS,
  VISIBILITY_MS,
  createQueueDef,
  driveQueue,
  queueEvents as q,
} from './queue.fixtures.js';
import { parseLeaseDeadlineId } from './queue.context.js';
import { bucketOf } from './queue.items.js';
import {
  createQueueMachine,
  listQueueItems,
  queueCounts,
  queueDeadlines,
  queueItem,
  takeableItems,
  toLeaseDeadlineId,
  toPurgeDeadlineId,
} from './index.js';
import type { QueueContext, QueueEvent, QueueSnapshot } from './index.js';

const ESCALATE = [{ name: 'escalate', builtin: 'escalate' as const }];
const ids = (snapshot: QueueSnapshot) => takeableItems(snapshot).map((item) => item.id);

/** A driver whose item `a` is active under pipeline `pl-1`, taken at 1 000. */
function withActiveItem(overrides: Parameters<typeof createQueueDef>[0] = {}) {
  const d = driveQueue(createQueueDef(overrides));
  d.send(q.add({ id: 'a', data: { title: 'crash' } }), q.take('a', 'pl-1'));
  return d;
}

/** Sends `events` and asserts they changed nothing and emitted nothing. */
function expectIgnored(d: ReturnType<typeof driveQueue>, ...events: QueueEvent[]): void {
  for (const event of events) {
    const before = d.snapshot;
    expect(d.send(event)).toEqual([]);
    expect(d.snapshot.context).toEqual(before.context);
  }
}

describe('createQueueMachine: adding', () => {
  it('adds a pending item with defaults at the back of the FIFO order', () => {
    const d = driveQueue();
    d.send(q.add({ id: 'a', data: { title: 'x' } }, 5), q.add({ id: 'b', priority: 3 }, 6));
    expect(d.item('a')).toEqual({
      id: 'a',
      data: { title: 'x' },
      priority: 0,
      after: [],
      status: 'pending',
      attempts: 0,
      seq: 0,
      enqueuedAt: 5,
      lease: null,
      lastError: null,
      deadAt: null,
      purgeAt: null,
      finishedAt: null,
    });
    expect(d.item('b')).toMatchObject({ priority: 3, seq: 1 });
    expect(d.snapshot.context.nextSeq).toBe(2);
  });

  it('keeps ids that name Object.prototype members as ordinary items', () => {
    const d = driveQueue();
    d.send(q.add({ id: 'x' }), q.add({ id: '__proto__' }), q.add({ id: 'constructor' }));
    d.send(q.take('__proto__', 'pl-1'), q.complete('__proto__', 'pl-1'));
    const all = listQueueItems(d.snapshot.context).map((i) => i.id);
    expect(all.sort()).toEqual(['__proto__', 'constructor', 'x']);
    expect(d.item('__proto__')).toMatchObject({ id: '__proto__', status: 'done' });
    expect(takeableItems(d.snapshot).map((i) => i.id)).toEqual(['x', 'constructor']);
    // …and survive the snapshot's JSON round trip as own keys, where the buckets have a prototype
    // (`toLocaleString` hashes into the bucket of `constructor`).
    const restored = JSON.parse(JSON.stringify(d.snapshot.context)) as QueueContext;
    const bucket = restored.items[bucketOf('__proto__', restored.buckets)];
    expect(Object.getOwnPropertyDescriptor(bucket, '__proto__')?.value).toMatchObject({
      status: 'done',
    });
    expect(queueItem(restored, '__proto__')).toMatchObject({ status: 'done' });
    expect(queueItem(restored, 'constructor')).toMatchObject({ status: 'pending' });
    expect(bucketOf('toLocaleString', 64)).toBe(bucketOf('constructor', 64));
    expect(queueItem(restored, 'toLocaleString')).toBeUndefined();
  });

  it.each(['pending', 'active'] as const)('ignores adding an id that is already %s', (status) => {
    const d = driveQueue();
    d.send(q.add({ id: 'a', data: { v: '1' } }));
    if (status === 'active') d.send(q.take('a', 'pl-1'));
    expect(d.item('a').status).toBe(status);
    expectIgnored(d, q.add({ id: 'a', data: { v: '2' }, priority: 9 }, 2_000));
  });

  it.each([
    ['done', [q.complete('a', 'pl-1')]],
    ['dead', [q.fail('a', 'pl-1', 'dead')]],
  ] as const)('re-enqueues an id that is %s as a fresh pending item', (status, finish) => {
    const d = driveQueue();
    d.send(q.add({ id: 'a', data: { v: '1' } }), q.add({ id: 'b' }), q.take('a', 'pl-1'));
    d.send(...finish);
    expect(d.item('a').status).toBe(status);
    d.send(q.add({ id: 'a', data: { v: '2' } }, 7_000));
    expect(d.item('a')).toMatchObject({
      status: 'pending',
      data: { v: '2' },
      attempts: 0,
      seq: 2,
      enqueuedAt: 7_000,
      lease: null,
      lastError: null,
      deadAt: null,
      purgeAt: null,
      finishedAt: null,
    });
    expect(ids(d.snapshot)).toEqual(['b', 'a']);
  });

  it('ignores an item with an empty id', () => {
    expectIgnored(driveQueue(), q.add({ id: '' }));
  });
});

describe('createQueueMachine: taking', () => {
  it('leases a pending item to the pipeline until the visibility timeout', () => {
    const d = withActiveItem();
    expect(d.item('a')).toMatchObject({
      status: 'active',
      lease: { worker: 'demo.fixer', pipeline: 'pl-1', expiresAt: 1_000 + VISIBILITY_MS },
    });
  });

  it('never takes an active item a second time', () => {
    expectIgnored(withActiveItem(), q.take('a', 'pl-2'));
  });

  it.each([
    ['an unknown item', 'zzz'],
    ['a done item', 'done'],
    ['a dead item', 'dead'],
  ])('ignores taking %s', (_, id) => {
    const d = driveQueue();
    d.send(
      q.add({ id: 'done' }),
      q.add({ id: 'dead' }),
      q.take('done', 'p1'),
      q.take('dead', 'p2'),
    );
    d.send(q.complete('done', 'p1'), q.fail('dead', 'p2', 'dead'));
    expectIgnored(d, q.take(id, 'pl-9'));
  });

  it.each([
    ['is pending', (d: ReturnType<typeof driveQueue>) => d.send(q.add({ id: 'dep' }))],
    ['is unknown', () => []],
    [
      'is dead',
      (d: ReturnType<typeof driveQueue>) =>
        d.send(q.add({ id: 'dep' }), q.take('dep', 'p0'), q.fail('dep', 'p0', 'dead')),
    ],
  ])('blocks an item whose dependency %s', (_, setUp) => {
    const d = driveQueue();
    setUp(d);
    d.send(q.add({ id: 'x', after: ['dep'] }));
    expect(ids(d.snapshot)).not.toContain('x');
    expect(queueCounts(d.snapshot).blocked).toBe(1);
    expectIgnored(d, q.take('x', 'pl-1'));
  });

  it('unblocks an item once every dependency is done', () => {
    const d = driveQueue();
    d.send(q.add({ id: 'a' }), q.add({ id: 'b' }), q.add({ id: 'c', after: ['a', 'b'] }));
    d.send(q.take('a', 'p1'), q.complete('a', 'p1'));
    expect(ids(d.snapshot)).toEqual(['b']);
    d.send(q.take('b', 'p2'), q.complete('b', 'p2'));
    expect(ids(d.snapshot)).toEqual(['c']);
    d.send(q.take('c', 'p3'));
    expect(d.item('c').status).toBe('active');
  });

  it.each([
    ['fifo', ['a', 'b', 'c', 'd']],
    ['priority', ['c', 'b', 'd', 'a']],
  ] as const)('orders takeable items for a %s queue', (order, expected) => {
    const d = driveQueue(createQueueDef({ order }));
    d.send(
      q.add({ id: 'a', priority: 0 }),
      q.add({ id: 'b', priority: 5 }),
      q.add({ id: 'c', priority: 9 }),
      q.add({ id: 'd', priority: 5 }),
    );
    expect(ids(d.snapshot)).toEqual(expected);
    for (const k of [0, 1, 2, 3, 4, 9])
      expect(takeableItems(d.snapshot, k).map((i) => i.id)).toEqual(expected.slice(0, k));
  });

  it('orders by the definition the machine was rebuilt with, not the one it started with', () => {
    // `x` and `xz` share a bucket, whose best-first order is kept per order.
    expect(bucketOf('x', 64)).toBe(bucketOf('xz', 64));
    const fifo = createActor(createQueueMachine(createQueueDef({ order: 'fifo' }))).start();
    fifo.send(q.add({ id: 'x', priority: 1 }));
    fifo.send(q.add({ id: 'xz', priority: 2 }));
    expect(ids(fifo.getSnapshot())).toEqual(['x', 'xz']);
    const snapshot = fifo.getPersistedSnapshot();
    fifo.stop();
    const priority = createQueueMachine(createQueueDef({ order: 'priority' }));
    const rebuilt = createActor(priority, { snapshot }).start();
    expect(ids(rebuilt.getSnapshot())).toEqual(['xz', 'x']);
    expect(takeableItems(rebuilt.getSnapshot(), 1).map((i) => i.id)).toEqual(['xz']);
  });
});

describe('createQueueMachine: results', () => {
  it('completes the item for the pipeline that holds the lease', () => {
    const d = withActiveItem();
    d.send(q.complete('a', 'pl-1', 4_000));
    expect(d.item('a')).toMatchObject({ status: 'done', lease: null, finishedAt: 4_000 });
  });

  it.each([
    ['completion', q.complete('a', 'pl-0')],
    ['failure', q.fail('a', 'pl-0')],
    ['dead failure', q.fail('a', 'pl-0', 'dead')],
  ])('ignores a %s from a pipeline that does not hold the lease', (_, event) => {
    expectIgnored(withActiveItem(), event);
  });

  it.each([
    ['done', q.complete('a', 'pl-1')],
    ['dead', q.fail('a', 'pl-1', 'dead')],
  ])('ignores late results for a %s item', (_, finish) => {
    const d = withActiveItem();
    d.send(finish);
    expectIgnored(d, q.complete('a', 'pl-1'), q.fail('a', 'pl-1'), q.take('a', 'pl-2'));
  });

  it.each([
    [undefined, 1, 'pending'],
    ['requeue', 1, 'pending'],
    ['dead', 1, 'dead'],
  ] as const)('with disposition %s counts attempt %i and leaves the item %s', (how, n, status) => {
    const d = withActiveItem();
    d.send(q.fail('a', 'pl-1', how, 2_000));
    expect(d.item('a')).toMatchObject({ status, attempts: n, lease: null, lastError: 'boom' });
  });

  it('kills the item on the failure after max_retries retries', () => {
    const d = withActiveItem({ maxRetries: 2 });
    d.send(q.fail('a', 'pl-1', 'requeue'), q.take('a', 'pl-2'), q.fail('a', 'pl-2'));
    expect(d.item('a')).toMatchObject({ status: 'pending', attempts: 2 });
    d.send(q.take('a', 'pl-3'), q.fail('a', 'pl-3', 'requeue', 9_000));
    expect(d.item('a')).toMatchObject({
      status: 'dead',
      attempts: 3,
      deadAt: 9_000,
      purgeAt: 9_000 + RETENTION_MS,
      finishedAt: null,
    });
    expect(d.effects).toEqual([]);
  });

  it('asks for a human when an item dies and on_exhaust escalates', () => {
    const d = withActiveItem({ maxRetries: 0, onExhaust: ESCALATE });
    expect(d.send(q.fail('a', 'pl-1'))).toEqual([
      {
        kind: 'notify',
        id: 'notify:demo.bugs:a:0',
        queue: 'demo.bugs',
        item: 'a',
        reason: 'item "a" of queue "demo.bugs" is dead after 1 attempt: boom',
      },
    ]);
  });

  it.each([
    ['a requeue within max_retries', { onExhaust: ESCALATE }],
    ['an on_exhaust escalate implemented by a runbook action', { maxRetries: 0 }],
  ])('does not notify for %s', (_, overrides) => {
    const onExhaust = [{ name: 'escalate', builtin: 'escalate' as const, action: 'demo.escalate' }];
    const d = withActiveItem({ onExhaust, ...overrides });
    expect(d.send(q.fail('a', 'pl-1'))).toEqual([]);
  });
});

describe('createQueueMachine: retry and drop', () => {
  it('retries a dead item as pending at the back, keeping its last error', () => {
    const d = withActiveItem();
    d.send(q.add({ id: 'b' }), q.fail('a', 'pl-1', 'dead'), q.retry('a'));
    expect(d.item('a')).toMatchObject({
      status: 'pending',
      attempts: 0,
      lastError: 'boom',
      deadAt: null,
      purgeAt: null,
      seq: 2,
    });
    expect(ids(d.snapshot)).toEqual(['b', 'a']);
  });

  it('retries a pending item by resetting its attempts, keeping its place', () => {
    const d = withActiveItem();
    d.send(q.fail('a', 'pl-1'), q.retry('a'));
    expect(d.item('a')).toMatchObject({ status: 'pending', attempts: 0, seq: 0 });
  });

  it.each([
    ['active', [] as QueueEvent[]],
    ['done', [q.complete('a', 'pl-1')]],
  ])('neither retries nor drops an %s item', (_, finish) => {
    const d = withActiveItem();
    d.send(...finish);
    expectIgnored(d, q.retry('a'), q.drop('a'), q.retry('nope'), q.drop('nope'));
  });

  it.each([
    ['pending', [q.fail('a', 'pl-1')]],
    ['dead', [q.fail('a', 'pl-1', 'dead')]],
  ])('drops a %s item', (_, finish) => {
    const d = withActiveItem();
    d.send(...finish, q.drop('a'));
    expect(d.snapshot.context.items).toEqual({});
  });
});

describe('createQueueMachine: deadlines', () => {
  const expiry = 1_000 + VISIBILITY_MS;

  it('fails the item for the leasing pipeline when its lease expires', () => {
    const d = withActiveItem();
    expect(queueDeadlines(d.snapshot)).toEqual([{ id: 'lease:a:0', at: expiry }]);
    d.send(q.deadline('lease:a:0', expiry));
    expect(d.item('a')).toMatchObject({
      status: 'pending',
      attempts: 1,
      lease: null,
      lastError: 'visibility timeout expired',
    });
    d.send(q.take('a', 'pl-2'));
    expectIgnored(d, q.complete('a', 'pl-1'));
    expect(queueDeadlines(d.snapshot)).toEqual([{ id: 'lease:a:1', at: 1_000 + VISIBILITY_MS }]);
  });

  it('kills an item whose last lease expires, notifying when on_exhaust escalates', () => {
    const d = withActiveItem({ maxRetries: 0, onExhaust: ESCALATE });
    const emitted = d.send(q.deadline('lease:a:0', expiry));
    expect(d.item('a').status).toBe('dead');
    expect(emitted.map((e) => [e.kind, e.id])).toEqual([['notify', 'notify:demo.bugs:a:0']]);
  });

  it.each([
    ['before the lease expires', 'lease:a:0', expiry - 1],
    ['for an earlier attempt', 'lease:a:1', expiry],
    ['for an unknown item', 'lease:b:0', expiry],
    ['it cannot parse', 'lease:a', expiry],
    ['unknown', 'nonsense', expiry],
    ['to purge a live item', 'purge:a', expiry],
    ['to poll a queue without a source', 'poll', expiry],
  ])('ignores a deadline %s', (_, id, at) => {
    expectIgnored(withActiveItem(), q.deadline(id, at));
  });

  it('ignores an old lease deadline whose id came back after a retry', () => {
    const d = withActiveItem();
    d.send(q.fail('a', 'pl-1', 'dead'), q.retry('a'), q.take('a', 'pl-2', 50_000));
    expect(d.item('a').attempts).toBe(0);
    expectIgnored(d, q.deadline('lease:a:0', expiry));
  });

  it('purges a dead item once its retention is over, and only then', () => {
    const d = withActiveItem();
    d.send(q.fail('a', 'pl-1', 'dead', 2_000));
    const purgeAt = 2_000 + RETENTION_MS;
    expect(queueDeadlines(d.snapshot)).toEqual([{ id: 'purge:a', at: purgeAt }]);
    expectIgnored(d, q.deadline('purge:a', purgeAt - 1));
    d.send(q.deadline('purge:a', purgeAt));
    expect(d.snapshot.context.items).toEqual({});
    expect(queueDeadlines(d.snapshot)).toEqual([]);
  });

  it('purges a done item after the same retention, so the queue does not grow for ever', () => {
    const d = withActiveItem();
    d.send(q.complete('a', 'pl-1', 3_000));
    const purgeAt = 3_000 + RETENTION_MS;
    expect(queueDeadlines(d.snapshot)).toEqual([{ id: 'purge:a', at: purgeAt }]);
    expectIgnored(d, q.deadline('purge:a', purgeAt - 1));
    d.send(q.deadline('purge:a', purgeAt));
    expect(d.snapshot.context.items).toEqual({});
  });

  it('keeps an item that came after a done item takeable once that item is purged', () => {
    const d = driveQueue();
    d.send(q.add({ id: 'a' }), q.add({ id: 'b', after: ['a'] }), q.add({ id: 'c', after: ['a'] }));
    d.send(q.take('a', 'p1'), q.complete('a', 'p1', 3_000), q.take('b', 'p2'));
    d.send(q.deadline('purge:a', 3_000 + RETENTION_MS));
    expect(d.item('b')).toMatchObject({ status: 'active', after: [] });
    expect(d.item('c')).toMatchObject({ status: 'pending', after: [] });
    expect(ids(d.snapshot)).toEqual(['c']);
    expect(queueCounts(d.snapshot)).toMatchObject({ pending: 1, blocked: 0 });
  });

  it('keeps an item that came after a dead item blocked once that item is purged', () => {
    const d = driveQueue();
    d.send(q.add({ id: 'a' }), q.add({ id: 'b', after: ['a', 'z'] }));
    d.send(q.take('a', 'p1'), q.fail('a', 'p1', 'dead', 2_000));
    d.send(q.deadline('purge:a', 2_000 + RETENTION_MS));
    expect(d.item('b').after).toEqual(['a', 'z']);
    expect(queueCounts(d.snapshot)).toMatchObject({ pending: 0, blocked: 1 });
  });

  it('lists every deadline ordered by time', () => {
    const d = driveQueue(createQueueDef({ source: 'wk list --json' }));
    d.send({ type: 'queue.start', at: 500 }, q.add({ id: 'a' }), q.add({ id: 'b' }));
    d.send(q.take('a', 'p1', 100), q.take('b', 'p2', 200), q.fail('b', 'p2', 'dead', 300));
    expect(queueDeadlines(d.snapshot)).toEqual([
      { id: 'poll', at: 500 },
      { id: toLeaseDeadlineId('a', 0), at: 100 + VISIBILITY_MS },
      { id: toPurgeDeadlineId('b'), at: 300 + RETENTION_MS },
    ]);
  });

  it.each([
    ['lease:a:0', { item: 'a', attempts: 0 }],
    ['lease:gh:org/repo:12:3', { item: 'gh:org/repo:12', attempts: 3 }],
    ['lease:a:x', null],
    ['lease::1', null],
    ['purge:a', null],
  ])('parses the lease deadline id %s', (id, parsed) => {
    expect(parseLeaseDeadlineId(id)).toEqual(parsed);
  });
});

describe('createQueueMachine: polling a source', () => {
  const def = createQueueDef({ source: 'wk list -l bug --json' });

  it('polls on start, not again until polled, then every poll interval', () => {
    const d = driveQueue(def);
    expect(queueDeadlines(d.snapshot)).toEqual([]);
    d.send({ type: 'queue.start', at: 1_000 });
    expect(d.send(q.deadline('poll', 1_000))).toEqual([
      { kind: 'pollSource', id: 'poll:demo.bugs:1000', queue: 'demo.bugs' },
    ]);
    expect(d.snapshot.context.nextPollAt).toBeNull();
    expectIgnored(d, q.deadline('poll', 1_001));
    d.send({ type: 'queue.polled', at: 2_000 });
    expect(queueDeadlines(d.snapshot)).toEqual([{ id: 'poll', at: 2_000 + POLL_MS }]);
    expectIgnored(d, q.deadline('poll', 2_000 + POLL_MS - 1));
    expect(d.send(q.deadline('poll', 2_000 + POLL_MS))).toHaveLength(1);
  });

  it('ignores start and polled without a source', () => {
    expectIgnored(driveQueue(), { type: 'queue.start', at: 1 }, { type: 'queue.polled', at: 1 });
  });

  it('drops a scheduled poll once rebuilt without a source', () => {
    const first = createActor(createQueueMachine(def)).start();
    first.send({ type: 'queue.start', at: 1_000 });
    const snapshot = first.getPersistedSnapshot();
    const rebuilt = createActor(createQueueMachine(createQueueDef()), { snapshot }).start();
    const effects: unknown[] = [];
    rebuilt.on('effect', (e) => effects.push(e));
    rebuilt.send(q.deadline('poll', 1_000));
    expect(effects).toEqual([]);
    expect(queueDeadlines(rebuilt.getSnapshot())).toEqual([]);
  });
});

describe('createQueueMachine: snapshots and references', () => {
  it('counts items by status, pending meaning takeable', () => {
    const d = driveQueue();
    d.send(q.add({ id: 'a' }), q.add({ id: 'b' }), q.add({ id: 'c' }), q.add({ id: 'd' }));
    d.send(q.add({ id: 'e', after: ['a'] }), q.take('a', 'p1'), q.take('b', 'p2'));
    d.send(q.complete('b', 'p2'), q.take('c', 'p3'), q.fail('c', 'p3', 'dead'));
    expect(queueCounts(d.snapshot)).toEqual({
      pending: 1,
      active: 1,
      done: 1,
      dead: 1,
      blocked: 1,
    });
  });

  it('continues correctly after a persisted snapshot round-trips through JSON', () => {
    const machine = createQueueMachine(createQueueDef({ maxRetries: 0, onExhaust: ESCALATE }));
    const first = createActor(machine).start();
    first.send(q.add({ id: 'a', data: { title: 'x' } }));
    first.send(q.add({ id: 'b', after: ['a'] }));
    first.send(q.take('a', 'pl-1'));
    const persisted = JSON.parse(JSON.stringify(first.getPersistedSnapshot())) as ReturnType<
      typeof first.getPersistedSnapshot
    >;
    first.stop();

    const second = createActor(machine, { snapshot: persisted });
    const effects: unknown[] = [];
    second.on('effect', ({ effect }) => effects.push(effect));
    second.start();
    expect(second.getSnapshot().context).toEqual(first.getSnapshot().context);
    second.send(q.complete('a', 'pl-0'));
    expect(queueItem(second.getSnapshot().context, 'a')?.status).toBe('active');
    second.send(q.complete('a', 'pl-1'));
    expect(ids(second.getSnapshot())).toEqual(['b']);
    second.send(q.take('b', 'pl-2'));
    second.send(q.fail('b', 'pl-2'));
    expect(queueCounts(second.getSnapshot())).toMatchObject({ done: 1, dead: 1 });
    expect(effects).toMatchObject([{ kind: 'notify', item: 'b' }]);
  });

  it('references only actions and guards that are implemented, and uses each one', () => {
    const machines = [
      createQueueMachine(createQueueDef({ source: 'wk list', onExhaust: ESCALATE })),
      createQueueMachine(createQueueDef()),
    ];
    const actions = new Set<string>();
    const guards = new Set<string>();
    for (const machine of machines) {
      const found = referencedImplementations(machine);
      found.actions.forEach((n) => actions.add(n));
      found.guards.forEach((n) => guards.add(n));
    }
    const [machine] = machines;
    expect([...actions].sort()).toEqual(Object.keys(machine?.implementations.actions ?? {}).sort());
    expect([...guards].sort()).toEqual(Object.keys(machine?.implementations.guards ?? {}).sort());
  });
});
