// The cron machine's named actions and guards, closed over the CronDef; cron.machine.ts generates
// the config that references them.

import { assign, enqueueActions, setup } from 'xstate';
import type { CronDef } from '../runbook/index.js';
import {
  nextTick,
  parseCronReport,
  recordAttempts,
  toCronRunId,
  toTickDeadlineId,
} from './cron.context.js';
import type { CronContext, CronEffectEmitted, CronEvent } from './cron.context.js';

export function setupCron(def: CronDef) {
  return setup({
    types: {
      context: {} as CronContext,
      events: {} as CronEvent,
      emitted: {} as CronEffectEmitted,
    },
    actions: {
      enable: assign(({ event }) => ({ enabled: true, nextAt: event.at + def.intervalMs })),
      disable: assign({ enabled: false, nextAt: null }),
      start: enqueueActions(({ context, event, enqueue }) => {
        const id = toCronRunId(def.qualified, context.runs);
        enqueue.assign({ current: id, runs: context.runs + 1, lastRunAt: event.at });
        enqueue.emit({ type: 'effect', effect: { kind: 'runCron', id, cron: def.qualified } });
      }),
      // The cadence is kept (ticks at start + k·interval); ticks missed while down are not replayed.
      reschedule: assign(({ context, event }) =>
        context.nextAt === null
          ? {}
          : { nextAt: nextTick(context.nextAt, def.intervalMs, event.at) },
      ),
      skip: assign(({ context }) => ({ skipped: context.skipped + 1 })),
      // A run reports what its monitors attempted and what went wrong, as one JSON document.
      finish: assign(({ context, event }) => {
        const report = parseCronReport(event.type === 'effect.done' ? event.output : undefined);
        const failed = report.errors.length > 0;
        return {
          current: null,
          targets: recordAttempts(context.targets, report.attempts),
          failures: context.failures + (failed ? 1 : 0),
          lastResult: failed ? ('failed' as const) : ('succeeded' as const),
          lastError: failed ? report.errors.join('; ') : null,
        };
      }),
      fail: assign(({ context, event }) => ({
        current: null,
        failures: context.failures + 1,
        lastResult: 'failed' as const,
        lastError: event.type === 'effect.failed' ? (event.error ?? 'failed') : 'failed',
      })),
    },
    guards: {
      isTickDue: ({ context, event }) =>
        event.type === 'deadline' &&
        context.nextAt !== null &&
        event.id === toTickDeadlineId(context.nextAt),
      isCurrent: ({ context, event }) =>
        (event.type === 'effect.done' || event.type === 'effect.failed') &&
        event.id === context.current,
    },
  });
}
