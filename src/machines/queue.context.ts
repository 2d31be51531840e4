// The queue machine's data: its persisted context (the work items), the events it accepts, the
// effects it emits, the derived deadline ids, and the pure selectors the runtime reads it with.

import type { Deadline } from './pipeline.context.js';
import {
  QUEUE_BUCKETS,
  QUEUE_ORDERS,
  bucketFacts,
  earlierPurge,
  listBuckets,
  pendingInOrder,
  queueItem,
  toQueueItems,
} from './queue.items.js';
import type { QueueBucket, QueueItems } from './queue.items.js';

export const QUEUE_ITEM_STATUSES = ['pending', 'active', 'done', 'dead'] as const;
export type QueueItemStatus = (typeof QUEUE_ITEM_STATUSES)[number];

/** Who holds an active item, and until when; a lease belongs to exactly one pipeline. */
export interface QueueLease {
  worker: string;
  pipeline: string;
  expiresAt: number;
}

/** One work item; `seq` is its place in FIFO order, renewed whenever it is enqueued afresh. */
export interface QueueItem {
  id: string;
  data: Record<string, string>;
  priority: number;
  /** Ids of items that must be `done` before this one may be taken. */
  after: string[];
  status: QueueItemStatus;
  attempts: number;
  seq: number;
  enqueuedAt: number;
  /** Set exactly while the item is `active`. */
  lease: QueueLease | null;
  lastError: string | null;
  /** `deadAt` is set exactly while `dead`; `purgeAt` while `dead` or `done`: when it is removed. */
  deadAt: number | null;
  purgeAt: number | null;
  /** Set exactly while the item is `done`. */
  finishedAt: number | null;
}

/** The persisted context: JSON-serialisable, everything the machine needs after a restart. */
export interface QueueContext {
  /** By bucket, then id (queue.items.ts): a change copies one bucket, not the whole queue. */
  items: QueueItems;
  /** How many buckets `items` is hashed into (QUEUE_BUCKETS when written by this build). */
  buckets: number;
  nextSeq: number;
  /** When a `source` queue polls next; null before `queue.start`, while a poll is in flight, or without a source. */
  nextPollAt: number | null;
}

/** What `queue.add` carries: the runtime computed `id` before journaling the event. */
export interface NewQueueItem {
  id: string;
  data: Record<string, string>;
  priority?: number;
  after?: string[];
}

/** How a failing pipeline wants its item handled (a pipeline's `requeue`/`dead` disposition). */
export type QueueFailDisposition = 'requeue' | 'dead';

export const QUEUE_EVENT_TYPES = [
  'queue.add',
  'queue.take',
  'queue.complete',
  'queue.fail',
  'queue.retry',
  'queue.drop',
  'queue.start',
  'queue.polled',
  'deadline',
] as const;
export type QueueEventType = (typeof QUEUE_EVENT_TYPES)[number];

/** Every event carries `at` (epoch ms): machines never read a clock. */
export type QueueEvent =
  | { type: 'queue.add'; at: number; item: NewQueueItem }
  | { type: 'queue.take'; at: number; item: string; worker: string; pipeline: string }
  | { type: 'queue.complete'; at: number; item: string; pipeline: string }
  | {
      type: 'queue.fail';
      at: number;
      item: string;
      pipeline: string;
      error: string;
      disposition?: QueueFailDisposition;
    }
  | { type: 'queue.retry'; at: number; item: string }
  | { type: 'queue.drop'; at: number; item: string }
  | { type: 'queue.start'; at: number }
  | { type: 'queue.polled'; at: number }
  | { type: 'deadline'; at: number; id: string };

/** Tell a human that an item died (the queue's `on_exhaust` has an `escalate` step). */
export interface NotifyEffect {
  kind: 'notify';
  id: string;
  queue: string;
  item: string;
  reason: string;
}

/** Run the queue's `source` command; its items come back as `queue.add`, then `queue.polled`. */
export interface PollSourceEffect {
  kind: 'pollSource';
  id: string;
  queue: string;
}

export type QueueEffect = NotifyEffect | PollSourceEffect;

/** What the queue machine `emit()`s; the runtime listens with `actor.on('effect', …)`. */
export interface QueueEffectEmitted {
  type: 'effect';
  effect: QueueEffect;
}

export const POLL_DEADLINE_ID = 'poll';
const LEASE_PREFIX = 'lease:';
const PURGE_PREFIX = 'purge:';

/** The deadline of the lease an item got on its `attempts`-th take (counting from 0). */
export function toLeaseDeadlineId(item: string, attempts: number): string {
  return `${LEASE_PREFIX}${item}:${attempts}`;
}

export function toPurgeDeadlineId(item: string): string {
  return `${PURGE_PREFIX}${item}`;
}

/** The item and attempt a lease deadline id names; null for any other id. Item ids may hold `:`. */
export function parseLeaseDeadlineId(id: string): { item: string; attempts: number } | null {
  if (!id.startsWith(LEASE_PREFIX)) return null;
  const colon = id.lastIndexOf(':');
  const attempts = id.slice(colon + 1);
  if (colon <= LEASE_PREFIX.length || !/^\d+$/.test(attempts)) return null;
  return { item: id.slice(LEASE_PREFIX.length, colon), attempts: Number(attempts) };
}

export function parsePurgeDeadlineId(id: string): string | null {
  return id.startsWith(PURGE_PREFIX) ? id.slice(PURGE_PREFIX.length) : null;
}

/** The machine id; its one state is `queue.open`. */
export const QUEUE_MACHINE_ID = 'queue';

/**
 * What the selectors need from the definition, kept as the machine's root `meta` rather than in
 * context: the runtime rebuilds a queue whose runbook changed from its snapshot, and a copy in
 * context would keep the old setting.
 */
export interface QueueMeta {
  order: 'fifo' | 'priority';
}

interface QueueSnapshotLike {
  context: QueueContext;
}

/** A live snapshot (from an actor or `transition()`), which can read the machine's meta. */
interface LiveQueueSnapshotLike extends QueueSnapshotLike {
  getMeta: () => Record<string, QueueMeta | undefined>;
}

/** Whether `item` may be taken: pending, and every item it comes after is done. */
export function isTakeable(context: QueueContext, item: QueueItem): boolean {
  return (
    item.status === 'pending' && item.after.every((id) => queueItem(context, id)?.status === 'done')
  );
}

/**
 * The items a worker may take now, best first: by priority (high first) then FIFO for a
 * `priority` queue, FIFO otherwise; at most `limit`. An `after` naming an unknown or dead item
 * blocks. Pure.
 */
export function takeableItems(snapshot: LiveQueueSnapshotLike, limit = Infinity): QueueItem[] {
  const { context } = snapshot;
  const order = snapshot.getMeta()[QUEUE_MACHINE_ID]?.order === 'priority' ? 'priority' : 'fifo';
  const found: QueueItem[] = [];
  if (limit <= 0) return found;
  // Each bucket's pending items are kept sorted, so the best `limit` overall are among the first
  // `limit` takeable ones of each bucket. Whether one is takeable depends on other items (its
  // `after`), so that is checked here, never cached.
  for (const bucket of listBuckets(context)) {
    let taken = 0;
    for (const item of pendingInOrder(bucket, order)) {
      if (taken >= limit) break;
      if (!isTakeable(context, item)) continue;
      found.push(item);
      taken++;
    }
  }
  found.sort(QUEUE_ORDERS[order]);
  return found.length > limit ? found.slice(0, limit) : found;
}

/**
 * The timers the runtime arms for this queue: leases, the next purge of a finished item, the next
 * poll. Only the earliest purge is armed (the smallest id on a tie) — a queue may hold thousands of
 * finished items, and each purge re-arms the next. Pure.
 */
export function queueDeadlines(snapshot: QueueSnapshotLike): Deadline[] {
  const { context } = snapshot;
  const deadlines: Deadline[] = [];
  let purge: QueueItem | null = null;
  // This runs on every change of the queue: each bucket's facts are derived once (queue.items.ts).
  for (const bucket of listBuckets(context)) {
    const facts = bucketFacts(bucket);
    for (const item of facts.leased) {
      const at = (item.lease as QueueLease).expiresAt;
      deadlines.push({ id: toLeaseDeadlineId(item.id, item.attempts), at });
    }
    purge = earlierPurge(purge, facts.purge);
  }
  if (purge?.purgeAt != null)
    deadlines.push({ id: toPurgeDeadlineId(purge.id), at: purge.purgeAt });
  if (context.nextPollAt !== null) deadlines.push({ id: POLL_DEADLINE_ID, at: context.nextPollAt });
  return deadlines.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Item counts; `pending` counts takeable items only, `blocked` the pending ones still waiting. */
export interface QueueCounts {
  pending: number;
  active: number;
  done: number;
  dead: number;
  blocked: number;
}

/** How many items are in each status; the five numbers add up to the number of items. Pure. */
export function queueCounts(snapshot: QueueSnapshotLike): QueueCounts {
  const { context } = snapshot;
  const counts: QueueCounts = { pending: 0, active: 0, done: 0, dead: 0, blocked: 0 };
  for (const bucket of listBuckets(context)) {
    const facts = bucketFacts(bucket);
    for (const status of QUEUE_ITEM_STATUSES) counts[status] += facts.counts[status];
    // Only a pending item with `after` can be blocked, and by other items: checked live.
    for (const item of facts.waiting) {
      if (isTakeable(context, item)) continue;
      counts.pending -= 1;
      counts.blocked += 1;
    }
  }
  return counts;
}

/** A queue context as any build stored it: `buckets`, and the bucket level of `items`, came later. */
interface StoredQueueContext {
  items: Record<string, QueueItem> | QueueItems;
  buckets?: number;
}

/**
 * A stored queue snapshot in this build's layout. Snapshots written before items were bucketed
 * hold a flat `items` (id → item) and no `buckets`; ones hashed into another number of buckets are
 * rehashed; anything else is returned as it is. Pure: never changes its argument.
 */
export function migrateQueueSnapshot(persisted: unknown): unknown {
  const context = (persisted as { context?: StoredQueueContext } | null)?.context;
  if (context === undefined || context.buckets === QUEUE_BUCKETS) return persisted;
  const found = Object.values(context.items);
  const list =
    context.buckets === undefined
      ? (found as QueueItem[])
      : (found as QueueBucket[]).flatMap((bucket) => Object.values(bucket));
  const items = toQueueItems(list, QUEUE_BUCKETS);
  return { ...(persisted as object), context: { ...context, items, buckets: QUEUE_BUCKETS } };
}

/** The queue effects among the actions of a pure `transition()`, in order. Executes nothing. */
export function collectQueueEffects(
  actions: ReadonlyArray<{ type: string; params?: unknown }>,
): QueueEffect[] {
  const effects: QueueEffect[] = [];
  for (const action of actions) {
    if (action.type !== 'xstate.emit') continue;
    const emitted = (action.params as { event?: Partial<QueueEffectEmitted> } | undefined)?.event;
    if (emitted?.type === 'effect' && emitted.effect !== undefined) effects.push(emitted.effect);
  }
  return effects;
}
