// The guard machine, generated from a compiled GuardDef: evaluate the condition; if unmet, wait —
// for the retry interval (polling) or for a `wake_on` event — and evaluate again, until it is met,
// its tries are used up, or its timeout passes.

import type { SnapshotFrom } from 'xstate';
import type { GuardDef } from '../runbook/index.js';
import { GUARD_MACHINE_ID } from './guard.context.js';
import { setupGuard } from './guard.setup.js';

export function createGuardMachine(def: GuardDef) {
  return setupGuard(def).createMachine({
    id: GUARD_MACHINE_ID,
    initial: 'evaluating',
    context: ({ input }) => ({
      id: input.id,
      tries: 0,
      retryAt: null,
      timeoutAt: def.timeoutMs === undefined ? null : input.at + def.timeoutMs,
      lastError: null,
      outcome: null,
    }),
    on: {
      'guard.cancel': { target: '.cancelled', actions: 'cancelled' },
    },
    states: {
      evaluating: {
        entry: 'evaluate',
        on: {
          'guard.result': [
            { guard: 'isMet', target: 'met', actions: 'met' },
            { guard: 'isExhausted', target: 'failed', actions: ['noteFailure', 'exhausted'] },
            { target: 'waiting', actions: ['noteFailure', 'scheduleRetry'] },
          ],
          // The timeout ends an evaluation that hangs, too.
          deadline: { guard: 'isTimeoutDue', target: 'failed', actions: 'timedOut' },
        },
      },
      waiting: {
        on: {
          deadline: [
            { guard: 'isTimeoutDue', target: 'failed', actions: 'timedOut' },
            { guard: 'isRetryDue', target: 'evaluating' },
          ],
          'guard.wake': { guard: 'wakes', target: 'evaluating' },
        },
      },
      met: { type: 'final' },
      failed: { type: 'final' },
      cancelled: { type: 'final' },
    },
  });
}

export type GuardMachine = ReturnType<typeof createGuardMachine>;
export type GuardSnapshot = SnapshotFrom<GuardMachine>;
