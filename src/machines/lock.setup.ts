// The lock machine's named actions and guards, closed over the LockDef; lock.machine.ts generates
// the config that references them. Every rule about who holds the lock lives here.

import { assign, enqueueActions, setup } from 'xstate';
import type { LockDef } from '../runbook/index.js';
import { toGrantedEffectId, toRevokedEffectId, toStaleDeadlineId } from './lock.context.js';
import type {
  LockContext,
  LockEffectEmitted,
  LockEvent,
  LockHolder,
  LockRevokeReason,
  LockWaiter,
} from './lock.context.js';

/** A holder is stale after this many heartbeat intervals without one (one missed beat is noise). */
export const MISSED_HEARTBEATS = 2;

/**
 * When `holder` goes stale under `def`: two heartbeat intervals after its last heartbeat, or its
 * timeout after the grant, whichever comes first; null when the definition bounds neither.
 */
export function toStaleAt(def: LockDef, holder: LockHolder): number | null {
  const bounds: number[] = [];
  if (def.heartbeatMs !== undefined)
    bounds.push(holder.heartbeatAt + MISSED_HEARTBEATS * def.heartbeatMs);
  if (def.timeoutMs !== undefined) bounds.push(holder.since + def.timeoutMs);
  return bounds.length === 0 ? null : Math.min(...bounds);
}

/** Why a stale holder is reclaimed at `at`: its timeout, when that has passed, else heartbeats. */
function staleReason(def: LockDef, holder: LockHolder, at: number): 'stale' | 'timeout' {
  return def.timeoutMs !== undefined && at >= holder.since + def.timeoutMs ? 'timeout' : 'stale';
}

function describeRevoke(
  def: LockDef,
  holder: LockHolder,
  at: number,
  reason: LockRevokeReason,
  forced?: string,
): string {
  const taken = `lock "${def.qualified}" was taken from "${holder.owner}" (grant "${holder.grant}")`;
  switch (reason) {
    case 'forced':
      return `${taken}: force-released: ${forced ?? 'by an operator'}`;
    case 'timeout':
      return `${taken}: held for ${at - holder.since} ms, over its ${def.timeoutMs} ms timeout`;
    case 'stale':
      return `${taken}: no heartbeat for ${at - holder.heartbeatAt} ms (expected every ${def.heartbeatMs} ms)`;
  }
}

function isKnown(context: LockContext, grant: string): boolean {
  return context.holder?.grant === grant || context.waiters.some((w) => w.grant === grant);
}

function holdsLock(context: LockContext, event: LockEvent): boolean {
  return (
    (event.type === 'lock.release' || event.type === 'lock.heartbeat') &&
    context.holder !== null &&
    context.holder.grant === event.grant
  );
}

/** The implementations, closed over `def`; the generated config references them by name. */
export function setupLock(def: LockDef) {
  /** The context after granting the lock to `waiter` at `at`, in a new epoch. */
  const grantTo = (context: LockContext, waiter: LockWaiter, at: number) => {
    const epoch = context.epoch + 1;
    const holder: LockHolder = {
      grant: waiter.grant,
      owner: waiter.owner,
      epoch,
      since: at,
      heartbeatAt: at,
    };
    return { holder, epoch, staleAt: toStaleAt(def, holder) };
  };
  const granted = (holder: LockHolder): LockEffectEmitted => ({
    type: 'effect',
    effect: {
      kind: 'granted',
      id: toGrantedEffectId(holder.grant),
      lock: def.qualified,
      grant: holder.grant,
      holder: holder.owner,
      epoch: holder.epoch,
    },
  });

  return setup({
    types: {
      context: {} as LockContext,
      events: {} as LockEvent,
      emitted: {} as LockEffectEmitted,
    },
    actions: {
      grantRequest: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'lock.acquire') return;
        const { grant, owner, at } = event;
        const next = grantTo(context, { grant, owner, since: at }, at);
        enqueue.assign(next);
        enqueue.emit(granted(next.holder));
      }),
      enqueueWaiter: assign(({ context, event }) => {
        if (event.type !== 'lock.acquire') return {};
        const { grant, owner, at } = event;
        return { waiters: [...context.waiters, { grant, owner, since: at }] };
      }),
      // The head of the line gets the lock the moment it is given back, so it is never idle
      // while someone waits.
      grantNextWaiter: enqueueActions(({ context, event, enqueue }) => {
        const [next, ...rest] = context.waiters;
        if (next === undefined) return;
        const after = grantTo(context, next, event.at);
        enqueue.assign({ ...after, waiters: rest });
        enqueue.emit(granted(after.holder));
      }),
      releaseHolder: assign({ holder: null, staleAt: null }),
      // Cancelling while waiting: the pipeline gave up before it got the lock.
      withdrawWaiter: assign(({ context, event }) => {
        if (event.type !== 'lock.release') return {};
        return { waiters: context.waiters.filter((w) => w.grant !== event.grant) };
      }),
      // A heartbeat cannot outlive the timeout: toStaleAt keeps the `since + timeout` bound.
      refreshHeartbeat: assign(({ context, event }) => {
        if (context.holder === null) return {};
        const holder = { ...context.holder, heartbeatAt: event.at };
        return { holder, staleAt: toStaleAt(def, holder) };
      }),
      revokeHolder: enqueueActions(({ context, event, enqueue }) => {
        const { holder } = context;
        if (holder === null) return;
        const forced = event.type === 'lock.force_release';
        const reason = forced ? 'forced' : staleReason(def, holder, event.at);
        const message = describeRevoke(
          def,
          holder,
          event.at,
          reason,
          forced ? event.reason : undefined,
        );
        enqueue.assign({ holder: null, staleAt: null });
        enqueue.emit({
          type: 'effect',
          effect: {
            kind: 'revoked',
            id: toRevokedEffectId(holder.grant),
            lock: def.qualified,
            grant: holder.grant,
            holder: holder.owner,
            epoch: holder.epoch,
            reason,
            message,
          },
        });
      }),
    },
    guards: {
      // Asking again with a grant that holds or waits changes nothing (a replayed acquire).
      isNewGrant: ({ context, event }) =>
        event.type === 'lock.acquire' && event.grant !== '' && !isKnown(context, event.grant),
      // Only the current holder's grant counts: a reclaimed holder's late release is stale.
      isHolderGrant: ({ context, event }) => holdsLock(context, event),
      isWaiterGrant: ({ context, event }) =>
        event.type === 'lock.release' && context.waiters.some((w) => w.grant === event.grant),
      hasWaiters: ({ context }) => context.waiters.length > 0,
      // The id names the epoch, so a deadline armed for an earlier holder never reclaims this one.
      isStaleDue: ({ context, event }) =>
        event.type === 'deadline' &&
        context.holder !== null &&
        context.staleAt !== null &&
        event.id === toStaleDeadlineId(context.holder.epoch) &&
        event.at >= context.staleAt,
    },
  });
}
