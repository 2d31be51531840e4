// Read models: what `oj pipeline|queue|worker list/show` and `oj status` print, derived from actor
// snapshots. `oj status` is kept incrementally in an @xstate/store fed by the engine's notices.
import { createStore } from '@xstate/store';
import {
  listQueueItems,
  lockHolder,
  lockWaiters,
  queueCounts,
  semaphoreHolders,
  semaphoreUsed,
  semaphoreWaiters,
  toPipelineStatus,
} from '../../machines/index.js';
import type {
  PipelineContext,
  PipelineStatus,
  PhaseVisit,
  freeSlots,
} from '../../machines/index.js';
import type { ActorEntry } from './supervisor.js';

export interface PipelineView {
  id: string;
  name: string;
  pipeline: string;
  project: string;
  status: PipelineStatus;
  phase: string | null;
  error: string | null;
  inputs: Record<string, string>;
  history: PhaseVisit[];
  startedAt: number | null;
  endedAt: number | null;
  item?: { queue: string; item: string; worker: string };
  /** Why a `waiting` or `escalated` pipeline is stopped (a guard, lock, or a decision). */
  waitingFor?: string;
}

/** Only finished pipelines may be pruned: running, waiting and escalated ones never are. */
export function isPrunable(status: PipelineStatus): boolean {
  return status === 'done' || status === 'failed' || status === 'cancelled';
}

export function toPipelineView(entry: ActorEntry): PipelineView {
  const snapshot = entry.actor.getSnapshot() as { value: never; context: PipelineContext };
  const ctx = snapshot.context;
  const view: PipelineView = {
    id: entry.id,
    name: entry.meta.name ?? entry.id,
    pipeline: entry.meta.qualified,
    project: entry.meta.project,
    status: entry.failure ? 'failed' : toPipelineStatus(snapshot),
    phase: ctx.phase,
    error: entry.failure ?? ctx.error,
    inputs: ctx.inputs,
    history: ctx.history,
    startedAt: ctx.startedAt,
    endedAt: ctx.endedAt,
  };
  if (entry.meta.item) view.item = entry.meta.item;
  const why = ctx.waitingFor ?? ctx.escalatedFor;
  if (why && (view.status === 'waiting' || view.status === 'escalated')) view.waitingFor = why;
  return view;
}

export interface QueueItemView {
  id: string;
  status: string;
  data: Record<string, string>;
  priority: number;
  after: string[];
  attempts: number;
  lastError: string | null;
  pipeline: string | null;
  takeable?: boolean;
}

export interface QueueView {
  name: string;
  queue: string;
  project: string;
  counts: ReturnType<typeof queueCounts>;
  items: QueueItemView[];
}

export function toQueueView(entry: ActorEntry): QueueView {
  const snapshot = entry.actor.getSnapshot() as Parameters<typeof queueCounts>[0];
  const items = listQueueItems(snapshot.context)
    .sort((a, b) => a.seq - b.seq)
    .map((item) => ({
      id: item.id,
      status: item.status,
      data: item.data,
      priority: item.priority,
      after: item.after,
      attempts: item.attempts,
      lastError: item.lastError,
      pipeline: item.lease?.pipeline ?? null,
    }));
  return {
    name: entry.meta.qualified.slice(entry.meta.qualified.lastIndexOf('.') + 1),
    queue: entry.meta.qualified,
    project: entry.meta.project,
    counts: queueCounts(snapshot),
    items,
  };
}

export interface WorkerView {
  name: string;
  worker: string;
  project: string;
  state: 'running' | 'stopped';
  active: number;
  concurrency: number;
  pipelines: string[];
}

export function toWorkerView(entry: ActorEntry, concurrency: number): WorkerView {
  const snapshot = entry.actor.getSnapshot() as Parameters<typeof freeSlots>[0] & { value: string };
  const active = Object.keys(snapshot.context.active);
  return {
    name: entry.meta.qualified.slice(entry.meta.qualified.lastIndexOf('.') + 1),
    worker: entry.meta.qualified,
    project: entry.meta.project,
    state: snapshot.value === 'running' ? 'running' : 'stopped',
    active: active.length,
    concurrency,
    pipelines: active,
  };
}

const RECENT_FAILURES = 10;

/**
 * The `oj status` read model of recent failures, kept up to date by the engine's notices. It holds
 * the ids of failed pipelines only (few), so a notice costs the same with 10 or 100,000 pipelines.
 */
export function createStatusStore() {
  return createStore({
    context: {
      failed: {} as Record<string, true>,
      failures: [] as { id: string; name: string; error: string; at: number }[],
    },
    on: {
      pipelineChanged: (
        ctx,
        e: {
          id: string;
          status: PipelineStatus;
          name: string;
          project: string;
          error: string | null;
          at: number;
        },
      ) => {
        const wasFailed = ctx.failed[e.id] === true;
        if ((e.status === 'failed') === wasFailed) return ctx;
        if (wasFailed) {
          const { [e.id]: _resumed, ...failed } = ctx.failed;
          return { ...ctx, failed };
        }
        const failure = { id: e.id, name: e.name, error: e.error ?? 'failed', at: e.at };
        return {
          failed: { ...ctx.failed, [e.id]: true as const },
          failures: [failure, ...ctx.failures].slice(0, RECENT_FAILURES),
        };
      },
      pipelineRemoved: (ctx, e: { id: string }) => {
        if (!ctx.failed[e.id]) return ctx;
        const { [e.id]: _gone, ...failed } = ctx.failed;
        return { failed, failures: ctx.failures.filter((f) => f.id !== e.id) };
      },
    },
  });
}

export type StatusStore = ReturnType<typeof createStatusStore>;

export interface LockView {
  /** The lock's name, as `oj lock is-stale {id}` and monitors take it. */
  id: string;
  name: string;
  lock: string;
  holder: { pipeline: string; since: number; heartbeatAt: number; epoch: number } | null;
  waiting: string[];
  staleAt: number | null;
}

export function toLockView(entry: ActorEntry): LockView {
  const snapshot = entry.actor.getSnapshot() as never;
  const holder = lockHolder(snapshot);
  const ctx = (entry.actor.getSnapshot() as { context: { staleAt: number | null } }).context;
  const name = entry.meta.qualified.slice(entry.meta.qualified.lastIndexOf('.') + 1);
  return {
    id: name,
    name,
    lock: entry.meta.qualified,
    holder: holder && {
      pipeline: holder.owner,
      since: holder.since,
      heartbeatAt: holder.heartbeatAt,
      epoch: holder.epoch,
    },
    waiting: lockWaiters(snapshot).map((w) => w.owner),
    staleAt: ctx.staleAt,
  };
}

export interface SemaphoreView {
  name: string;
  semaphore: string;
  max: number;
  used: number;
  holders: { pipeline: string; weight: number; since: number }[];
  waiting: { pipeline: string; weight: number }[];
}

export function toSemaphoreView(entry: ActorEntry, max: number): SemaphoreView {
  const snapshot = entry.actor.getSnapshot() as never;
  return {
    name: entry.meta.qualified.slice(entry.meta.qualified.lastIndexOf('.') + 1),
    semaphore: entry.meta.qualified,
    max,
    used: semaphoreUsed(snapshot),
    holders: semaphoreHolders(snapshot).map((h) => ({
      pipeline: h.owner,
      weight: h.weight,
      since: h.since,
    })),
    waiting: semaphoreWaiters(snapshot).map((w) => ({ pipeline: w.owner, weight: w.weight })),
  };
}
