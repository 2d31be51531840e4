// The strategy machine's data: its persisted context (which attempt runs, what failed), the events
// it accepts, the shell/agent/cancel effects it emits, the derived effect ids and pure selectors.

import type { RecoveryStep } from '../runbook/index.js';
import type { CancelEffect, ShellEffect, SpawnAgentEffect } from './effects.js';
import type { Deadline } from './pipeline.context.js';

/** The machine id; its states are `checkpoint`, `attempt<i>`, `rollback<i>` and three final ones. */
export const STRATEGY_MACHINE_ID = 'strategy';

/** Who the run belongs to; `at` is when it starts (epoch ms), since machines never read a clock. */
export interface StrategyInput {
  /** The run id, e.g. the id of the pipeline's `runStrategy` effect; every effect id starts with it. */
  id: string;
  pipeline: string;
  /** The pipeline phase the strategy runs for, copied onto every effect; null when not given. */
  phase?: string | null;
  at: number;
}

/** The persisted context: JSON-serialisable, everything the machine needs after a restart. */
export interface StrategyContext {
  id: string;
  pipeline: string;
  phase: string | null;
  /** The trimmed output of the checkpoint script; null until it ran (or without one). */
  checkpoint: string | null;
  /** The index of the attempt that runs, or ran last. */
  attempt: number;
  /** The id of the single effect the run waits on; null once it is over. */
  inflight: string | null;
  /** The running attempt's timeout, when it has one. */
  deadline: Deadline | null;
  /** One message per failed attempt (and per failed checkpoint or rollback), naming it. */
  errors: string[];
  /** The name of the attempt that succeeded. */
  winner: string | null;
  /** The definition's `on_exhaust` chain, set when every attempt failed: the runtime applies it. */
  onExhaust: RecoveryStep[] | null;
  startedAt: number;
  endedAt: number | null;
}

export const STRATEGY_EVENT_TYPES = [
  'effect.done',
  'effect.failed',
  'deadline',
  'strategy.cancel',
] as const;
export type StrategyEventType = (typeof STRATEGY_EVENT_TYPES)[number];

/** Every event carries `at` (epoch ms): machines never read a clock. */
export type StrategyEvent =
  | { type: 'effect.done'; id: string; at: number; output?: unknown }
  | { type: 'effect.failed'; id: string; at: number; error: string }
  | { type: 'deadline'; id: string; at: number }
  | { type: 'strategy.cancel'; at: number };

/** A checkpoint, attempt or rollback script; a rollback carries `{ checkpoint }` to interpolate. */
export interface StrategyShellEffect extends ShellEffect {
  vars?: Record<string, string>;
}

/** An agent attempt; `epoch` is the attempt index. `phase` is null when the input gave none. */
export type StrategyAgentEffect = Omit<SpawnAgentEffect, 'phase'> & { phase: string | null };

export type StrategyEffect = StrategyShellEffect | StrategyAgentEffect | CancelEffect;

/** What the strategy machine `emit()`s; the runtime listens with `actor.on('effect', …)`. */
export interface StrategyEffectEmitted {
  type: 'effect';
  effect: StrategyEffect;
}

export const STRATEGY_OUTCOMES = ['running', 'succeeded', 'exhausted', 'cancelled'] as const;
export type StrategyOutcome = (typeof STRATEGY_OUTCOMES)[number];

export function toCheckpointEffectId(run: string): string {
  return `${run}:checkpoint`;
}

export function toAttemptEffectId(run: string, index: number): string {
  return `${run}:attempt${index}`;
}

export function toAttemptDeadlineId(run: string, index: number): string {
  return `${toAttemptEffectId(run, index)}:deadline`;
}

export function toRollbackEffectId(run: string, index: number): string {
  return `${run}:rollback${index}`;
}

/** The id of the effect that stops `target`. */
export function toCancelEffectId(target: string): string {
  return `${target}:cancel`;
}

interface StrategySnapshotLike {
  value: unknown;
  context: StrategyContext;
}

/** How the run stands: still running, or the final state it ended in. Pure. */
export function strategyOutcome(snapshot: StrategySnapshotLike): StrategyOutcome {
  const { value } = snapshot;
  return value === 'succeeded' || value === 'exhausted' || value === 'cancelled'
    ? value
    : 'running';
}

/** The timers the runtime arms for this run: the running attempt's timeout, if it has one. Pure. */
export function strategyDeadlines(snapshot: StrategySnapshotLike): Deadline[] {
  return snapshot.context.deadline === null ? [] : [snapshot.context.deadline];
}

/** The strategy effects among the actions of a pure `transition()`, in order. Executes nothing. */
export function collectStrategyEffects(
  actions: ReadonlyArray<{ type: string; params?: unknown }>,
): StrategyEffect[] {
  const effects: StrategyEffect[] = [];
  for (const action of actions) {
    if (action.type !== 'xstate.emit') continue;
    const emitted = (action.params as { event?: Partial<StrategyEffectEmitted> } | undefined)
      ?.event;
    if (emitted?.type === 'effect' && emitted.effect !== undefined) effects.push(emitted.effect);
  }
  return effects;
}
