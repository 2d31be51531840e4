// The cron machine, generated from a compiled CronDef: `idle` or `running` one run at a time. Its
// schedule is a deadline in context, so the next tick survives a daemon restart.

import type { SnapshotFrom } from 'xstate';
import type { CronDef } from '../runbook/index.js';
import { CRON_MACHINE_ID } from './cron.context.js';
import { setupCron } from './cron.setup.js';

/** Builds the cron machine. Pure: actions assign context and emit `runCron` effects. */
export function createCronMachine(def: CronDef) {
  return setupCron(def).createMachine({
    id: CRON_MACHINE_ID,
    initial: 'idle',
    context: {
      enabled: false,
      nextAt: null,
      current: null,
      runs: 0,
      failures: 0,
      skipped: 0,
      lastRunAt: null,
      lastResult: null,
      lastError: null,
      targets: {},
    },
    on: {
      'cron.enable': { guard: ({ context }) => !context.enabled, actions: 'enable' },
      'cron.disable': { actions: 'disable' },
    },
    states: {
      idle: {
        on: {
          'cron.once': { target: 'running', actions: 'start' },
          deadline: { guard: 'isTickDue', target: 'running', actions: ['reschedule', 'start'] },
        },
      },
      // A tick that comes due mid-run is counted and skipped: a cron never overlaps itself.
      running: {
        on: {
          deadline: { guard: 'isTickDue', actions: ['reschedule', 'skip'] },
          'effect.done': { guard: 'isCurrent', target: 'idle', actions: 'finish' },
          'effect.failed': { guard: 'isCurrent', target: 'idle', actions: 'fail' },
        },
      },
    },
  });
}

export type CronMachine = ReturnType<typeof createCronMachine>;
export type CronSnapshot = SnapshotFrom<CronMachine>;
