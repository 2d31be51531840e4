// The worker machine's named actions and guards, closed over the WorkerDef; worker.machine.ts
// generates the config that references them.

import { assign, enqueueActions, setup } from 'xstate';
import type { WorkerDef } from '../runbook/index.js';
import { countFreeSlots, toTakeId, toWakeDeadlineId } from './worker.context.js';
import type {
  WorkerContext,
  WorkerEffectEmitted,
  WorkerEvent,
  WorkerMeta,
} from './worker.context.js';

/** The implementations, closed over `def`; the generated config references them by name. */
export function setupWorker(def: WorkerDef) {
  return setup({
    types: {
      context: {} as WorkerContext,
      events: {} as WorkerEvent,
      meta: {} as WorkerMeta,
      emitted: {} as WorkerEffectEmitted,
    },
    actions: {
      begin: assign(({ event }) => ({ startedAt: event.at, stoppedAt: null })),
      // Stopping starts nothing new; pipelines already running carry on and still report back.
      halt: assign(({ event }) => ({ stoppedAt: event.at, wakeAt: null })),
      // Looking at the queue ends any idle wait; the runtime's `worker.idle` answer sets a new one.
      requestTake: enqueueActions(({ context, event, enqueue }) => {
        const count = countFreeSlots(context, def.concurrency);
        if (count === 0) {
          enqueue.assign({ wakeAt: null });
          return;
        }
        const id = toTakeId(def.qualified, event.at, context.takes);
        enqueue.assign({ wakeAt: null, takes: context.takes + 1 });
        enqueue.emit({
          type: 'effect',
          effect: { kind: 'take', id, worker: def.qualified, queue: def.queue, count },
        });
      }),
      dispatch: assign(({ context, event }) =>
        event.type === 'worker.dispatched'
          ? { active: { ...context.active, [event.pipeline]: event.item } }
          : {},
      ),
      finish: assign(({ context, event }) => {
        if (event.type !== 'worker.finished') return {};
        const { [event.pipeline]: _finished, ...active } = context.active;
        return { active };
      }),
      scheduleWake: assign(({ event }) =>
        def.idleAction.kind === 'wait' ? { wakeAt: event.at + def.idleAction.ms } : {},
      ),
    },
    guards: {
      // Never double-dispatch: not beyond concurrency, not a pipeline or an item already running.
      canDispatch: ({ context, event }) =>
        event.type === 'worker.dispatched' &&
        countFreeSlots(context, def.concurrency) > 0 &&
        !(event.pipeline in context.active) &&
        !Object.values(context.active).includes(event.item),
      isActive: ({ context, event }) =>
        event.type === 'worker.finished' && event.pipeline in context.active,
      hasNoActive: ({ context }) => Object.keys(context.active).length === 0,
      isWakeDue: ({ context, event }) =>
        event.type === 'deadline' &&
        context.wakeAt !== null &&
        event.id === toWakeDeadlineId(context.wakeAt) &&
        event.at >= context.wakeAt,
    },
  });
}
