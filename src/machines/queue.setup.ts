// The queue machine's named actions and guards, closed over the QueueDef; queue.machine.ts
// generates the config that references them. Every rule about one item's life lives here.

import { assign, enqueueActions, setup } from 'xstate';
import type { QueueDef } from '../runbook/index.js';
import {
  POLL_DEADLINE_ID,
  isTakeable,
  parseLeaseDeadlineId,
  parsePurgeDeadlineId,
} from './queue.context.js';
import { queueItem, withQueueItem, withoutDependency, withoutQueueItem } from './queue.items.js';
import type {
  NewQueueItem,
  QueueContext,
  QueueEffectEmitted,
  QueueEvent,
  QueueFailDisposition,
  QueueItem,
  QueueMeta,
} from './queue.context.js';

/** The error recorded when a lease runs out before its pipeline reported. */
const LEASE_EXPIRED = 'visibility timeout expired';

/** A failure that applies to the item's current lease (anything else is stale and ignored). */
interface Failure {
  item: QueueItem;
  error: string;
  disposition: QueueFailDisposition | undefined;
}

/** Whether `pipeline` holds the lease of `item` now; a stale pipeline's report must be dropped. */
function holdsLease(item: QueueItem | undefined, pipeline: string): item is QueueItem {
  return item?.status === 'active' && item.lease?.pipeline === pipeline;
}

/** The failure `event` reports for a current lease: a `queue.fail` or an expired lease. */
function toFailure(context: QueueContext, event: QueueEvent): Failure | null {
  if (event.type === 'queue.fail') {
    const item = queueItem(context, event.item);
    if (!holdsLease(item, event.pipeline)) return null;
    return { item, error: event.error, disposition: event.disposition };
  }
  if (event.type !== 'deadline') return null;
  const parsed = parseLeaseDeadlineId(event.id);
  const item = parsed === null ? undefined : queueItem(context, parsed.item);
  const lease = item?.lease ?? null;
  if (parsed === null || item === undefined || lease === null) return null;
  // The attempt number and the expiry time both tell a live lease from an old one with the same
  // id (an item re-added or retried starts counting attempts from 0 again).
  if (item.attempts !== parsed.attempts || event.at < lease.expiresAt) return null;
  return { item, error: LEASE_EXPIRED, disposition: undefined };
}

function isExhausting(def: QueueDef, failure: Failure): boolean {
  return failure.disposition === 'dead' || failure.item.attempts + 1 > def.maxRetries;
}

/** The item an event names, if it does (lease and purge deadlines name theirs in the id). */
function itemIdOf(event: QueueEvent): string | null {
  switch (event.type) {
    case 'queue.take':
    case 'queue.complete':
    case 'queue.fail':
    case 'queue.retry':
    case 'queue.drop':
      return event.item;
    case 'deadline':
      return parseLeaseDeadlineId(event.id)?.item ?? parsePurgeDeadlineId(event.id);
    default:
      return null;
  }
}

function itemOf(context: QueueContext, event: QueueEvent): QueueItem | undefined {
  const id = itemIdOf(event);
  return id === null ? undefined : queueItem(context, id);
}

// Contexts are immutable: a change copies the bucket of the item it touches (queue.items.ts).
function withItem(context: QueueContext, item: QueueItem): Pick<QueueContext, 'items'> {
  return { items: withQueueItem(context, item) };
}

/** A fresh pending item at the back of the FIFO order. */
function freshItem(context: QueueContext, input: NewQueueItem, at: number): QueueItem {
  return {
    id: input.id,
    data: { ...input.data },
    priority: input.priority ?? 0,
    after: [...(input.after ?? [])],
    status: 'pending',
    attempts: 0,
    seq: context.nextSeq,
    enqueuedAt: at,
    lease: null,
    lastError: null,
    deadAt: null,
    purgeAt: null,
    finishedAt: null,
  };
}

/** The implementations, closed over `def`; the generated config references them by name. */
export function setupQueue(def: QueueDef) {
  return setup({
    types: {
      context: {} as QueueContext,
      events: {} as QueueEvent,
      meta: {} as QueueMeta,
      emitted: {} as QueueEffectEmitted,
    },
    actions: {
      addItem: assign(({ context, event }) => {
        if (event.type !== 'queue.add') return {};
        const item = freshItem(context, event.item, event.at);
        return { ...withItem(context, item), nextSeq: context.nextSeq + 1 };
      }),
      takeItem: assign(({ context, event }) => {
        const item = itemOf(context, event);
        if (event.type !== 'queue.take' || item === undefined) return {};
        const { worker, pipeline } = event;
        const lease = { worker, pipeline, expiresAt: event.at + def.visibilityTimeoutMs };
        return withItem(context, { ...item, status: 'active', lease });
      }),
      completeItem: assign(({ context, event }) => {
        const item = itemOf(context, event);
        if (item === undefined) return {};
        // Done items are kept as long as dead ones (for dedupe and `oj queue show`), then purged.
        const purgeAt = event.at + def.dead.retentionMs;
        return withItem(context, {
          ...item,
          status: 'done',
          lease: null,
          finishedAt: event.at,
          purgeAt,
        });
      }),
      // Every failure counts an attempt; the item dies when asked to or once retries run out.
      failItem: assign(({ context, event }) => {
        const failure = toFailure(context, event);
        if (failure === null) return {};
        const { item, error } = failure;
        const common = { attempts: item.attempts + 1, lease: null, lastError: error };
        if (!isExhausting(def, failure)) {
          return withItem(context, { ...item, ...common, status: 'pending' });
        }
        const purgeAt = event.at + def.dead.retentionMs;
        return withItem(context, {
          ...item,
          ...common,
          status: 'dead',
          deadAt: event.at,
          purgeAt,
        });
      }),
      // Runs after failItem, so it reads the dead item.
      escalateItem: enqueueActions(({ context, event, enqueue }) => {
        const item = itemOf(context, event);
        if (item?.status !== 'dead') return;
        const reason =
          `item "${item.id}" of queue "${def.qualified}" is dead after ${item.attempts} ` +
          `attempt${item.attempts === 1 ? '' : 's'}: ${item.lastError ?? 'no error recorded'}`;
        const id = `notify:${def.qualified}:${item.id}:${item.seq}`;
        enqueue.emit({
          type: 'effect',
          effect: { kind: 'notify', id, queue: def.qualified, item: item.id, reason },
        });
      }),
      // A retried dead item goes to the back of the queue (a fresh seq); a pending one keeps its place.
      retryItem: assign(({ context, event }) => {
        const item = itemOf(context, event);
        if (item === undefined) return {};
        const revived = item.status === 'dead';
        return {
          ...withItem(context, {
            ...item,
            status: 'pending',
            attempts: 0,
            deadAt: null,
            purgeAt: null,
            seq: revived ? context.nextSeq : item.seq,
          }),
          nextSeq: revived ? context.nextSeq + 1 : context.nextSeq,
        };
      }),
      removeItem: assign(({ context, event }) => {
        const id = itemIdOf(event);
        if (id === null) return {};
        const items = withoutQueueItem(context, id);
        // A purged done item still satisfies the items that come after it: without this they
        // would wait forever on an id the queue no longer knows (which blocks, like a dead one).
        if (queueItem(context, id)?.status !== 'done') return { items };
        return { items: withoutDependency({ ...context, items }, id) };
      }),
      // Until `queue.polled` there is no next poll, so polls never overlap.
      pollSource: enqueueActions(({ context, event, enqueue }) => {
        if (context.nextPollAt === null) return;
        const id = `poll:${def.qualified}:${event.at}`;
        enqueue.assign({ nextPollAt: null });
        enqueue.emit({ type: 'effect', effect: { kind: 'pollSource', id, queue: def.qualified } });
      }),
      schedulePoll: assign(({ event }) => ({ nextPollAt: event.at + def.pollMs })),
      pollNow: assign(({ event }) => ({ nextPollAt: event.at })),
      // A queue rebuilt without its source drops the poll it had scheduled.
      stopPolling: assign({ nextPollAt: null }),
    },
    guards: {
      // Adding is idempotent: a pending or active id is left alone, a finished one starts over.
      canAdd: ({ context, event }) => {
        if (event.type !== 'queue.add' || event.item.id === '') return false;
        const status = queueItem(context, event.item.id)?.status;
        return status === undefined || status === 'done' || status === 'dead';
      },
      canTake: ({ context, event }) => {
        const item = itemOf(context, event);
        return event.type === 'queue.take' && item !== undefined && isTakeable(context, item);
      },
      isLeaseHolder: ({ context, event }) =>
        event.type === 'queue.complete' &&
        holdsLease(queueItem(context, event.item), event.pipeline),
      isLeaseFailure: ({ context, event }) => toFailure(context, event) !== null,
      isExhausting: ({ context, event }) => {
        const failure = toFailure(context, event);
        return failure !== null && isExhausting(def, failure);
      },
      canRetry: ({ context, event }) => {
        const status = itemOf(context, event)?.status;
        return event.type === 'queue.retry' && (status === 'dead' || status === 'pending');
      },
      canDrop: ({ context, event }) => {
        const status = itemOf(context, event)?.status;
        return event.type === 'queue.drop' && (status === 'dead' || status === 'pending');
      },
      isPurgeDue: ({ context, event }) => {
        if (event.type !== 'deadline') return false;
        const id = parsePurgeDeadlineId(event.id);
        const item = id === null ? undefined : queueItem(context, id);
        const finished = item?.status === 'dead' || item?.status === 'done';
        return finished && item?.purgeAt != null && event.at >= item.purgeAt;
      },
      isPollDue: ({ context, event }) =>
        event.type === 'deadline' &&
        event.id === POLL_DEADLINE_ID &&
        context.nextPollAt !== null &&
        event.at >= context.nextPollAt,
    },
  });
}
