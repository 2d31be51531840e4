// The guard machine's named actions and guards, closed over the GuardDef; guard.machine.ts
// generates the config that references them.

import { assign, enqueueActions, setup } from 'xstate';
import type { GuardDef } from '../runbook/index.js';
import { TIMEOUT_DEADLINE_ID, toRetryDeadlineId } from './guard.context.js';
import type { GuardContext, GuardEffectEmitted, GuardEvent, GuardInput } from './guard.context.js';

export function setupGuard(def: GuardDef) {
  const polls = def.wakeOn.length === 0;
  const maxTries = def.retry.max + 1;
  return setup({
    types: {
      context: {} as GuardContext & { id: string },
      events: {} as GuardEvent,
      input: {} as GuardInput,
      emitted: {} as GuardEffectEmitted,
    },
    actions: {
      evaluate: enqueueActions(({ context, enqueue }) => {
        const n = context.tries + 1;
        enqueue.assign({ tries: n, retryAt: null });
        enqueue.emit({
          type: 'effect',
          effect: { kind: 'evalCondition', id: `${context.id}:try:${n}`, try: n },
        });
      }),
      noteFailure: assign(({ event }) =>
        event.type === 'guard.result' ? { lastError: event.error ?? 'failed' } : {},
      ),
      scheduleRetry: assign(({ event }) =>
        polls ? { retryAt: event.at + def.retry.intervalMs } : {},
      ),
      exhausted: assign(({ context }) => ({
        retryAt: null,
        outcome: `not met after ${context.tries} ${context.tries === 1 ? 'try' : 'tries'}`,
      })),
      timedOut: assign({ retryAt: null, outcome: 'timed out' }),
      cancelled: assign({ retryAt: null, outcome: 'cancelled' }),
      met: assign({ retryAt: null, outcome: null }),
    },
    guards: {
      isMet: ({ event }) => event.type === 'guard.result' && event.met,
      // Polling stops after retry.max retries, or when the next try would come after the timeout.
      isExhausted: ({ context, event }) =>
        polls &&
        (context.tries >= maxTries ||
          (context.timeoutAt !== null && event.at + def.retry.intervalMs > context.timeoutAt)),
      isRetryDue: ({ context, event }) =>
        event.type === 'deadline' &&
        context.retryAt !== null &&
        event.id === toRetryDeadlineId(context.retryAt),
      isTimeoutDue: ({ context, event }) =>
        event.type === 'deadline' &&
        event.id === TIMEOUT_DEADLINE_ID &&
        context.timeoutAt !== null &&
        event.at >= context.timeoutAt,
      wakes: () => !polls,
    },
  });
}
