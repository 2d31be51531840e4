// The guard machine's data: a guard evaluation's persisted context (tries, when to try again, when
// it times out), the events it accepts, the `evalCondition` effect it emits, and selectors.

import type { Deadline } from './pipeline.context.js';

export const GUARD_MACHINE_ID = 'guard';

export interface GuardContext {
  /** How many times the condition was evaluated. */
  tries: number;
  /** When a polling guard evaluates again; null while evaluating or waiting for an event. */
  retryAt: number | null;
  /** When the guard gives up (`timeout`); null without one. */
  timeoutAt: number | null;
  /** The last evaluation's failure, for the waiting reason and the final error. */
  lastError: string | null;
  /** Why it ended unmet (`not met after 3 tries`, `timed out`…); null otherwise. */
  outcome: string | null;
}

export interface GuardInput {
  /** The evaluation's id (the pipeline's `evalGuard` effect id): part of each try's id. */
  id: string;
  at: number;
}

export type GuardEvent =
  | { type: 'guard.result'; at: number; met: boolean; error?: string }
  | { type: 'guard.wake'; at: number }
  | { type: 'deadline'; at: number; id: string }
  | { type: 'guard.cancel'; at: number };

export const GUARD_EVENT_TYPES = [
  'guard.result',
  'guard.wake',
  'deadline',
  'guard.cancel',
] as const;

/** Evaluate the condition once; answered with `guard.result`. */
export interface EvalConditionEffect {
  kind: 'evalCondition';
  id: string;
  try: number;
}

export interface GuardEffectEmitted {
  type: 'effect';
  effect: EvalConditionEffect;
}

export function toRetryDeadlineId(at: number): string {
  return `retry:${at}`;
}

export const TIMEOUT_DEADLINE_ID = 'timeout';

/** The live deadlines of a guard snapshot: its next try (polling) and its timeout. */
export function guardDeadlines(snapshot: { status: string; context: GuardContext }): Deadline[] {
  if (snapshot.status !== 'active') return [];
  const { retryAt, timeoutAt } = snapshot.context;
  const out: Deadline[] = [];
  if (retryAt !== null) out.push({ id: toRetryDeadlineId(retryAt), at: retryAt });
  if (timeoutAt !== null) out.push({ id: TIMEOUT_DEADLINE_ID, at: timeoutAt });
  return out;
}

export type GuardOutcome = 'evaluating' | 'waiting' | 'met' | 'failed' | 'cancelled';

export function guardOutcome(snapshot: { value: unknown }): GuardOutcome {
  return snapshot.value as GuardOutcome;
}
