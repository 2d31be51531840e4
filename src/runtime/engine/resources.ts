// Locks and semaphores between pipelines: a phase's acquire/release effects are routed to the lock or
// semaphore actor, and its grants come back to the pipeline as completed effects — all inside the
// processing of one journal input, so replay reproduces every grant in the same order.
import {
  createLockMachine,
  createSemaphoreMachine,
  lockHolder,
  semaphoreHolders,
  toPipelineStatus,
} from '../../machines/index.js';
import type { PipelineContext } from '../../machines/index.js';
import type { PipelineBundle } from '../../runbook/index.js';
import type { EngineHost } from './host.js';
import type { ActorEntry, ActorMeta, EmittedEffect } from './supervisor.js';

export type ResourceHost = EngineHost;

export function lockId(project: string, qualified: string): string {
  return `lock:${project}:${qualified}`;
}

export function semaphoreId(project: string, qualified: string): string {
  return `semaphore:${project}:${qualified}`;
}

/** The machine of a restored lock or semaphore (its definition lives in a pipeline's bundle). */
export function resourceMachine(
  kind: 'lock' | 'semaphore',
  meta: ActorMeta,
  bundle: (hash: string) => unknown,
) {
  const b = bundle(meta.defHash) as PipelineBundle;
  if (kind === 'lock') {
    const def = b.locks[meta.qualified];
    if (!def) throw new Error(`lock ${meta.qualified} is missing from bundle ${meta.defHash}`);
    return createLockMachine(def);
  }
  const def = b.semaphores[meta.qualified];
  if (!def) throw new Error(`semaphore ${meta.qualified} is missing from bundle ${meta.defHash}`);
  return createSemaphoreMachine(def);
}

/**
 * Handles an effect that concerns locks or semaphores; returns false for any other effect. A
 * `cancelEffect` is handled here (a withdrawn acquire) and still returns false, so the executor
 * that may be running the target is cancelled too.
 */
export function handleResourceEffect(
  host: ResourceHost,
  emitted: EmittedEffect,
  at: number,
  touched: Set<string>,
): boolean {
  const effect = emitted.effect;
  const source = host.sup.get(emitted.actor);
  if (!source) return false;
  const project = source.meta.project;
  switch (effect.kind) {
    case 'acquireLock': {
      const lock = ensure(host, 'lock', source, String(effect.lock), at, touched);
      host.send(lock, { type: 'lock.acquire', at, grant: effect.id, owner: source.id }, touched);
      return true;
    }
    case 'releaseLock': {
      const lock = host.sup.get(lockId(project, String(effect.lock)));
      if (lock) host.send(lock, { type: 'lock.release', at, grant: String(effect.grant) }, touched);
      return true;
    }
    case 'acquireSemaphore': {
      const sem = ensure(host, 'semaphore', source, String(effect.semaphore), at, touched);
      host.send(
        sem,
        {
          type: 'semaphore.acquire',
          at,
          grant: effect.id,
          owner: source.id,
          weight: Number(effect.weight),
        },
        touched,
      );
      return true;
    }
    case 'releaseSemaphore': {
      const sem = host.sup.get(semaphoreId(project, String(effect.semaphore)));
      if (sem)
        host.send(sem, { type: 'semaphore.release', at, grant: String(effect.grant) }, touched);
      return true;
    }
    case 'cancelEffect': {
      // A pipeline that stops while it waits for a lock or slot withdraws its request.
      for (const entry of [...host.sup.all('lock'), ...host.sup.all('semaphore')]) {
        if (entry.meta.project !== project) continue;
        const type = entry.kind === 'lock' ? 'lock.release' : 'semaphore.release';
        host.send(entry, { type, at, grant: String(effect.target) }, touched);
      }
      return false;
    }
    case 'granted':
    case 'refused': {
      const pipeline = host.sup.get(String(effect.holder));
      if (!pipeline) return true;
      const event =
        effect.kind === 'granted'
          ? { type: 'effect.done', at, id: String(effect.grant) }
          : { type: 'effect.failed', at, id: String(effect.grant), error: String(effect.message) };
      host.sendPipeline(pipeline, event, touched);
      // A grant the pipeline did not take (it stopped waiting meanwhile) goes straight back, so a
      // slot or lock is never held by a pipeline that does not know it holds it.
      const held = (pipeline.actor.getSnapshot() as { context: PipelineContext }).context.held;
      if (effect.kind === 'granted' && !held.some((h) => h.grant === effect.grant)) {
        const type = source.kind === 'lock' ? 'lock.release' : 'semaphore.release';
        host.send(source, { type, at, grant: String(effect.grant) }, touched);
      }
      return true;
    }
    case 'revoked':
      applyRevocation(host, source, effect, at, touched);
      return true;
    default:
      return false;
  }
}

/**
 * Before a lock's or semaphore's stale/orphan deadline is delivered: every holder whose pipeline
 * still runs and still holds the grant is alive, so it heartbeats first; only dead holders are
 * then reclaimed. (Pipelines run inside the daemon: their liveness is known, not guessed.)
 */
export function heartbeatLiveHolders(
  host: ResourceHost,
  entry: ActorEntry,
  at: number,
  touched: Set<string>,
): void {
  const snapshot = entry.actor.getSnapshot() as never;
  const holders =
    entry.kind === 'lock'
      ? [lockHolder(snapshot)].filter((h) => h !== null)
      : entry.kind === 'semaphore'
        ? semaphoreHolders(snapshot)
        : [];
  for (const holder of holders) {
    const pipeline = host.sup.get(holder.owner);
    if (!pipeline || pipeline.failure) continue;
    const state = pipeline.actor.getSnapshot() as { value: never; context: PipelineContext };
    const status = toPipelineStatus(state);
    if (status === 'done' || status === 'cancelled' || status === 'failed') continue;
    if (!state.context.held.some((h) => h.grant === holder.grant)) continue;
    host.send(
      entry,
      {
        type: entry.kind === 'lock' ? 'lock.heartbeat' : 'semaphore.heartbeat',
        at,
        grant: holder.grant,
      },
      touched,
    );
  }
}

function ensure(
  host: ResourceHost,
  kind: 'lock' | 'semaphore',
  pipeline: ActorEntry,
  qualified: string,
  at: number,
  touched: Set<string>,
): ActorEntry {
  const project = pipeline.meta.project;
  const id = kind === 'lock' ? lockId(project, qualified) : semaphoreId(project, qualified);
  const existing = host.sup.get(id);
  if (existing) return existing;
  const meta: ActorMeta = { project, qualified, defHash: pipeline.meta.defHash, createdAt: at };
  const entry = host.sup.spawn(id, kind, resourceMachine(kind, meta, host.bundle), meta, {});
  touched.add(id);
  return entry;
}

/**
 * A holder lost its lock or slot (held past `timeout`/`slot_timeout`, heartbeats stopped, or forced):
 * the lock's `on_stale` (a semaphore's `on_orphan_work`) chain decides what happens to the holder's
 * work. `release`/`reclaim` leave it running without the resource; `escalate` marks the pipeline
 * escalated for a human; `abandon`, `dead`, `rollback`, `restart` and `requeue` fail the phase that
 * held it, so its `on_fail` (and the queue item's retry policy) take over.
 */
function applyRevocation(
  host: ResourceHost,
  source: ActorEntry,
  effect: EmittedEffect['effect'],
  at: number,
  touched: Set<string>,
): void {
  const what = `${source.kind} ${source.meta.qualified}`;
  const message = `${what}: ${String(effect.message ?? effect.reason ?? 'revoked')}`;
  const bundle = host.bundle(source.meta.defHash) as PipelineBundle;
  const chain =
    source.kind === 'lock'
      ? (bundle.locks[source.meta.qualified]?.onStale ?? [])
      : (bundle.semaphores[source.meta.qualified]?.onOrphanWork ?? []);
  const pipeline = host.sup.get(String(effect.holder));
  const ctx = pipeline
    ? (pipeline.actor.getSnapshot() as { context: PipelineContext }).context
    : undefined;
  const holds = ctx?.held.some((h) => h.grant === effect.grant) ?? false;
  const steps = chain.map((s) => s.builtin ?? s.name);
  host.log(
    'warn',
    `${message} (pipeline ${String(effect.holder)}; on revoke: ${steps.join(', ') || 'release'})`,
  );
  if (!pipeline || !ctx || !holds || !ctx.inflight) return;
  if (steps.some((s) => ['abandon', 'dead', 'rollback', 'restart', 'requeue'].includes(s))) {
    host.sendPipeline(
      pipeline,
      { type: 'effect.failed', id: ctx.inflight.id, at, error: `${message}; the phase lost it` },
      touched,
    );
  } else if (steps.includes('escalate')) {
    host.sendPipeline(
      pipeline,
      {
        type: 'effect.progress',
        id: ctx.inflight.id,
        at,
        waiting: true,
        escalated: true,
        reason: message,
      },
      touched,
    );
  }
}
