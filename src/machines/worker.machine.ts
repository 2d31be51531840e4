// The worker machine, generated from a compiled WorkerDef: `stopped` or `running`; while running it
// asks the runtime to take items for its free slots and tracks the pipelines it dispatched.

import type { SnapshotFrom } from 'xstate';
import type { WorkerDef } from '../runbook/index.js';
import { WORKER_MACHINE_ID } from './worker.context.js';
import { setupWorker } from './worker.setup.js';

/**
 * Builds the worker machine for a compiled definition. Pure: its actions only assign context and
 * emit `{ type: 'effect', effect }` (`take`). Events that do not apply take no transition.
 */
export function createWorkerMachine(def: WorkerDef) {
  return setupWorker(def).createMachine({
    id: WORKER_MACHINE_ID,
    initial: 'stopped',
    meta: { concurrency: def.concurrency },
    context: { active: {}, wakeAt: null, startedAt: null, stoppedAt: null, takes: 0 },
    states: {
      // A second `worker.start` while running is ignored: it must not take twice.
      stopped: {
        on: {
          'worker.start': { target: 'running', actions: ['begin', 'requestTake'] },
          'worker.finished': { guard: 'isActive', actions: 'finish' },
        },
      },
      running: {
        on: {
          'worker.stop': { target: 'stopped', actions: 'halt' },
          'worker.wake': { actions: 'requestTake' },
          'worker.dispatched': { guard: 'canDispatch', actions: 'dispatch' },
          'worker.finished': { guard: 'isActive', actions: ['finish', 'requestTake'] },
          // `stop` waits for the last pipeline: one that fails with `requeue` puts its item back,
          // and the take after it finishes is what finds the queue empty and stops the worker.
          'worker.idle':
            def.idleAction.kind === 'wait'
              ? { actions: 'scheduleWake' }
              : { guard: 'hasNoActive', target: 'stopped', actions: 'halt' },
          deadline: { guard: 'isWakeDue', actions: 'requestTake' },
        },
      },
    },
  });
}

export type WorkerMachine = ReturnType<typeof createWorkerMachine>;
export type WorkerSnapshot = SnapshotFrom<WorkerMachine>;
