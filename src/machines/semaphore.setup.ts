// The semaphore machine's named actions and guards, closed over the SemaphoreDef;
// semaphore.machine.ts generates the config that references them.

import { assign, enqueueActions, setup } from 'xstate';
import type { SemaphoreDef } from '../runbook/index.js';
import { countUsed, parseOrphanDeadlineId } from './semaphore.context.js';
import type {
  SemaphoreContext,
  SemaphoreEffectEmitted,
  SemaphoreEvent,
  SemaphoreHolder,
  SemaphoreRefuseReason,
  SemaphoreWaiter,
} from './semaphore.context.js';

/** A slot is orphaned after this many heartbeat intervals without one (one missed beat is noise). */
export const MISSED_HEARTBEATS = 2;

/**
 * When `holder`'s slot is orphaned under `def`: two heartbeat intervals after its last heartbeat,
 * or its timeout after the grant, whichever comes first; null when the definition bounds neither.
 */
export function toOrphanAt(
  def: SemaphoreDef,
  holder: Pick<SemaphoreHolder, 'since' | 'heartbeatAt'>,
): number | null {
  const bounds: number[] = [];
  if (def.slotHeartbeatMs !== undefined)
    bounds.push(holder.heartbeatAt + MISSED_HEARTBEATS * def.slotHeartbeatMs);
  if (def.slotTimeoutMs !== undefined) bounds.push(holder.since + def.slotTimeoutMs);
  return bounds.length === 0 ? null : Math.min(...bounds);
}

/** Why a request of `weight` units can never be granted, or null when it can. */
export function toRefuseReason(def: SemaphoreDef, weight: number): SemaphoreRefuseReason | null {
  if (!Number.isInteger(weight) || weight < 1) return 'invalid_weight';
  return weight > def.max ? 'over_max' : null;
}

function isKnown(context: SemaphoreContext, grant: string): boolean {
  return Object.hasOwn(context.holders, grant) || context.waiters.some((w) => w.grant === grant);
}

/** The holder an orphan deadline names, when that deadline is due at `at`. */
function orphanOf(context: SemaphoreContext, event: SemaphoreEvent): SemaphoreHolder | null {
  if (event.type !== 'deadline') return null;
  const generation = parseOrphanDeadlineId(event.id);
  const holder = Object.values(context.holders).find((h) => h.generation === generation);
  if (holder === undefined || holder.orphanAt === null || event.at < holder.orphanAt) return null;
  return holder;
}

function withoutHolder(context: SemaphoreContext, grant: string): Record<string, SemaphoreHolder> {
  const { [grant]: _released, ...holders } = context.holders;
  return holders;
}

/** The implementations, closed over `def`; the generated config references them by name. */
export function setupSemaphore(def: SemaphoreDef) {
  const base = (slot: SemaphoreWaiter | SemaphoreHolder) => ({
    semaphore: def.qualified,
    grant: slot.grant,
    holder: slot.owner,
    weight: slot.weight,
  });
  const refused = (waiter: SemaphoreWaiter, reason: SemaphoreRefuseReason) => {
    const message =
      reason === 'over_max'
        ? `semaphore "${def.qualified}" has ${def.max} slots; "${waiter.owner}" asked for ${waiter.weight}`
        : `semaphore "${def.qualified}": "${waiter.owner}" asked for ${waiter.weight} slots; ` +
          'a weight is a whole number of at least 1';
    return {
      type: 'effect' as const,
      effect: {
        kind: 'refused' as const,
        id: `refused:${waiter.grant}`,
        ...base(waiter),
        reason,
        message,
      },
    };
  };

  return setup({
    types: {
      context: {} as SemaphoreContext,
      events: {} as SemaphoreEvent,
      emitted: {} as SemaphoreEffectEmitted,
    },
    actions: {
      refuseRequest: enqueueActions(({ event, enqueue }) => {
        if (event.type !== 'semaphore.acquire') return;
        const reason = toRefuseReason(def, event.weight);
        const { grant, owner, weight, at } = event;
        if (reason !== null) enqueue.emit(refused({ grant, owner, weight, since: at }, reason));
      }),
      // Every request joins the line, even one that fits: it must not overtake a heavier waiter.
      enqueueWaiter: assign(({ context, event }) => {
        if (event.type !== 'semaphore.acquire') return {};
        const { grant, owner, weight, at } = event;
        return { waiters: [...context.waiters, { grant, owner, weight, since: at }] };
      }),
      // Grants from the head while the head fits; the first that does not blocks those behind it.
      grantWaiters: enqueueActions(({ context, event, enqueue }) => {
        let holders = context.holders;
        const waiters = [...context.waiters];
        let { generation } = context;
        let used = countUsed(context);
        for (let head = waiters[0]; head !== undefined; head = waiters[0]) {
          // Only a semaphore rebuilt with a lower `max` can have such a waiter; it would block all.
          const reason = toRefuseReason(def, head.weight);
          if (reason !== null) {
            waiters.shift();
            enqueue.emit(refused(head, reason));
            continue;
          }
          if (used + head.weight > def.max) break;
          waiters.shift();
          generation += 1;
          used += head.weight;
          const since = event.at;
          const slot = { ...head, generation, since, heartbeatAt: since };
          const holder: SemaphoreHolder = { ...slot, orphanAt: toOrphanAt(def, slot) };
          holders = { ...holders, [holder.grant]: holder };
          enqueue.emit({
            type: 'effect',
            effect: { kind: 'granted', id: `granted:${holder.grant}`, ...base(holder), generation },
          });
        }
        enqueue.assign({ holders, waiters, generation });
      }),
      releaseHolder: assign(({ context, event }) =>
        event.type === 'semaphore.release' ? { holders: withoutHolder(context, event.grant) } : {},
      ),
      // Cancelling while waiting: the pipeline gave up before it got a slot.
      withdrawWaiter: assign(({ context, event }) => {
        if (event.type !== 'semaphore.release') return {};
        return { waiters: context.waiters.filter((w) => w.grant !== event.grant) };
      }),
      // A heartbeat cannot outlive the slot timeout: toOrphanAt keeps the `since + timeout` bound.
      refreshHeartbeat: assign(({ context, event }) => {
        if (event.type !== 'semaphore.heartbeat') return {};
        const holder = context.holders[event.grant];
        if (holder === undefined) return {};
        const beat = { ...holder, heartbeatAt: event.at };
        return {
          holders: {
            ...context.holders,
            [holder.grant]: { ...beat, orphanAt: toOrphanAt(def, beat) },
          },
        };
      }),
      reclaimOrphan: enqueueActions(({ context, event, enqueue }) => {
        const holder = orphanOf(context, event);
        if (holder === null) return;
        const { at } = event;
        const timedOut = def.slotTimeoutMs !== undefined && at >= holder.since + def.slotTimeoutMs;
        const why = timedOut
          ? `held for ${at - holder.since} ms, over its ${def.slotTimeoutMs} ms slot timeout`
          : `no heartbeat for ${at - holder.heartbeatAt} ms (expected every ${def.slotHeartbeatMs} ms)`;
        const message =
          `semaphore "${def.qualified}" reclaimed ${holder.weight} slot(s) from "${holder.owner}" ` +
          `(grant "${holder.grant}"): ${why}`;
        enqueue.assign({ holders: withoutHolder(context, holder.grant) });
        enqueue.emit({
          type: 'effect',
          effect: {
            kind: 'revoked',
            id: `revoked:${holder.grant}`,
            ...base(holder),
            generation: holder.generation,
            reason: 'orphaned',
            message,
          },
        });
      }),
    },
    guards: {
      // Asking again with a grant that holds or waits changes nothing (a replayed acquire).
      isNewGrant: ({ context, event }) =>
        event.type === 'semaphore.acquire' && event.grant !== '' && !isKnown(context, event.grant),
      isRefused: ({ event }) =>
        event.type === 'semaphore.acquire' && toRefuseReason(def, event.weight) !== null,
      // Only a current holder's grant frees units: a slot that was released or reclaimed is gone,
      // so its late or repeated release frees nothing twice.
      isHolderGrant: ({ context, event }) =>
        (event.type === 'semaphore.release' || event.type === 'semaphore.heartbeat') &&
        Object.hasOwn(context.holders, event.grant),
      isWaiterGrant: ({ context, event }) =>
        event.type === 'semaphore.release' && context.waiters.some((w) => w.grant === event.grant),
      isOrphanDue: ({ context, event }) => orphanOf(context, event) !== null,
    },
  });
}
