// The strategy machine, generated from a compiled StrategyDef: one run of its fallback chain, from
// the checkpoint through each attempt (and its rollback) until one succeeds or all are exhausted.

import type { SnapshotFrom } from 'xstate';
import { OjError } from '../errors/index.js';
import type { StrategyDef } from '../runbook/index.js';
import { STRATEGY_MACHINE_ID } from './strategy.context.js';
import { setupStrategy } from './strategy.setup.js';

const toAttemptState = (index: number) => `attempt${index}`;
const toRollbackState = (index: number) => `rollback${index}`;

/** A cancel stops the in-flight effect first: the run ends without waiting for it. */
const CANCEL = { target: 'cancelled', actions: 'cancelInflight' } as const;

/**
 * Builds the machine for one run of a compiled strategy; its input is a `StrategyInput`. Pure: its
 * actions only assign context and emit `{ type: 'effect', effect }` (`shell`, `spawnAgent`,
 * `cancelEffect`), one effect in flight at a time. A failed or timed-out attempt with a rollback
 * always runs the rollback before the next attempt. Events for any effect but the one in flight,
 * and deadlines that are early or not the running attempt's, take no transition.
 */
export function createStrategyMachine(def: StrategyDef) {
  const last = def.attempts.length - 1;
  if (last < 0) {
    throw new OjError(
      'strategy_without_attempts',
      `strategy "${def.qualified}" has no attempts: declare at least one [[strategy.${def.name}.attempt]]`,
    );
  }
  /** Where the chain goes once attempt `index` and its rollback (if any) are over. */
  const afterRollback = (index: number) =>
    index === last ? 'exhausted' : toAttemptState(index + 1);
  const afterFailure = (index: number) =>
    def.attempts[index]?.rollback === undefined ? afterRollback(index) : toRollbackState(index);

  const states: Record<string, object> = {};
  if (def.checkpoint !== undefined) {
    states['checkpoint'] = {
      entry: 'startCheckpoint',
      on: {
        'effect.done': {
          guard: 'isInflight',
          target: toAttemptState(0),
          actions: 'recordCheckpoint',
        },
        // Without a checkpoint no rollback could restore anything: trying would be unsafe.
        'effect.failed': { guard: 'isInflight', target: 'exhausted', actions: 'failCheckpoint' },
        'strategy.cancel': CANCEL,
      },
    };
  }
  def.attempts.forEach((attempt, index) => {
    const params = { index };
    states[toAttemptState(index)] = {
      entry: { type: 'startAttempt', params },
      on: {
        'effect.done': { guard: 'isInflight', target: 'succeeded', actions: 'recordWinner' },
        'effect.failed': {
          guard: 'isInflight',
          target: afterFailure(index),
          actions: 'failAttempt',
        },
        // Only a timed attempt has a timer to fire.
        ...(attempt.timeoutMs === undefined
          ? {}
          : {
              deadline: {
                guard: 'isDeadlineDue',
                target: afterFailure(index),
                actions: ['cancelInflight', 'timeOutAttempt'],
              },
            }),
        'strategy.cancel': CANCEL,
      },
    };
    if (attempt.rollback === undefined) return;
    states[toRollbackState(index)] = {
      entry: { type: 'startRollback', params },
      on: {
        'effect.done': {
          guard: 'isInflight',
          target: afterRollback(index),
          actions: 'settleRollback',
        },
        'effect.failed': {
          guard: 'isInflight',
          target: afterRollback(index),
          actions: 'failRollback',
        },
        'strategy.cancel': CANCEL,
      },
    };
  });

  return setupStrategy(def).createMachine({
    id: STRATEGY_MACHINE_ID,
    initial: def.checkpoint === undefined ? toAttemptState(0) : 'checkpoint',
    context: ({ input }) => ({
      id: input.id,
      pipeline: input.pipeline,
      phase: input.phase ?? null,
      checkpoint: null,
      attempt: 0,
      inflight: null,
      deadline: null,
      errors: [],
      winner: null,
      onExhaust: null,
      startedAt: input.at,
      endedAt: null,
    }),
    states: {
      ...states,
      succeeded: { type: 'final', entry: 'finish' },
      exhausted: { type: 'final', entry: ['finish', 'exhaust'] },
      cancelled: { type: 'final', entry: 'finish' },
    },
  });
}

export type StrategyMachine = ReturnType<typeof createStrategyMachine>;
export type StrategySnapshot = SnapshotFrom<StrategyMachine>;
