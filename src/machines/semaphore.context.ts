// The semaphore machine's data: its persisted context (weighted holders, a FIFO line of waiters),
// the events it accepts, the `granted`/`revoked`/`refused` effects it emits and pure selectors.

import type { Deadline } from './pipeline.context.js';

/** The machine id; its one state is `semaphore.open`. */
export const SEMAPHORE_MACHINE_ID = 'semaphore';

/** A granted slot of `weight` units. `generation` is the grant's number: no two slots share one. */
export interface SemaphoreHolder {
  /** The id of the acquire effect that asked for the slot; the holder is filed under it. */
  grant: string;
  /** The pipeline instance the grant belongs to. */
  owner: string;
  weight: number;
  generation: number;
  /** When it was granted (epoch ms). */
  since: number;
  heartbeatAt: number;
  /** When the slot is orphaned (timeout or missed heartbeats); null when unbounded. */
  orphanAt: number | null;
}

export interface SemaphoreWaiter {
  grant: string;
  owner: string;
  weight: number;
  /** When it asked (epoch ms). */
  since: number;
}

/** The persisted context: JSON-serialisable, everything the machine needs after a restart. */
export interface SemaphoreContext {
  holders: Record<string, SemaphoreHolder>;
  /** First come, first served: a waiter that does not fit blocks the lighter ones behind it. */
  waiters: SemaphoreWaiter[];
  /** The generation of the latest grant: it counts every slot ever granted. */
  generation: number;
}

export const SEMAPHORE_EVENT_TYPES = [
  'semaphore.acquire',
  'semaphore.release',
  'semaphore.heartbeat',
  'deadline',
] as const;
export type SemaphoreEventType = (typeof SEMAPHORE_EVENT_TYPES)[number];

/** Every event carries `at` (epoch ms): machines never read a clock. */
export type SemaphoreEvent =
  | { type: 'semaphore.acquire'; at: number; grant: string; owner: string; weight: number }
  | { type: 'semaphore.release'; at: number; grant: string }
  | { type: 'semaphore.heartbeat'; at: number; grant: string }
  | { type: 'deadline'; at: number; id: string };

/** Why a request can never be granted: its weight is not a positive integer, or exceeds `max`. */
export const SEMAPHORE_REFUSE_REASONS = ['invalid_weight', 'over_max'] as const;
export type SemaphoreRefuseReason = (typeof SEMAPHORE_REFUSE_REASONS)[number];

interface SemaphoreEffectBase {
  id: string;
  semaphore: string;
  grant: string;
  /** The pipeline that owns the grant. */
  holder: string;
  weight: number;
}

/** The slot is `holder`'s now: the runtime completes the acquire effect `grant`. */
export interface SemaphoreGrantedEffect extends SemaphoreEffectBase {
  kind: 'granted';
  generation: number;
}

/** An orphaned slot was reclaimed: the runtime applies `on_orphan_work` to `holder`'s work. */
export interface SemaphoreRevokedEffect extends SemaphoreEffectBase {
  kind: 'revoked';
  generation: number;
  reason: 'orphaned';
  /** For humans: what happened, with the numbers that decided it. */
  message: string;
}

/** The request can never be granted: the runtime fails the acquire effect `grant`. */
export interface SemaphoreRefusedEffect extends SemaphoreEffectBase {
  kind: 'refused';
  reason: SemaphoreRefuseReason;
  message: string;
}

export type SemaphoreEffect =
  SemaphoreGrantedEffect | SemaphoreRevokedEffect | SemaphoreRefusedEffect;

/** What the semaphore machine `emit()`s; the runtime listens with `actor.on('effect', …)`. */
export interface SemaphoreEffectEmitted {
  type: 'effect';
  effect: SemaphoreEffect;
}

const ORPHAN_PREFIX = 'orphan:';

/** The orphan deadline of the slot granted in `generation`; a heartbeat moves its time only. */
export function toOrphanDeadlineId(generation: number): string {
  return `${ORPHAN_PREFIX}${generation}`;
}

/** The generation an orphan deadline id names; null for any other id. */
export function parseOrphanDeadlineId(id: string): number | null {
  const generation = id.slice(ORPHAN_PREFIX.length);
  return id.startsWith(ORPHAN_PREFIX) && /^\d+$/.test(generation) ? Number(generation) : null;
}

interface SemaphoreSnapshotLike {
  context: SemaphoreContext;
}

/** Who holds slots now, in the order they were granted. Pure. */
export function semaphoreHolders(snapshot: SemaphoreSnapshotLike): SemaphoreHolder[] {
  return Object.values(snapshot.context.holders).sort((a, b) => a.generation - b.generation);
}

/** Who waits for a slot, first in line first. Pure. */
export function semaphoreWaiters(snapshot: SemaphoreSnapshotLike): readonly SemaphoreWaiter[] {
  return snapshot.context.waiters;
}

/** The units held: the sum of the holders' weights. Pure. */
export function semaphoreUsed(snapshot: SemaphoreSnapshotLike): number {
  return countUsed(snapshot.context);
}

export function countUsed(context: SemaphoreContext): number {
  return Object.values(context.holders).reduce((sum, holder) => sum + holder.weight, 0);
}

/** The timers the runtime arms for this semaphore: each bounded slot's orphan deadline. Pure. */
export function semaphoreDeadlines(snapshot: SemaphoreSnapshotLike): Deadline[] {
  return semaphoreHolders(snapshot)
    .flatMap(({ generation, orphanAt }) =>
      orphanAt === null ? [] : [{ id: toOrphanDeadlineId(generation), at: orphanAt }],
    )
    .sort((a, b) => a.at - b.at);
}

/** The semaphore effects among the actions of a pure `transition()`, in order. Executes nothing. */
export function collectSemaphoreEffects(
  actions: ReadonlyArray<{ type: string; params?: unknown }>,
): SemaphoreEffect[] {
  const effects: SemaphoreEffect[] = [];
  for (const action of actions) {
    if (action.type !== 'xstate.emit') continue;
    const emitted = (action.params as { event?: Partial<SemaphoreEffectEmitted> } | undefined)
      ?.event;
    if (emitted?.type === 'effect' && emitted.effect !== undefined) effects.push(emitted.effect);
  }
  return effects;
}
