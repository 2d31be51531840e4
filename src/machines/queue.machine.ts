// The queue machine, generated from a compiled QueueDef: one `open` state whose guarded transitions
// move work items through pending → active → done | dead; polling exists only for `source` queues.

import { and } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import type { QueueDef } from '../runbook/index.js';
import { QUEUE_MACHINE_ID } from './queue.context.js';
import { QUEUE_BUCKETS } from './queue.items.js';
import { setupQueue } from './queue.setup.js';

/** Whether an item that dies should be escalated to a human (a built-in `escalate` step). */
function escalates(def: QueueDef): boolean {
  // A step that names a runbook action is implemented by that action, as in the pipeline machine.
  return def.onExhaust.some((step) => step.builtin === 'escalate' && step.action === undefined);
}

/**
 * Builds the queue machine for a compiled definition. Pure: its actions only assign context and
 * emit `{ type: 'effect', effect }` (`notify`, `pollSource`). Events that do not apply to an item's
 * current status or lease take no transition, so they change nothing and emit nothing.
 */
export function createQueueMachine(def: QueueDef) {
  const polls = def.source !== undefined;
  const dies = escalates(def) ? (['failItem', 'escalateItem'] as const) : (['failItem'] as const);
  return setupQueue(def).createMachine({
    id: QUEUE_MACHINE_ID,
    initial: 'open',
    meta: { order: def.order },
    context: { items: {}, buckets: QUEUE_BUCKETS, nextSeq: 0, nextPollAt: null },
    states: {
      open: {
        on: {
          'queue.add': { guard: 'canAdd', actions: 'addItem' },
          'queue.take': { guard: 'canTake', actions: 'takeItem' },
          'queue.complete': { guard: 'isLeaseHolder', actions: 'completeItem' },
          'queue.fail': [
            { guard: and(['isLeaseFailure', 'isExhausting']), actions: [...dies] },
            { guard: 'isLeaseFailure', actions: 'failItem' },
          ],
          'queue.retry': { guard: 'canRetry', actions: 'retryItem' },
          'queue.drop': { guard: 'canDrop', actions: 'removeItem' },
          deadline: [
            // An expired lease is a failure of the pipeline that held it.
            { guard: and(['isLeaseFailure', 'isExhausting']), actions: [...dies] },
            { guard: 'isLeaseFailure', actions: 'failItem' },
            { guard: 'isPurgeDue', actions: 'removeItem' },
            { guard: 'isPollDue', actions: polls ? 'pollSource' : 'stopPolling' },
          ],
          ...(polls
            ? {
                'queue.start': { actions: 'pollNow' },
                'queue.polled': { actions: 'schedulePoll' },
              }
            : {}),
        },
      },
    },
  });
}

export type QueueMachine = ReturnType<typeof createQueueMachine>;
export type QueueSnapshot = SnapshotFrom<QueueMachine>;
