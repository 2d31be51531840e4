// The semaphore machine, generated from a compiled SemaphoreDef: one `open` state whose guarded
// transitions hand out weighted slots up to `max`, first come first served, and reclaim orphans.

import { and } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import type { SemaphoreDef } from '../runbook/index.js';
import { SEMAPHORE_MACHINE_ID } from './semaphore.context.js';
import { setupSemaphore } from './semaphore.setup.js';

/**
 * Builds the semaphore machine for a compiled definition. Pure: its actions only assign context
 * and emit `{ type: 'effect', effect }` (`granted`, `revoked`, `refused`). Whenever units are
 * given back or the line changes, waiters are granted from the head while they fit. Events that do
 * not apply (an unknown or already released grant, an early or unknown deadline) take no
 * transition, so they change nothing and emit nothing.
 */
export function createSemaphoreMachine(def: SemaphoreDef) {
  return setupSemaphore(def).createMachine({
    id: SEMAPHORE_MACHINE_ID,
    initial: 'open',
    context: { holders: {}, waiters: [], generation: 0 },
    states: {
      open: {
        on: {
          'semaphore.acquire': [
            { guard: and(['isNewGrant', 'isRefused']), actions: 'refuseRequest' },
            { guard: 'isNewGrant', actions: ['enqueueWaiter', 'grantWaiters'] },
          ],
          'semaphore.release': [
            { guard: 'isHolderGrant', actions: ['releaseHolder', 'grantWaiters'] },
            // A heavy head that withdraws may unblock lighter waiters behind it.
            { guard: 'isWaiterGrant', actions: ['withdrawWaiter', 'grantWaiters'] },
          ],
          'semaphore.heartbeat': { guard: 'isHolderGrant', actions: 'refreshHeartbeat' },
          deadline: { guard: 'isOrphanDue', actions: ['reclaimOrphan', 'grantWaiters'] },
        },
      },
    },
  });
}

export type SemaphoreMachine = ReturnType<typeof createSemaphoreMachine>;
export type SemaphoreSnapshot = SnapshotFrom<SemaphoreMachine>;
