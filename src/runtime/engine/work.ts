// Deterministic coordination inside one journal input: queue and worker actors created on demand,
// a worker taking queue items (each becomes a pipeline), and a phase's strategy run as its own actor whose outcome completes the phase.
import {
  createQueueMachine,
  createStrategyMachine,
  createWorkerMachine,
  strategyOutcome,
  takeableItems,
} from '../../machines/index.js';
import type { PipelineBundle, QueueDef, WorkerDef } from '../../runbook/index.js';
import type { EngineHost } from './host.js';
import { queueId, toInputs, workerId } from './ids.js';
import type { JournalEntry } from './records.js';
import type { ActorEntry, ActorMeta, EmittedEffect } from './supervisor.js';

/** A worker's `take`: up to `count` takeable items, each dispatched to the worker and started. */
export function takeItems(
  host: EngineHost,
  emitted: EmittedEffect,
  entry: JournalEntry,
  touched: Set<string>,
): void {
  const worker = host.sup.get(emitted.actor);
  if (!worker?.meta.handlerHash) return;
  const count = Number(emitted.effect.count ?? 0);
  const queue = host.sup.get(queueId(worker.meta.project, String(emitted.effect.queue)));
  const items = queue ? takeableItems(queue.actor.getSnapshot() as never, count) : [];
  if (!queue || items.length === 0) {
    host.send(worker, { type: 'worker.idle', at: entry.at }, touched);
    return;
  }
  const bundle = host.bundle(worker.meta.handlerHash) as PipelineBundle;
  for (const item of items) {
    const id = host.nextPipelineId(entry.seq);
    // The worker may refuse (full, stopped, already running the item): only then is nothing taken.
    host.send(
      worker,
      { type: 'worker.dispatched', at: entry.at, pipeline: id, item: item.id },
      touched,
    );
    const active = (worker.actor.getSnapshot() as { context: { active: Record<string, string> } })
      .context.active;
    if (active[id] !== item.id) continue;
    host.send(
      queue,
      {
        type: 'queue.take',
        at: entry.at,
        item: item.id,
        worker: worker.meta.qualified,
        pipeline: id,
      },
      touched,
    );
    const meta: ActorMeta = {
      project: worker.meta.project,
      qualified: bundle.pipeline.qualified,
      defHash: worker.meta.handlerHash,
      name: `${bundle.pipeline.name}-${item.id}`,
      item: { queue: queue.meta.qualified, item: item.id, worker: worker.meta.qualified },
      createdAt: entry.at,
    };
    host.createPipeline(id, worker.meta.handlerHash, toInputs(bundle, item.data), meta, touched);
  }
}

/** A phase's `runStrategy`: the run becomes a strategy actor with the effect's id. */
export function startStrategy(
  host: EngineHost,
  emitted: EmittedEffect,
  at: number,
  touched: Set<string>,
): void {
  const pipeline = host.sup.get(emitted.actor);
  if (!pipeline || host.sup.get(emitted.effect.id)) return;
  const meta: ActorMeta = {
    project: pipeline.meta.project,
    qualified: String(emitted.effect.strategy),
    defHash: pipeline.meta.defHash,
    owner: pipeline.id,
    createdAt: at,
  };
  const input = {
    id: emitted.effect.id,
    pipeline: pipeline.id,
    phase: emitted.effect.phase ?? null,
    at,
  };
  const run = host.sup.spawn(
    emitted.effect.id,
    'strategy',
    strategyMachine(meta, host.bundle),
    meta,
    { input },
  );
  touched.add(run.id);
  settleStrategy(host, run, at, touched);
}

/** The machine of a strategy run (its definition lives in the pipeline's bundle). */
export function strategyMachine(meta: ActorMeta, bundle: (hash: string) => unknown) {
  const def = (bundle(meta.defHash) as PipelineBundle).strategies[meta.qualified];
  if (!def) throw new Error(`strategy ${meta.qualified} is missing from bundle ${meta.defHash}`);
  return createStrategyMachine(def);
}

/** Once a strategy run ends, its pipeline's effect completes (or fails) and the run is dropped. */
export function settleStrategy(
  host: EngineHost,
  run: ActorEntry,
  at: number,
  touched: Set<string>,
): void {
  const outcome = strategyOutcome(run.actor.getSnapshot() as never);
  if (outcome === 'running') return;
  const pipeline = run.meta.owner ? host.sup.get(run.meta.owner) : undefined;
  if (pipeline && outcome === 'succeeded')
    host.sendPipeline(pipeline, { type: 'effect.done', id: run.id, at }, touched);
  if (pipeline && outcome === 'exhausted') {
    const { errors, onExhaust } = (
      run.actor.getSnapshot() as {
        context: { errors: string[]; onExhaust: { builtin?: string }[] | null };
      }
    ).context;
    const error = errors.join('; ') || 'every attempt failed';
    // The strategy's on_exhaust (its first built-in step) decides instead of the phase's on_fail.
    const recovery = onExhaust?.find((s) => s.builtin)?.builtin;
    host.sendPipeline(
      pipeline,
      { type: 'effect.failed', id: run.id, at, error, ...(recovery ? { recovery } : {}) },
      touched,
    );
  }
  host.sup.remove(run.id);
  host.forget(run.id);
}

/** The queue actor of `qualified`, created (or rebuilt for a newer definition) as needed. */
export function ensureQueue(
  host: EngineHost,
  project: string,
  qualified: string,
  defHash: string | undefined,
  at: number,
  touched: Set<string>,
): ActorEntry {
  const id = queueId(project, qualified);
  const existing = host.sup.get(id);
  if (existing) {
    if (defHash && defHash !== existing.meta.defHash)
      host.sup.rebuild(existing, createQueueMachine(host.bundle(defHash) as QueueDef), defHash);
    return existing;
  }
  if (!defHash) throw new Error(`queue ${qualified} has no definition`);
  const entry = host.sup.spawn(
    id,
    'queue',
    createQueueMachine(host.bundle(defHash) as QueueDef),
    { project, qualified, defHash, createdAt: at },
    {},
  );
  host.send(entry, { type: 'queue.start', at }, touched);
  return entry;
}

/** The worker actor of `qualified`, created (or rebuilt for a newer definition) as needed. */
export function ensureWorker(
  host: EngineHost,
  project: string,
  qualified: string,
  defHash: string,
  handlerHash: string,
  at: number,
  touched: Set<string>,
): ActorEntry {
  const id = workerId(project, qualified);
  const existing = host.sup.get(id);
  if (existing) {
    existing.meta.handlerHash = handlerHash;
    if (defHash !== existing.meta.defHash)
      host.sup.rebuild(existing, createWorkerMachine(host.bundle(defHash) as WorkerDef), defHash);
    touched.add(id);
    return existing;
  }
  return host.sup.spawn(
    id,
    'worker',
    createWorkerMachine(host.bundle(defHash) as WorkerDef),
    { project, qualified, defHash, handlerHash, createdAt: at },
    {},
  );
}
