// The lock machine, generated from a compiled LockDef: `free` or `held` by one grant, with a FIFO
// line of waiters; a stale holder (missed heartbeats, timeout) is reclaimed by its deadline.

import { and } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import type { LockDef } from '../runbook/index.js';
import { LOCK_MACHINE_ID } from './lock.context.js';
import { setupLock } from './lock.setup.js';

/**
 * Builds the lock machine for a compiled definition. Pure: its actions only assign context and
 * emit `{ type: 'effect', effect }` (`granted`, `revoked`). Whenever the lock is given back —
 * released, force-released or reclaimed — the first waiter gets it in the same step. Events that
 * do not apply (an unknown or reclaimed grant, an early or older-epoch deadline) take no
 * transition, so they change nothing and emit nothing.
 */
export function createLockMachine(def: LockDef) {
  return setupLock(def).createMachine({
    id: LOCK_MACHINE_ID,
    initial: 'free',
    context: { holder: null, waiters: [], epoch: 0, staleAt: null },
    states: {
      free: {
        on: {
          'lock.acquire': { guard: 'isNewGrant', target: 'held', actions: 'grantRequest' },
        },
      },
      held: {
        on: {
          'lock.acquire': { guard: 'isNewGrant', actions: 'enqueueWaiter' },
          'lock.release': [
            {
              guard: and(['isHolderGrant', 'hasWaiters']),
              actions: ['releaseHolder', 'grantNextWaiter'],
            },
            { guard: 'isHolderGrant', target: 'free', actions: 'releaseHolder' },
            { guard: 'isWaiterGrant', actions: 'withdrawWaiter' },
          ],
          'lock.heartbeat': { guard: 'isHolderGrant', actions: 'refreshHeartbeat' },
          'lock.force_release': [
            { guard: 'hasWaiters', actions: ['revokeHolder', 'grantNextWaiter'] },
            { target: 'free', actions: 'revokeHolder' },
          ],
          deadline: [
            {
              guard: and(['isStaleDue', 'hasWaiters']),
              actions: ['revokeHolder', 'grantNextWaiter'],
            },
            { guard: 'isStaleDue', target: 'free', actions: 'revokeHolder' },
          ],
        },
      },
    },
  });
}

export type LockMachine = ReturnType<typeof createLockMachine>;
export type LockSnapshot = SnapshotFrom<LockMachine>;
