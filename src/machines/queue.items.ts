// The queue's items, hashed by id into a fixed number of buckets so that a change copies one small
// bucket rather than the whole queue, and the facts the selectors derive once per bucket.

import type { QueueContext, QueueItem, QueueItemStatus, QueueMeta } from './queue.context.js';

/** How many buckets a queue's items are hashed into; a stored queue with another count is rehashed. */
export const QUEUE_BUCKETS = 64;

/** One bucket: item id → item. A bucket in a context is never changed: a change makes a new one. */
export type QueueBucket = Record<string, QueueItem>;

/** Bucket number (as a string, `0` to `buckets - 1`) → bucket; a bucket without items is left out. */
export type QueueItems = Record<string, QueueBucket>;

type QueueItemsLike = Pick<QueueContext, 'items' | 'buckets'>;

/**
 * The bucket an item id is filed in: FNV-1a (32-bit, over UTF-16 code units) modulo `buckets`.
 * Stored snapshots are laid out by it, so it must never change.
 */
export function bucketOf(id: string, buckets: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % buckets;
}

// No prototype, so an item id such as "__proto__" is an ordinary key.
const emptyRecord = <T>() => Object.create(null) as Record<string, T>;

/** The item `id`, if the queue holds it; safe on records that came back from JSON (own keys only). */
export function queueItem(context: QueueItemsLike, id: string): QueueItem | undefined {
  const bucket = context.items[bucketOf(id, context.buckets)];
  return bucket !== undefined && Object.hasOwn(bucket, id) ? bucket[id] : undefined;
}

/**
 * The buckets that hold items, in bucket order. The outer record's keys are array indices, and
 * indexing them is ~15× faster than for-in: the selectors walk them on every change.
 */
export function listBuckets(context: QueueItemsLike): QueueBucket[] {
  const buckets: QueueBucket[] = [];
  for (let n = 0; n < context.buckets; n++) {
    const bucket = context.items[n];
    if (bucket !== undefined) buckets.push(bucket);
  }
  return buckets;
}

/** Every item, in no particular order. */
export function listQueueItems(context: QueueItemsLike): QueueItem[] {
  const list: QueueItem[] = [];
  for (const bucket of listBuckets(context))
    for (const id in bucket) list.push(bucket[id] as QueueItem);
  return list;
}

/** `items` laid out in `buckets` buckets (a fresh queue, or a stored one being rehashed). */
export function toQueueItems(list: Iterable<QueueItem>, buckets: number): QueueItems {
  const items = emptyRecord<QueueBucket>();
  for (const item of list) {
    (items[bucketOf(item.id, buckets)] ??= emptyRecord<QueueItem>())[item.id] = item;
  }
  return items;
}

/** The items with `item` filed under its id; copies the outer record and the one bucket it changes. */
export function withQueueItem(context: QueueItemsLike, item: QueueItem): QueueItems {
  const at = bucketOf(item.id, context.buckets);
  const bucket = emptyRecord<QueueItem>();
  const old = context.items[at];
  // A key loop copies a bucket of a few hundred items ~1.7× faster than object spread.
  if (old !== undefined) for (const id in old) bucket[id] = old[id] as QueueItem;
  bucket[item.id] = item;
  return withBucket(context, at, bucket);
}

/** The items without `removed`; its bucket is left out once empty, so an empty queue is `{}`. */
export function withoutQueueItem(context: QueueItemsLike, removed: string): QueueItems {
  const at = bucketOf(removed, context.buckets);
  const old = context.items[at];
  if (old === undefined || !Object.hasOwn(old, removed)) return context.items;
  const bucket = emptyRecord<QueueItem>();
  let kept = 0;
  for (const id in old) {
    if (id === removed) continue;
    bucket[id] = old[id] as QueueItem;
    kept++;
  }
  return withBucket(context, at, kept === 0 ? undefined : bucket);
}

/** The items with `done` struck from the `after` of every item that comes after it. */
export function withoutDependency(context: QueueItemsLike, done: string): QueueItems {
  let items = context.items;
  for (const bucket of listBuckets(context)) {
    for (const item of bucketFacts(bucket).dependents) {
      if (!item.after.includes(done)) continue;
      const after = item.after.filter((id) => id !== done);
      items = withQueueItem({ items, buckets: context.buckets }, { ...item, after });
    }
  }
  return items;
}

function withBucket(context: QueueItemsLike, at: number, bucket: QueueBucket | undefined) {
  const copy = emptyRecord<QueueBucket>();
  for (let n = 0; n < context.buckets; n++) {
    const kept = n === at ? bucket : context.items[n];
    if (kept !== undefined) copy[n] = kept;
  }
  return copy;
}

type QueueOrder = QueueMeta['order'];

/** Which of two items a worker takes first in a queue of `order`; items' seqs are unique. */
export const QUEUE_ORDERS: Record<QueueOrder, (a: QueueItem, b: QueueItem) => number> = {
  fifo: (a, b) => a.seq - b.seq,
  priority: (a, b) => b.priority - a.priority || a.seq - b.seq,
};

/**
 * What the selectors need from one bucket. Whether an item may be taken is not among them: that
 * depends on the items it comes after, which may live in other buckets.
 */
export interface BucketFacts {
  counts: Record<QueueItemStatus, number>;
  /** Pending items with `after`: pending or blocked, decided live. */
  waiting: QueueItem[];
  /** Items of any status with `after` (a purged dependency is struck from them). */
  dependents: QueueItem[];
  leased: QueueItem[];
  /** The item purged first (ties broken by id, so the one armed does not depend on the layout). */
  purge: QueueItem | null;
  pending: QueueItem[];
  /** `pending` best first, sorted for an order when first asked. */
  sorted: Partial<Record<QueueOrder, QueueItem[]>>;
}

// Buckets are never changed in place, so their facts are cached by bucket object: after a change
// only the bucket it replaced is derived again, and a WeakMap lets old buckets go.
const FACTS = new WeakMap<QueueBucket, BucketFacts>();

/** The facts of `bucket`, derived in one pass the first time it is asked about. */
export function bucketFacts(bucket: QueueBucket): BucketFacts {
  const known = FACTS.get(bucket);
  if (known !== undefined) return known;
  const facts: BucketFacts = {
    counts: { pending: 0, active: 0, done: 0, dead: 0 },
    waiting: [],
    dependents: [],
    leased: [],
    purge: null,
    pending: [],
    sorted: {},
  };
  for (const id in bucket) {
    const item = bucket[id] as QueueItem;
    facts.counts[item.status] += 1;
    if (item.lease !== null) facts.leased.push(item);
    if (item.purgeAt !== null) facts.purge = earlierPurge(facts.purge, item);
    if (item.after.length > 0) facts.dependents.push(item);
    if (item.status !== 'pending') continue;
    facts.pending.push(item);
    if (item.after.length > 0) facts.waiting.push(item);
  }
  FACTS.set(bucket, facts);
  return facts;
}

/** The bucket's pending items, best first for `order`. */
export function pendingInOrder(bucket: QueueBucket, order: QueueOrder): QueueItem[] {
  const facts = bucketFacts(bucket);
  return (facts.sorted[order] ??= [...facts.pending].sort(QUEUE_ORDERS[order]));
}

/** Which of two items is purged first; either may be missing. */
export function earlierPurge(a: QueueItem | null, b: QueueItem | null): QueueItem | null {
  if (a === null || b === null) return a ?? b;
  const by = (a.purgeAt as number) - (b.purgeAt as number) || (a.id < b.id ? -1 : 1);
  return by <= 0 ? a : b;
}
