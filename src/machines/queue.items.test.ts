// The bucket layout of queue items: a hash that must never change, and changes that copy only the
// bucket they touch.

import { describe, expect, it } from 'vitest';
import { driveQueue, queueEvents as q } from './queue.fixtures.js';
import { QUEUE_BUCKETS, bucketOf, listQueueItems, queueItem } from './queue.items.js';

describe('bucketOf', () => {
  // Stored queues are laid out by this hash: a different answer here loses their items.
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('is 32-bit FNV-1a for %j', (id, fnv) => {
    expect(bucketOf(id, 2 ** 32)).toBe(fnv);
  });

  it.each([
    ['x', 7],
    ['xz', 7],
    ['__proto__', 61],
  ])('files %j in bucket %i of 64', (id, bucket) => {
    expect(bucketOf(id, 64)).toBe(bucket);
  });

  it('hashes UTF-16 code units, so ids that differ past ASCII land apart', () => {
    expect(bucketOf('é', 2 ** 32)).not.toBe(bucketOf('e', 2 ** 32));
    expect(bucketOf('\u{1f41b}', 2 ** 32)).not.toBe(bucketOf('\ud83d', 2 ** 32));
  });
});

describe('queue items in buckets', () => {
  it('copies only the bucket a change touches and leaves the old context as it was', () => {
    const d = driveQueue();
    for (let n = 0; n < 200; n++) d.send(q.add({ id: `i${n}` }));
    const before = d.snapshot.context;
    const frozen = JSON.stringify(before);
    d.send(q.take('i7', 'pl-1'));
    const after = d.snapshot.context;
    const touched = String(bucketOf('i7', QUEUE_BUCKETS));
    for (const key of Object.keys(before.items)) {
      if (key === touched) expect(after.items[key]).not.toBe(before.items[key]);
      else expect(after.items[key]).toBe(before.items[key]);
    }
    expect(JSON.stringify(before)).toBe(frozen);
    expect(queueItem(after, 'i7')?.status).toBe('active');
  });

  it('leaves out a bucket once its last item is removed', () => {
    const d = driveQueue();
    d.send(q.add({ id: 'x' }), q.add({ id: 'xz' }), q.add({ id: 'y' }));
    expect(Object.keys(d.snapshot.context.items)).toHaveLength(2);
    d.send(q.drop('x'));
    expect(Object.keys(d.snapshot.context.items)).toHaveLength(2);
    d.send(q.drop('xz'));
    expect(Object.keys(d.snapshot.context.items)).toEqual([String(bucketOf('y', QUEUE_BUCKETS))]);
    expect(listQueueItems(d.snapshot.context).map((i) => i.id)).toEqual(['y']);
  });
});
