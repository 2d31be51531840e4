// The strategy machine's named actions and guards, closed over the StrategyDef; strategy.machine.ts
// generates the config that references them. Every rule about which effect runs lives here.

import { assign, enqueueActions, setup } from 'xstate';
import type { AttemptDef, StrategyDef } from '../runbook/index.js';
import {
  toAttemptDeadlineId,
  toAttemptEffectId,
  toCancelEffectId,
  toCheckpointEffectId,
  toRollbackEffectId,
} from './strategy.context.js';
import type {
  StrategyContext,
  StrategyEffect,
  StrategyEffectEmitted,
  StrategyEvent,
  StrategyInput,
} from './strategy.context.js';

/** Which attempt an action or state is about: its index in `def.attempts`. */
export interface AttemptParams {
  index: number;
}

/** The time of `event`; the init event that enters the first state carries none: use the start. */
function timeOf(context: StrategyContext, event: { at?: unknown }): number {
  return typeof event.at === 'number' ? event.at : context.startedAt;
}

/** The checkpoint output as text: executors hand over stdout, possibly already parsed as JSON. */
export function toCheckpointText(output: unknown): string {
  if (output === undefined || output === null) return '';
  return (typeof output === 'string' ? output : JSON.stringify(output)).trim();
}

/** The implementations, closed over `def`; the generated config references them by name. */
export function setupStrategy(def: StrategyDef) {
  const attemptAt = (index: number): AttemptDef => {
    const attempt = def.attempts[index];
    if (attempt === undefined) throw new RangeError(`no attempt ${index} in "${def.qualified}"`);
    return attempt;
  };
  const named = (index: number) =>
    `strategy "${def.qualified}" attempt "${attemptAt(index).name}" (${index + 1} of ${def.attempts.length})`;
  const effect = (effect: StrategyEffect): StrategyEffectEmitted => ({ type: 'effect', effect });
  const settled = { inflight: null, deadline: null };

  return setup({
    types: {
      context: {} as StrategyContext,
      events: {} as StrategyEvent,
      input: {} as StrategyInput,
      emitted: {} as StrategyEffectEmitted,
    },
    actions: {
      startCheckpoint: enqueueActions(({ context, enqueue }) => {
        const id = toCheckpointEffectId(context.id);
        enqueue.assign({ inflight: id });
        const { pipeline, phase } = context;
        enqueue.emit(effect({ kind: 'shell', id, pipeline, phase, script: def.checkpoint ?? '' }));
      }),
      recordCheckpoint: assign(({ event }) => ({
        ...settled,
        checkpoint: event.type === 'effect.done' ? toCheckpointText(event.output) : '',
      })),
      failCheckpoint: assign(({ context, event }) => ({
        ...settled,
        errors: [
          ...context.errors,
          `strategy "${def.qualified}" checkpoint failed: ${event.type === 'effect.failed' ? event.error : 'unknown'}`,
        ],
      })),
      startAttempt: enqueueActions(({ context, event, enqueue }, { index }: AttemptParams) => {
        const attempt = attemptAt(index);
        const id = toAttemptEffectId(context.id, index);
        const { pipeline, phase } = context;
        const at = timeOf(context, event);
        const deadline =
          attempt.timeoutMs === undefined
            ? null
            : { id: toAttemptDeadlineId(context.id, index), at: at + attempt.timeoutMs };
        enqueue.assign({ attempt: index, inflight: id, deadline });
        if (attempt.agent !== undefined) {
          const agent = attempt.agent;
          enqueue.emit(effect({ kind: 'spawnAgent', id, pipeline, phase, agent, epoch: index }));
          return;
        }
        const script = attempt.run ?? '';
        const timeout = attempt.timeoutMs === undefined ? {} : { timeoutMs: attempt.timeoutMs };
        enqueue.emit(effect({ kind: 'shell', id, pipeline, phase, script, ...timeout }));
      }),
      recordWinner: assign(({ context }) => ({
        ...settled,
        winner: attemptAt(context.attempt).name,
      })),
      failAttempt: assign(({ context, event }) => ({
        ...settled,
        errors: [
          ...context.errors,
          `${named(context.attempt)} failed: ${event.type === 'effect.failed' ? event.error : 'unknown'}`,
        ],
      })),
      timeOutAttempt: assign(({ context }) => ({
        ...settled,
        errors: [
          ...context.errors,
          `${named(context.attempt)} timed out after ${attemptAt(context.attempt).timeoutMs} ms`,
        ],
      })),
      // Runs before the context forgets the in-flight id, so the executor knows what to stop.
      cancelInflight: enqueueActions(({ context, enqueue }) => {
        if (context.inflight === null) return;
        const target = context.inflight;
        const { pipeline } = context;
        enqueue.emit(
          effect({ kind: 'cancelEffect', id: toCancelEffectId(target), pipeline, target }),
        );
      }),
      // The raw script goes out: the executor interpolates `{checkpoint}` from `vars`.
      startRollback: enqueueActions(({ context, enqueue }, { index }: AttemptParams) => {
        const id = toRollbackEffectId(context.id, index);
        const { pipeline, phase, checkpoint } = context;
        const script = attemptAt(index).rollback ?? '';
        const vars = checkpoint === null ? {} : { vars: { checkpoint } };
        enqueue.assign({ inflight: id });
        enqueue.emit(effect({ kind: 'shell', id, pipeline, phase, script, ...vars }));
      }),
      settleRollback: assign(settled),
      // A failed rollback is worth knowing about but does not stop the chain: the next attempt
      // is still the best chance of success.
      failRollback: assign(({ context, event }) => ({
        ...settled,
        errors: [
          ...context.errors,
          `rollback of ${named(context.attempt)} failed: ${event.type === 'effect.failed' ? event.error : 'unknown'}`,
        ],
      })),
      finish: assign(({ event }) => ({ ...settled, endedAt: event.at })),
      exhaust: assign({ onExhaust: () => def.onExhaust.map((step) => ({ ...step })) }),
    },
    guards: {
      // Only the one effect in flight counts: a late result of an earlier step is stale.
      isInflight: ({ context, event }) =>
        (event.type === 'effect.done' || event.type === 'effect.failed') &&
        context.inflight !== null &&
        event.id === context.inflight,
      // The id names the attempt, so an earlier attempt's timer never ends this one.
      isDeadlineDue: ({ context, event }) =>
        event.type === 'deadline' &&
        context.deadline !== null &&
        event.id === context.deadline.id &&
        event.at >= context.deadline.at,
    },
  });
}
