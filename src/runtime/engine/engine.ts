// The engine: journal-first processing. Every input is appended to the journal (durably) and then
// processed, one at a time in journal order, by routing it to entity actors. Coordination between
// actors (a worker taking a queue item, a finished pipeline completing its item) is a deterministic
// fan-out inside that processing, so replaying the journal rebuilds exactly the same state.
import {
  createPipelineMachine,
  createQueueMachine,
  createWorkerMachine,
  migrateQueueSnapshot,
  toPipelineStatus,
} from '../../machines/index.js';
import type { PipelineContext, PipelineStatus } from '../../machines/index.js';
import type { PipelineBundle, QueueDef, WorkerDef } from '../../runbook/index.js';
import type { Notification } from '../../actors/index.js';
import type { AgentEffect } from '../../machines/index.js';
import type { Clock } from '../clock.js';
import { createSessions } from './sessions.js';
import { settleEndedWorkspaces, settleWorkspace } from './workspaces.js';
import type { Sessions } from './sessions.js';
import type { Store } from '../store/index.js';
import type { StartDetached } from '../../session/index.js';
import { Dispatcher } from './dispatch.js';
import type { DispatchDeps } from './dispatch.js';
import { eventNames, INPUTS } from './records.js';
import { eventHookCall } from './hooks.js';
import type { JournalEntry, RecordBody } from './records.js';
import { Checkpoints } from './checkpoints.js';
import { HeldInputs } from './held-inputs.js';
import { cronMachine, interruptedCronRuns, routeCron } from './crons.js';
import type { StoredActor } from './checkpoints.js';
import { queueId, workerId } from './ids.js';
import {
  handleResourceEffect,
  heartbeatLiveHolders,
  lockId,
  resourceMachine,
} from './resources.js';
import type { EngineHost } from './host.js';
import {
  ensureQueue,
  ensureWorker,
  settleStrategy,
  startStrategy,
  strategyMachine,
  takeItems,
} from './work.js';
import { Supervisor } from './supervisor.js';
import { agentMachine, handleAgentEffect, routeAgentRecord, toAgentRun } from './agents.js';
import { DeadlineTimers } from './timers.js';
import type { ActorEntry, ActorMeta, EmittedEffect, InspectionObserver } from './supervisor.js';
import { createStatusStore, isPrunable, toPipelineView } from './views.js';
import { matchesEventPattern } from './wake.js';

export type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface EngineDeps extends Omit<DispatchDeps, 'submit' | 'bundle' | 'onEvent' | 'actor'> {
  store: Store;
  clock: Clock;
  log: Log;
  version: string;
  notify?: (n: Notification) => void; // decisions and failures: desktop, webhook, log
  /** XState inspection of every actor (OJ_INSPECT), session timing, OJ_FAKE_AGENTS. */
  inspect?: InspectionObserver;
  sessionTiming?: 'production' | 'test';
  fakeAgents?: string;
  /** Starts session hosts from another process (the shell spawner) instead of forking the daemon. */
  startDetached?: StartDetached;
}

const NOTICE_FLUSH_MS = 20;
const SLICE_ENTRIES = 32; // entries processed back to back before the event loop gets a turn
const SESSION_EFFECTS = new Set([
  'sessionSpawn',
  'sessionNudge',
  'sessionRespond',
  'sessionKill',
  'runAction',
  'escalate',
]); // notices not carried by an input are journaled this soon
const TERMINAL: readonly PipelineStatus[] = ['done', 'cancelled'];

export class Engine {
  readonly status = createStatusStore();
  readonly #deps: EngineDeps;
  readonly #sup: Supervisor;
  readonly #dispatch: Dispatcher;
  readonly sessions: Sessions;
  readonly #bundles = new Map<string, unknown>();
  readonly #machines = new Map<string, ReturnType<typeof createPipelineMachine>>();
  readonly #timers: DeadlineTimers;
  readonly #held: HeldInputs; // internal inputs a full disk refused, submitted again later
  readonly #listeners = new Set<
    (entry: JournalEntry | { seq: number; at: number; type: string; [k: string]: unknown }) => void
  >();
  #tail: Promise<unknown> = Promise.resolve();
  #inSlice = 0; // entries processed in the current turn of the event loop
  #live = false;
  readonly #checkpoints: Checkpoints;
  readonly #host: EngineHost;
  #idCounter = 0;
  #closing = false;
  readonly #notices: { type: string; at: number; [k: string]: unknown }[] = [];
  #noticeTimer: (() => void) | null = null;

  private constructor(deps: EngineDeps) {
    this.#deps = deps;
    this.#held = new HeldInputs((body) => this.submit(body), deps);
    this.#timers = new DeadlineTimers(deps.clock, (actor, deadline) => {
      if (!this.#closing) void this.#held.submit({ type: 'timer:fired', actor, deadline });
    });
    this.#sup = new Supervisor((entry, error) => {
      deps.log(
        'error',
        `actor ${entry.id} (${entry.kind} ${entry.meta.qualified}) failed${entry.failure ? ' for good' : '; restarted from its last good state'}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }, deps.inspect);
    this.#checkpoints = new Checkpoints(deps.store, deps.clock, this.#sup, deps.log);
    this.#host = {
      sup: this.#sup,
      send: (entry, event, touched) => this.#send(entry, event, touched),
      sendPipeline: (entry, event, touched) => this.#sendPipeline(entry, event, touched),
      bundle: (hash) => this.#bundle(hash),
      log: deps.log,
      forget: (id) => this.#checkpoints.forget(id),
      nextPipelineId: (seq) =>
        `pl-${seq.toString(36)}${this.#idCounter++ ? `-${this.#idCounter - 1}` : ''}`,
      createPipeline: (id, hash, inputs, meta, touched) =>
        this.#createPipeline(id, hash, inputs, meta, touched),
    };
    this.#dispatch = new Dispatcher({
      ...deps,
      submit: (body) => void this.#held.submit(body),
      bundle: (hash) => this.#bundle(hash),
      onEvent: (listener) => this.subscribe((e) => listener(eventNames(e))),
      actor: (id) => this.#sup.get(id),
    });
    this.sessions = createSessions(deps, this.#dispatch, this.#sup, this.#held.submit);
  }

  /**
   * Opens the engine on a store: restores the last checkpoint, replays the journal tail with no
   * effects, then goes live and reconciles interrupted effects and timers against the world.
   */
  static async start(deps: EngineDeps): Promise<Engine> {
    const engine = new Engine(deps);
    const checkpoint = deps.store.loadCheckpoint();
    let { seq } = checkpoint;
    if (checkpoint.damaged.length && deps.store.firstSeq <= 1) {
      // The whole journal is still there: rebuild every actor from it instead of trusting a
      // checkpoint that lost some of them.
      deps.log(
        'warn',
        `snapshots of ${checkpoint.damaged.join(', ')} were damaged: rebuilding all state from the full journal`,
      );
      seq = 0;
    } else {
      for (const id of checkpoint.damaged)
        deps.log(
          'error',
          `snapshot of ${id} was damaged and the journal before it is compacted away: ${id} is lost`,
        );
      for (const [id, record] of checkpoint.snapshots)
        engine.#restore(id, record as unknown as StoredActor);
    }
    let replayed = 0;
    for (const entry of deps.store.read(seq + 1)) {
      engine.#process(entry as unknown as JournalEntry);
      replayed++;
    }
    engine.#live = true;
    deps.log(
      'info',
      `engine ready: checkpoint at ${seq}, replayed ${replayed} journal entries, ${engine.#sup.all().length} actors`,
    );
    // Through #held: a daemon (re)started on a full disk still serves reads and waits for space.
    await engine.#held.submit({ type: 'daemon:start', version: deps.version, pid: process.pid });
    engine.#reconcile();
    return engine;
  }

  /** Journals an input durably, processes it, and resolves with the committed entry. */
  submit(body: RecordBody): Promise<JournalEntry> {
    if (this.#closing && body.type !== 'effect:done' && body.type !== 'effect:failed') {
      return Promise.reject(new Error('the daemon is shutting down'));
    }
    const input = { ...body, at: this.#deps.clock.now() };
    // Notices waiting to be journaled ride in the same transaction (one fsync for both).
    const notices = this.#notices.splice(0);
    const committed = (notices.length
      ? this.#deps.store.appendMany([...notices, input]).then((records) => {
          for (const notice of records.slice(0, -1)) this.#notify(notice);
          return records.at(-1);
        })
      : this.#deps.store.append(input)) as Promise<unknown> as Promise<JournalEntry>;
    const processed = this.#tail.then(async () => {
      const entry = await committed;
      // A burst (a bulk add, a restart's backlog) is processed in slices, so that timers, requests
      // and I/O wait for one slice, never the whole burst.
      if (this.#inSlice++ === 0) setImmediate(() => (this.#inSlice = 0));
      else if (this.#inSlice > SLICE_ENTRIES) await new Promise((r) => setImmediate(r));
      this.#process(entry);
      return entry;
    });
    this.#tail = processed.catch(() => undefined);
    return processed;
  }

  /** Listens to every processed input and notice (for `oj events -f`, `pipeline wait`). */
  subscribe(
    listener: (entry: { seq: number; at: number; type: string; [k: string]: unknown }) => void,
  ): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  actors(kind?: ActorEntry['kind']): ActorEntry[] {
    return this.#sup.all(kind);
  }

  actor(id: string): ActorEntry | undefined {
    return this.#sup.get(id);
  }

  /** The definition bundle (pipeline) or definition (queue/worker) stored under `hash`. */
  definition<T>(hash: string): T {
    return this.#bundle(hash) as T;
  }

  /** Stops taking inputs, lets running effects finish up to `drainMs`, writes a final checkpoint. */
  async close(drainMs: number): Promise<void> {
    this.#closing = true;
    this.sessions.close();
    await this.#dispatch.drain(drainMs);
    await this.#tail;
    this.#timers.cancelAll();
    this.#noticeTimer?.();
    this.#held.close();
    await this.#flushNotices();
    await this.#checkpoints.write();
    this.#sup.stopAll();
  }

  // ---- processing --------------------------------------------------------------------------

  #process(entry: JournalEntry): void {
    if (!INPUTS.has(entry.type) && entry.type !== 'daemon:start') return;
    this.#idCounter = 0;
    const touched = new Set<string>();
    try {
      this.#route(entry, touched);
      this.#drainOutbox(entry, touched);
    } catch (err) {
      this.#deps.log(
        'error',
        `processing ${entry.type} #${entry.seq} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
    }
    this.#checkpoints.processed(entry.seq, touched, this.#live);
    if (this.#live) {
      for (const id of touched) this.#timers.arm(id, this.#sup.get(id));
      this.#notify(entry);
    }
  }

  #route(e: JournalEntry, touched: Set<string>): void {
    switch (e.type) {
      case 'daemon:start':
        return;
      case 'pipeline:create': {
        const id = `pl-${e.seq.toString(36)}`;
        this.#createPipeline(
          id,
          e.hash,
          e.inputs,
          {
            project: e.project,
            qualified: e.pipeline,
            defHash: e.hash,
            name: e.name,
            createdAt: e.at,
          },
          touched,
        );
        return;
      }
      case 'pipeline:cancel':
        return this.#toPipeline(
          e.id,
          { type: 'pipeline.cancel', at: e.at, reason: e.reason },
          touched,
        );
      case 'pipeline:transition':
        return this.#toPipeline(
          e.id,
          { type: 'pipeline.transition', at: e.at, phase: e.phase },
          touched,
        );
      case 'pipeline:resume':
        return this.#toPipeline(e.id, { type: 'pipeline.resume', at: e.at }, touched);
      case 'effect:done':
        return this.#toActor(
          e.actor,
          { type: 'effect.done', id: e.effect, at: e.at, output: e.output },
          touched,
        );
      case 'effect:failed':
        return this.#toActor(
          e.actor,
          { type: 'effect.failed', id: e.effect, at: e.at, error: e.error, exitCode: e.exitCode },
          touched,
        );
      case 'effect:progress':
        return this.#toActor(
          e.actor,
          { type: 'effect.progress', id: e.effect, at: e.at, waiting: e.waiting, reason: e.reason },
          touched,
        );
      case 'timer:fired': {
        const target = this.#sup.get(e.actor);
        if (target?.kind === 'lock' || target?.kind === 'semaphore')
          heartbeatLiveHolders(this.#host, target, e.at, touched);
        return this.#toActor(e.actor, { type: 'deadline', id: e.deadline, at: e.at }, touched);
      }
      case 'queue:add': {
        const queue = ensureQueue(this.#host, e.project, e.queue, e.defHash, e.at, touched);
        this.#send(queue, { type: 'queue.add', at: e.at, item: e.item }, touched);
        this.#wakeWorkersOf(e.project, e.queue, e.at, touched);
        return;
      }
      case 'queue:polled': {
        const queue = this.#sup.get(queueId(e.project, e.queue));
        if (queue) this.#send(queue, { type: 'queue.polled', at: e.at }, touched);
        return;
      }
      case 'queue:retry':
      case 'queue:drop': {
        const queue = this.#sup.get(queueId(e.project, e.queue));
        if (!queue) return;
        this.#send(
          queue,
          { type: e.type === 'queue:retry' ? 'queue.retry' : 'queue.drop', at: e.at, item: e.item },
          touched,
        );
        if (e.type === 'queue:retry') this.#wakeWorkersOf(e.project, e.queue, e.at, touched);
        return;
      }
      case 'worker:start': {
        const worker = ensureWorker(
          this.#host,
          e.project,
          e.worker,
          e.defHash,
          e.handlerHash,
          e.at,
          touched,
        );
        ensureQueue(
          this.#host,
          e.project,
          this.definition<WorkerDef>(e.defHash).queue,
          e.queueHash,
          e.at,
          touched,
        );
        this.#send(worker, { type: 'worker.start', at: e.at }, touched);
        return;
      }
      case 'worker:stop':
      case 'worker:wake': {
        const worker = this.#sup.get(workerId(e.project, e.worker));
        if (!worker) return;
        if (e.type === 'worker:wake') this.#wake(worker, e, touched);
        else this.#send(worker, { type: 'worker.stop', at: e.at }, touched);
        return;
      }
      case 'lock:force_release': {
        const lock = this.#sup.get(lockId(e.project, e.lock));
        if (lock)
          this.#send(lock, { type: 'lock.force_release', at: e.at, reason: e.reason }, touched);
        return;
      }
      case 'cron:enable':
      case 'cron:disable':
      case 'cron:once':
        return routeCron(this.#host, e, touched);
      case 'event:emit':
        return this.#wakeOnEvent(e.project, e.name, e, touched);
      case 'agent:spawned':
      case 'agent:state':
      case 'agent:activity':
      case 'agent:exited':
      case 'phase:done':
      case 'decision:resolve':
      case 'agent:continue':
        return routeAgentRecord(this.#host, e, touched);
      case 'pipeline:prune':
        for (const id of e.ids) this.#prune(id);
        return;
    }
  }

  #toPipeline(
    id: string,
    event: { type: string; at: number } & Record<string, unknown>,
    touched: Set<string>,
  ): void {
    const entry = this.#sup.get(id);
    if (entry?.kind === 'pipeline') this.#sendPipeline(entry, event, touched);
  }

  #toActor(
    id: string,
    event: { type: string; at: number } & Record<string, unknown>,
    touched: Set<string>,
  ): void {
    const entry = this.#sup.get(id);
    if (!entry) return; // a late result for an actor that is gone: nothing to do
    if (entry.kind === 'pipeline') this.#sendPipeline(entry, event, touched);
    else if (entry.kind === 'agent') toAgentRun(this.#host, entry, event, touched);
    else this.#send(entry, event, touched);
    if (entry.kind === 'strategy') settleStrategy(this.#host, entry, event.at, touched);
  }

  #send(
    entry: ActorEntry,
    event: { type: string } & Record<string, unknown>,
    touched: Set<string>,
  ): void {
    this.#sup.send(entry, event);
    touched.add(entry.id);
  }

  /** Sends to a pipeline and reacts to what changed: notices, and its queue item when it ends. */
  #sendPipeline(
    entry: ActorEntry,
    event: { type: string; at: number } & Record<string, unknown>,
    touched: Set<string>,
  ): void {
    const before = this.#pipelineState(entry);
    this.#send(entry, event, touched);
    const after = this.#pipelineState(entry);
    if (after.phase !== before.phase && after.phase !== null && after.status !== 'cancelled') {
      this.#emitNotice('phase:start', entry, event.at, { phase: after.phase });
    }
    if (before.status === 'pending' && after.status !== 'pending')
      this.#emitNotice('pipeline:started', entry, event.at, {});
    if (after.status === before.status) return;
    this.#emitNotice(
      `pipeline:${after.status}`,
      entry,
      event.at,
      after.error ? { error: after.error } : {},
    );
    this.status.trigger.pipelineChanged({
      id: entry.id,
      status: after.status,
      name: entry.meta.name ?? entry.id,
      project: entry.meta.project,
      error: after.error,
      at: event.at,
    });
    if (this.#live && TERMINAL.concat('failed').includes(after.status))
      void settleWorkspace(this.#deps, entry, after.status);
    const item = entry.meta.item;
    if (!item) return;
    const queue = this.#sup.get(queueId(entry.meta.project, item.queue));
    const worker = this.#sup.get(workerId(entry.meta.project, item.worker));
    const ctx = (entry.actor.getSnapshot() as { context: PipelineContext }).context;
    if (after.status === 'done') {
      if (queue)
        this.#send(
          queue,
          { type: 'queue.complete', at: event.at, item: item.item, pipeline: entry.id },
          touched,
        );
    } else if (after.status === 'failed' || after.status === 'cancelled') {
      const disposition = after.status === 'cancelled' ? 'dead' : (ctx.disposition ?? undefined);
      if (queue)
        this.#send(
          queue,
          {
            type: 'queue.fail',
            at: event.at,
            item: item.item,
            pipeline: entry.id,
            error: after.error ?? after.status,
            disposition,
          },
          touched,
        );
    } else {
      return;
    }
    if (worker)
      this.#send(worker, { type: 'worker.finished', at: event.at, pipeline: entry.id }, touched);
  }

  /** Forgets a terminal pipeline (running, waiting and escalated ones are never pruned). */
  #prune(id: string): void {
    const entry = this.#sup.get(id);
    if (entry?.kind !== 'pipeline' || !isPrunable(toPipelineView(entry).status)) return;
    this.#sup.remove(id);
    this.#checkpoints.forget(id);
    this.status.trigger.pipelineRemoved({ id });
  }

  #pipelineState(entry: ActorEntry): {
    status: PipelineStatus;
    phase: string | null;
    error: string | null;
  } {
    const view = toPipelineView(entry);
    return { status: view.status, phase: view.phase, error: view.error };
  }

  /** Internal effects (a worker's `take`) are handled here, deterministically; external ones go to executors when live. */
  #drainOutbox(entry: JournalEntry, touched: Set<string>): void {
    const outbox = this.#sup.outbox;
    while (outbox.length) {
      const emitted = outbox.shift() as EmittedEffect;
      if (emitted.effect.kind === 'take') takeItems(this.#host, emitted, entry, touched);
      else if (emitted.effect.kind === 'runStrategy')
        startStrategy(this.#host, emitted, entry.at, touched);
      else if (handleAgentEffect(this.#host, emitted, entry.at, touched)) continue;
      else if (
        emitted.effect.kind === 'cancelEffect' &&
        this.#sup.get(String(emitted.effect.target))?.kind === 'strategy'
      ) {
        const run = this.#sup.get(String(emitted.effect.target)) as ActorEntry;
        this.#send(run, { type: 'strategy.cancel', at: entry.at }, touched);
        settleStrategy(this.#host, run, entry.at, touched);
      } else if (SESSION_EFFECTS.has(emitted.effect.kind)) {
        if (this.#live) this.sessions.run(emitted.effect as unknown as AgentEffect);
      } else if (handleResourceEffect(this.#host, emitted, entry.at, touched)) continue;
      else if (this.#live) this.#dispatch.run(emitted, this.#sup.get(emitted.actor));
    }
  }

  #createPipeline(
    id: string,
    hash: string,
    inputs: Record<string, string>,
    meta: ActorMeta,
    touched: Set<string>,
  ): void {
    if (this.#sup.get(id)) return; // idempotent: a create for an existing id changes nothing
    const entry = this.#sup.spawn(id, 'pipeline', this.#pipelineMachine(hash), meta, {
      input: { id, inputs },
    });
    this.status.trigger.pipelineChanged({
      id,
      status: 'pending',
      name: meta.name ?? id,
      project: meta.project,
      error: null,
      at: meta.createdAt,
    });
    this.#sendPipeline(
      entry,
      { type: 'pipeline.start', at: meta.createdAt, inputs } as never,
      touched,
    );
  }

  #wakeWorkersOf(project: string, queue: string, at: number, touched: Set<string>): void {
    for (const worker of this.#sup.all('worker')) {
      if (worker.meta.project !== project) continue;
      if (this.definition<WorkerDef>(worker.meta.defHash).queue !== queue) continue;
      this.#send(worker, { type: 'worker.wake', at }, touched);
    }
  }

  #wakeOnEvent(project: string, name: string, entry: JournalEntry, touched: Set<string>): void {
    for (const worker of this.#sup.all('worker')) {
      if (worker.meta.project !== project) continue;
      const def = this.definition<WorkerDef>(worker.meta.defHash);
      if (def.wakeOn.some((pattern) => matchesEventPattern(pattern, name)))
        this.#wake(worker, entry, touched);
    }
  }

  /** Wakes a worker; a worker fed by a `source` queue also has the source polled now (live). */
  #wake(worker: ActorEntry, entry: JournalEntry, touched: Set<string>): void {
    this.#send(worker, { type: 'worker.wake', at: entry.at }, touched);
    if (!this.#live) return;
    const queue = this.#sup.get(
      queueId(worker.meta.project, this.definition<WorkerDef>(worker.meta.defHash).queue),
    );
    if (queue && this.definition<QueueDef>(queue.meta.defHash).source !== undefined) {
      this.#dispatch.run(
        {
          actor: queue.id,
          effect: { kind: 'pollSource', id: `poll:wake:${entry.seq}`, queue: queue.meta.qualified },
        },
        queue,
      );
    }
  }

  // ---- definitions, restore, reconcile, timers, checkpoints --------------------------------

  #bundle(hash: string): unknown {
    let def = this.#bundles.get(hash);
    if (def === undefined) {
      def = this.#deps.store.getDefinition(hash);
      if (def === undefined) throw new Error(`definition ${hash} is missing from the store`);
      this.#bundles.set(hash, def);
    }
    return def;
  }

  #pipelineMachine(hash: string): ReturnType<typeof createPipelineMachine> {
    let machine = this.#machines.get(hash);
    if (!machine) {
      machine = createPipelineMachine((this.#bundle(hash) as PipelineBundle).pipeline);
      this.#machines.set(hash, machine);
    }
    return machine;
  }

  #restore(id: string, record: StoredActor): void {
    const { kind, meta, xstate } = record.snapshot;
    try {
      const machine =
        kind === 'pipeline'
          ? this.#pipelineMachine(meta.defHash)
          : kind === 'queue'
            ? createQueueMachine(this.definition<QueueDef>(meta.defHash))
            : kind === 'worker'
              ? createWorkerMachine(this.definition<WorkerDef>(meta.defHash))
              : kind === 'strategy'
                ? strategyMachine(meta, (hash) => this.#bundle(hash))
                : kind === 'cron'
                  ? cronMachine(meta.defHash, (hash) => this.#bundle(hash))
                  : kind === 'agent'
                    ? agentMachine(meta, (hash) => this.#bundle(hash))
                    : resourceMachine(kind, meta, (hash) => this.#bundle(hash));
      const snapshot = kind === 'queue' ? migrateQueueSnapshot(xstate) : xstate; // an older layout
      const entry = this.#sup.spawn(id, kind, machine, meta, { snapshot: snapshot as never });
      if (kind === 'pipeline') {
        const view = toPipelineView(entry);
        this.status.trigger.pipelineChanged({
          id,
          status: view.status,
          name: view.name,
          project: view.project,
          error: view.error,
          at: meta.createdAt,
        });
      }
    } catch (err) {
      this.#deps.log('error', `could not restore ${id} from its snapshot: ${String(err)}`);
    }
  }

  /** After replay: resolve effects that were in flight when the daemon stopped, re-arm timers, wake workers. */
  #reconcile(): void {
    const inflight = new Set<string>();
    for (const entry of this.#sup.all('pipeline')) {
      const ctx = (entry.actor.getSnapshot() as { context: PipelineContext }).context;
      if (ctx.inflight) inflight.add(ctx.inflight.id);
    }
    for (const run of this.#sup.all('strategy')) {
      const current = (run.actor.getSnapshot() as { context: { inflight: string | null } }).context
        .inflight;
      if (current) inflight.add(current);
    }
    this.#dispatch.sweep(inflight);
    const interrupted = [
      ...this.#sup.all('strategy').map((run) => ({
        actor: run.id,
        effect: (run.actor.getSnapshot() as { context: { inflight: string | null } }).context
          .inflight,
      })),
      ...interruptedCronRuns(this.#sup),
    ];
    for (const { actor, effect } of interrupted) {
      if (effect)
        void this.submit({
          type: 'effect:failed',
          actor,
          effect,
          error: 'interrupted by a daemon restart',
        });
    }
    for (const entry of this.#sup.all('pipeline')) {
      const snapshot = entry.actor.getSnapshot() as { value: never; context: PipelineContext };
      if (TERMINAL.includes(toPipelineStatus(snapshot)) || !snapshot.context.inflight) continue;
      this.#dispatch.resume(entry, snapshot.context.inflight);
    }
    this.sessions.reattach(this.#sup.all('agent'));
    void settleEndedWorkspaces(this.#deps, this.#sup.all('pipeline'));
    for (const entry of this.#sup.all()) this.#timers.arm(entry.id, entry);
    for (const worker of this.#sup.all('worker')) {
      void this.submit({
        type: 'worker:wake',
        project: worker.meta.project,
        worker: worker.meta.qualified,
      });
    }
  }

  #emitNotice(type: string, entry: ActorEntry, at: number, data: Record<string, string>): void {
    if (!this.#live) return;
    const notice = {
      type,
      at,
      project: entry.meta.project,
      pipeline: entry.id,
      name: entry.meta.name ?? entry.id,
      ...data,
    };
    this.#notices.push(notice);
    this.#noticeTimer ??= this.#deps.clock.setTimer(
      this.#deps.clock.now() + NOTICE_FLUSH_MS,
      () => {
        this.#noticeTimer = null;
        void this.#flushNotices();
      },
    );
    const call = eventHookCall(entry, type, (hash) => this.#bundle(hash));
    if (call) this.#dispatch.hook(entry, call.hook, call.script, call.vars);
  }

  /** Journals notices that no input carried along (history only: they are never replayed). */
  async #flushNotices(): Promise<void> {
    const notices = this.#notices.splice(0);
    if (notices.length === 0) return;
    try {
      for (const record of await this.#deps.store.appendMany(notices)) this.#notify(record);
    } catch (err) {
      this.#deps.log('warn', `could not journal ${notices.length} notices: ${String(err)}`);
    }
  }

  #notify(entry: { seq: number; at: number; type: string }): void {
    for (const listener of this.#listeners) {
      try {
        listener(entry);
      } catch (err) {
        this.#deps.log('warn', `event listener failed: ${String(err)}`);
      }
    }
  }
}
