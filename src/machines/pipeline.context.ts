// The pipeline machine's data: its persisted context, the events it accepts, the statuses users
// see, and the pure helpers that derive effect ids, failure messages and the status from them.

import type { StateValue } from 'xstate';
import type { EffectKind } from './effects.js';

/** The steps of one phase visit, in the order they run. */
export const PHASE_STEPS = ['lock', 'semaphore', 'pre', 'work', 'post'] as const;
export type PhaseStep = (typeof PHASE_STEPS)[number];

/** The single effect a pipeline is waiting on. `index` numbers the guards of a pre/post step. */
export interface InflightEffect {
  id: string;
  kind: EffectKind;
  phase: string;
  step: PhaseStep;
  index: number;
}

/** A phase timeout; the runtime arms a timer from it and sends `deadline` with the same id. */
export interface Deadline {
  id: string;
  at: number;
}

/** A lock or semaphore grant the current phase holds; `grant` is the acquire effect's id. */
export type HeldResource =
  | { kind: 'lock'; name: string; grant: string }
  | { kind: 'semaphore'; name: string; weight: number; grant: string };

export const PHASE_OUTCOMES = ['done', 'failed', 'timed_out', 'cancelled', 'interrupted'] as const;
export type PhaseOutcome = (typeof PHASE_OUTCOMES)[number];

/** One phase visit; `history` keeps the last HISTORY_LIMIT of them. */
export interface PhaseVisit {
  phase: string;
  visit: number;
  enteredAt: number;
  endedAt?: number;
  outcome?: PhaseOutcome;
}

/** What the worker should do with a failed pipeline's queue item (set by `requeue`/`dead`). */
export type Disposition = 'requeue' | 'dead';

/** The persisted context: JSON-serialisable, everything the machine needs after a restart. */
export interface PipelineContext {
  id: string;
  inputs: Record<string, string>;
  vars: Record<string, string>;
  /** The current phase, or the last one once the pipeline stopped; null before start. */
  phase: string | null;
  visits: Record<string, number>;
  restarts: Record<string, number>;
  inflight: InflightEffect | null;
  deadline: Deadline | null;
  held: HeldResource[];
  /** Why the in-flight effect is waiting (an unmet guard the executor retries), if it is. */
  waitingFor: string | null;
  /** Why the phase's agent waits for a human decision (status `escalated`); absent in old snapshots. */
  escalatedFor?: string | null;
  /** The failure that put the pipeline where it is; cleared by resume/transition. */
  error: string | null;
  disposition: Disposition | null;
  cancelReason: string | null;
  history: PhaseVisit[];
  startedAt: number | null;
  endedAt: number | null;
}

export interface PipelineInput {
  id: string;
  inputs?: Record<string, string>;
}

export const PIPELINE_EVENT_TYPES = [
  'pipeline.start',
  'pipeline.cancel',
  'pipeline.transition',
  'pipeline.resume',
  'effect.done',
  'effect.failed',
  'effect.progress',
  'deadline',
] as const;
export type PipelineEventType = (typeof PIPELINE_EVENT_TYPES)[number];

/** Every event carries `at` (epoch ms): machines never read a clock. */
export type PipelineEvent =
  | {
      type: 'pipeline.start';
      at: number;
      inputs: Record<string, string>;
      vars?: Record<string, string>;
    }
  | { type: 'pipeline.cancel'; at: number; reason?: string }
  | { type: 'pipeline.transition'; at: number; phase: string }
  | { type: 'pipeline.resume'; at: number }
  | { type: 'effect.done'; id: string; at: number; output?: unknown }
  | {
      type: 'effect.failed';
      id: string;
      at: number;
      error: string;
      exitCode?: number;
      /** A strategy's `on_exhaust` step, applied instead of the phase's own `on_fail`. */
      recovery?: 'escalate' | 'abandon' | 'requeue' | 'dead';
    }
  | {
      type: 'effect.progress';
      id: string;
      at: number;
      waiting: boolean;
      reason?: string;
      escalated?: boolean;
    }
  | { type: 'deadline'; id: string; at: number };

export const PIPELINE_STATUSES = [
  'pending',
  'running',
  'waiting',
  'escalated',
  'done',
  'failed',
  'cancelled',
] as const;
export type PipelineStatus = (typeof PIPELINE_STATUSES)[number];

const HISTORY_LIMIT = 100; // entries; context is persisted on every event, so it must stay small

/** The id of the effect a step starts: unique per pipeline, phase visit, step and guard index. */
export function toStepEffectId(
  pipeline: string,
  phase: string,
  visit: number,
  step: PhaseStep,
  index: number,
): string {
  const suffix = step === 'pre' || step === 'post' ? `${step}${index}` : step;
  return `${pipeline}:${phase}:${visit}:${suffix}`;
}

export function toDeadlineId(pipeline: string, phase: string, visit: number): string {
  return `${pipeline}:${phase}:${visit}:deadline`;
}

/** Appends a visit, dropping the oldest beyond HISTORY_LIMIT. Pure. */
export function appendVisit(history: readonly PhaseVisit[], visit: PhaseVisit): PhaseVisit[] {
  return [...history, visit].slice(-HISTORY_LIMIT);
}

/** Closes the latest visit of `phase` with its end time and outcome. Pure. */
export function closeVisit(
  history: readonly PhaseVisit[],
  phase: string,
  endedAt: number,
  outcome: PhaseOutcome,
): PhaseVisit[] {
  const last = history.at(-1);
  if (last === undefined || last.phase !== phase || last.outcome !== undefined) return [...history];
  return [...history.slice(0, -1), { ...last, endedAt, outcome }];
}

/** How a phase ends, judged by the event that makes it end. */
export function toPhaseOutcome(event: PipelineEvent): PhaseOutcome {
  switch (event.type) {
    case 'effect.done':
      return 'done';
    case 'effect.failed':
      return 'failed';
    case 'deadline':
      return 'timed_out';
    case 'pipeline.cancel':
      return 'cancelled';
    default:
      return 'interrupted';
  }
}

/** The failure message for an in-flight effect that reported failure. */
export function describeStepFailure(
  inflight: InflightEffect,
  name: string,
  error: string,
  exitCode: number | undefined,
): string {
  const code = exitCode === undefined ? '' : ` (exit code ${exitCode})`;
  switch (inflight.step) {
    case 'lock':
      return `phase "${inflight.phase}" could not acquire lock "${name}": ${error}`;
    case 'semaphore':
      return `phase "${inflight.phase}" could not acquire semaphore "${name}": ${error}`;
    case 'pre':
    case 'post':
      return `${inflight.step} guard "${name}" of phase "${inflight.phase}" failed: ${error}${code}`;
    case 'work':
      return `phase "${inflight.phase}" failed: ${error}${code}`;
  }
}

export function describeVisitLimit(phase: string, visits: number, limit: number): string {
  return (
    `phase "${phase}" was entered ${visits} times (limit ${limit}): the pipeline is looping; ` +
    'raise max_visits or fix the next/on_fail routing'
  );
}

/** The top-level state name of a pipeline snapshot's value. */
function topState(value: StateValue): string {
  return typeof value === 'string' ? value : (Object.keys(value)[0] ?? '');
}

/**
 * The status users see (DESIGN.md §4), derived from a live or persisted snapshot. Pure.
 * A running pipeline is `waiting` while it acquires a lock/semaphore or a guard is unmet.
 */
export function toPipelineStatus(snapshot: {
  value: StateValue;
  context: PipelineContext;
}): PipelineStatus {
  const state = topState(snapshot.value);
  switch (state) {
    case 'pending':
    case 'escalated':
    case 'done':
    case 'failed':
    case 'cancelled':
      return state;
    default: {
      const { inflight, waitingFor, escalatedFor } = snapshot.context;
      if (escalatedFor) return 'escalated';
      const acquiring = inflight?.step === 'lock' || inflight?.step === 'semaphore';
      return acquiring || waitingFor !== null ? 'waiting' : 'running';
    }
  }
}
