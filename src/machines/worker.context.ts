// The worker machine's data: its persisted context (the pipelines it runs), the events it accepts,
// the `take` effect it emits, and the pure selectors the runtime reads it with.

import type { StateValue } from 'xstate';
import type { Deadline } from './pipeline.context.js';

/** The machine id; its states are `worker.stopped` and `worker.running`. */
export const WORKER_MACHINE_ID = 'worker';

/** The persisted context: JSON-serialisable, everything the machine needs after a restart. */
export interface WorkerContext {
  /** The pipelines this worker dispatched that have not finished, with the item each works on. */
  active: Record<string, string>;
  /** When an idle worker looks at its queue again (`idle_action = "wait:…"`); null otherwise. */
  wakeAt: number | null;
  startedAt: number | null;
  /** When the worker last stopped; null while it runs. */
  stoppedAt: number | null;
  /** How many `take` effects it emitted: part of each take's id, so no two ids collide. */
  takes: number;
}

/**
 * What the selectors need from the definition, kept as the machine's root `meta` rather than in
 * context: the runtime rebuilds a worker whose runbook changed from its snapshot, and a copy in
 * context would keep the old setting.
 */
export interface WorkerMeta {
  concurrency: number;
}

export const WORKER_EVENT_TYPES = [
  'worker.start',
  'worker.stop',
  'worker.wake',
  'worker.dispatched',
  'worker.finished',
  'worker.idle',
  'deadline',
] as const;
export type WorkerEventType = (typeof WORKER_EVENT_TYPES)[number];

/** Every event carries `at` (epoch ms): machines never read a clock. */
export type WorkerEvent =
  | { type: 'worker.start'; at: number }
  | { type: 'worker.stop'; at: number }
  | { type: 'worker.wake'; at: number }
  | { type: 'worker.dispatched'; at: number; pipeline: string; item: string }
  | { type: 'worker.finished'; at: number; pipeline: string }
  | { type: 'worker.idle'; at: number }
  | { type: 'deadline'; at: number; id: string };

/**
 * Take up to `count` takeable items from `queue` and start a pipeline for each; the runtime answers
 * with `worker.dispatched` per item taken, or `worker.idle` when there was none.
 */
export interface TakeEffect {
  kind: 'take';
  id: string;
  worker: string;
  queue: string;
  count: number;
}

export type WorkerEffect = TakeEffect;

/** What the worker machine `emit()`s; the runtime listens with `actor.on('effect', …)`. */
export interface WorkerEffectEmitted {
  type: 'effect';
  effect: WorkerEffect;
}

/** The id of an idle worker's wake-up deadline; a new wait gets a new id. */
export function toWakeDeadlineId(wakeAt: number): string {
  return `wake:${wakeAt}`;
}

/** A take's id: the spec'd `take:<worker>:<at>`, plus the take count (two takes may share `at`). */
export function toTakeId(worker: string, at: number, takes: number): string {
  return `take:${worker}:${at}:${takes}`;
}

/** Slots left under `concurrency`; never negative (a rebuilt worker may have lowered it). */
export function countFreeSlots(context: WorkerContext, concurrency: number): number {
  return Math.max(0, concurrency - Object.keys(context.active).length);
}

/**
 * How many more pipelines the worker may start now: none while stopped. Takes a live snapshot
 * (from an actor or `transition()`), which can read the machine's meta. Pure.
 */
export function freeSlots(snapshot: {
  value: StateValue;
  context: WorkerContext;
  getMeta: () => Record<string, WorkerMeta | undefined>;
}): number {
  if (snapshot.value !== 'running') return 0;
  const concurrency = snapshot.getMeta()[WORKER_MACHINE_ID]?.concurrency ?? 0;
  return countFreeSlots(snapshot.context, concurrency);
}

/** The timers the runtime arms for this worker: the idle wake-up, if one is set. Pure. */
export function workerDeadlines(snapshot: { context: WorkerContext }): Deadline[] {
  const { wakeAt } = snapshot.context;
  return wakeAt === null ? [] : [{ id: toWakeDeadlineId(wakeAt), at: wakeAt }];
}

/** The worker effects among the actions of a pure `transition()`, in order. Executes nothing. */
export function collectWorkerEffects(
  actions: ReadonlyArray<{ type: string; params?: unknown }>,
): WorkerEffect[] {
  const effects: WorkerEffect[] = [];
  for (const action of actions) {
    if (action.type !== 'xstate.emit') continue;
    const emitted = (action.params as { event?: Partial<WorkerEffectEmitted> } | undefined)?.event;
    if (emitted?.type === 'effect' && emitted.effect !== undefined) effects.push(emitted.effect);
  }
  return effects;
}
