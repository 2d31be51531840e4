// The lock machine's data: its persisted context (who holds the lock, who waits), the events it
// accepts, the `granted`/`revoked` effects it emits, the derived deadline id and pure selectors.

import type { Deadline } from './pipeline.context.js';

/** The machine id; its states are `lock.free` and `lock.held`. */
export const LOCK_MACHINE_ID = 'lock';

/** The current grant. `epoch` is the generation it was granted in: no two holders share one. */
export interface LockHolder {
  /** The id of the acquire effect that asked for the lock. */
  grant: string;
  /** The pipeline instance the grant belongs to. */
  owner: string;
  epoch: number;
  /** When it was granted (epoch ms). */
  since: number;
  heartbeatAt: number;
}

export interface LockWaiter {
  grant: string;
  owner: string;
  /** When it asked (epoch ms). */
  since: number;
}

/** The persisted context: JSON-serialisable, everything the machine needs after a restart. */
export interface LockContext {
  /** Set exactly while the machine is in `held`. */
  holder: LockHolder | null;
  /** First come, first served; empty while the lock is free. */
  waiters: LockWaiter[];
  /** The generation of the latest grant: it counts every grant ever made. */
  epoch: number;
  /** When the holder goes stale (missed heartbeats or timeout); null when free or unbounded. */
  staleAt: number | null;
}

export const LOCK_EVENT_TYPES = [
  'lock.acquire',
  'lock.release',
  'lock.heartbeat',
  'lock.force_release',
  'deadline',
] as const;
export type LockEventType = (typeof LOCK_EVENT_TYPES)[number];

/** Every event carries `at` (epoch ms): machines never read a clock. */
export type LockEvent =
  | { type: 'lock.acquire'; at: number; grant: string; owner: string }
  | { type: 'lock.release'; at: number; grant: string }
  | { type: 'lock.heartbeat'; at: number; grant: string }
  | { type: 'lock.force_release'; at: number; reason?: string }
  | { type: 'deadline'; at: number; id: string };

/** Why a holder lost the lock without releasing it. */
export const LOCK_REVOKE_REASONS = ['stale', 'timeout', 'forced'] as const;
export type LockRevokeReason = (typeof LOCK_REVOKE_REASONS)[number];

/** The lock is `holder`'s now: the runtime completes the acquire effect `grant`. */
export interface LockGrantedEffect {
  kind: 'granted';
  id: string;
  lock: string;
  grant: string;
  /** The pipeline that owns the grant. */
  holder: string;
  epoch: number;
}

/** `holder` lost the lock: the runtime applies the lock's `on_stale` chain to that pipeline. */
export interface LockRevokedEffect {
  kind: 'revoked';
  id: string;
  lock: string;
  grant: string;
  holder: string;
  epoch: number;
  reason: LockRevokeReason;
  /** For humans: what happened, with the numbers that decided it. */
  message: string;
}

export type LockEffect = LockGrantedEffect | LockRevokedEffect;

/** What the lock machine `emit()`s; the runtime listens with `actor.on('effect', …)`. */
export interface LockEffectEmitted {
  type: 'effect';
  effect: LockEffect;
}

/** The stale deadline of the grant made in `epoch`; a heartbeat moves its time, not its id. */
export function toStaleDeadlineId(epoch: number): string {
  return `stale:${epoch}`;
}

export function toGrantedEffectId(grant: string): string {
  return `granted:${grant}`;
}

export function toRevokedEffectId(grant: string): string {
  return `revoked:${grant}`;
}

interface LockSnapshotLike {
  context: LockContext;
}

/** Who holds the lock now, or null. Pure. */
export function lockHolder(snapshot: LockSnapshotLike): LockHolder | null {
  return snapshot.context.holder;
}

/** Who waits for the lock, first in line first. Pure. */
export function lockWaiters(snapshot: LockSnapshotLike): readonly LockWaiter[] {
  return snapshot.context.waiters;
}

/** The timers the runtime arms for this lock: the holder's stale deadline, if it has one. Pure. */
export function lockDeadlines(snapshot: LockSnapshotLike): Deadline[] {
  const { holder, staleAt } = snapshot.context;
  return holder === null || staleAt === null
    ? []
    : [{ id: toStaleDeadlineId(holder.epoch), at: staleAt }];
}

/** Whether the holder is stale at `now` (`oj lock is-stale`); the deadline reclaims it. Pure. */
export function isLockStale(snapshot: LockSnapshotLike, now: number): boolean {
  const { holder, staleAt } = snapshot.context;
  return holder !== null && staleAt !== null && now >= staleAt;
}

/** The lock effects among the actions of a pure `transition()`, in order. Executes nothing. */
export function collectLockEffects(
  actions: ReadonlyArray<{ type: string; params?: unknown }>,
): LockEffect[] {
  const effects: LockEffect[] = [];
  for (const action of actions) {
    if (action.type !== 'xstate.emit') continue;
    const emitted = (action.params as { event?: Partial<LockEffectEmitted> } | undefined)?.event;
    if (emitted?.type === 'effect' && emitted.effect !== undefined) effects.push(emitted.effect);
  }
  return effects;
}
