// The root of the actor tree: creates, restores and supervises every entity actor (pipelines, queues,
// workers), collects the effects they emit, and restarts a failing actor from its last good state
// within a restart budget — a failing child never takes the daemon down.
import { createActor } from 'xstate';
import type { AnyActorRef, AnyStateMachine, InspectionEvent, Observer, Snapshot } from 'xstate';

export type InspectionObserver = Observer<InspectionEvent> | ((event: InspectionEvent) => void);

export type ActorKind =
  'pipeline' | 'queue' | 'worker' | 'lock' | 'semaphore' | 'strategy' | 'cron' | 'agent';

/** What the engine knows about an actor besides its machine state (persisted with it). */
export interface ActorMeta {
  project: string;
  /** The runbook primitive it was built from (qualified name). */
  qualified: string;
  /** Content hash of the definition its machine was generated from. */
  defHash: string;
  /** Pipelines: a readable name and, when a worker took a queue item for it, where it came from. */
  name?: string;
  item?: { queue: string; item: string; worker: string };
  /** Strategy and agent runs: the pipeline the run belongs to. */
  owner?: string;
  /** Workers: the hash of the pipeline bundle they start for each item. */
  handlerHash?: string;
  createdAt: number;
}

export interface ActorEntry {
  id: string;
  kind: ActorKind;
  meta: ActorMeta;
  machine: AnyStateMachine;
  actor: AnyActorRef;
  /** The last snapshot that processed an event without error (snapshots are immutable). */
  lastGood: Snapshot<unknown>;
  restarts: number;
  /** Set when the restart budget is spent: the actor no longer takes events. */
  failure: string | null;
}

export interface EmittedEffect {
  actor: string;
  effect: { kind: string; id: string } & Record<string, unknown>;
}

export const RESTART_BUDGET = 3; // per actor, per daemon run

/** Supervises entity actors. Effects they emit are queued in `outbox` for the engine to take. */
export class Supervisor {
  readonly #entries = new Map<string, ActorEntry>();
  readonly outbox: EmittedEffect[] = [];
  readonly #onFailure: (entry: ActorEntry, error: unknown) => void;

  readonly #inspect: InspectionObserver | undefined;

  /** `inspect` receives XState inspection events of every actor (OJ_INSPECT; off by default). */
  constructor(
    onFailure: (entry: ActorEntry, error: unknown) => void,
    inspect?: InspectionObserver,
  ) {
    this.#onFailure = onFailure;
    this.#inspect = inspect;
  }

  get(id: string): ActorEntry | undefined {
    return this.#entries.get(id);
  }

  all(kind?: ActorKind): ActorEntry[] {
    const list = [...this.#entries.values()];
    return kind ? list.filter((e) => e.kind === kind) : list;
  }

  /** Creates (or, with `snapshot`, restores) an actor and starts it. */
  spawn(
    id: string,
    kind: ActorKind,
    machine: AnyStateMachine,
    meta: ActorMeta,
    options: { input?: unknown; snapshot?: Snapshot<unknown> },
  ): ActorEntry {
    const actor = this.#start(id, machine, options);
    const entry: ActorEntry = {
      id,
      kind,
      meta,
      machine,
      actor,
      lastGood: actor.getSnapshot(),
      restarts: 0,
      failure: null,
    };
    this.#entries.set(id, entry);
    return entry;
  }

  /** Replaces an actor's machine (a queue or worker whose runbook changed), keeping its state. */
  rebuild(entry: ActorEntry, machine: AnyStateMachine, defHash: string): void {
    const snapshot = entry.actor.getPersistedSnapshot();
    entry.actor.stop();
    entry.machine = machine;
    entry.meta.defHash = defHash;
    entry.actor = this.#start(entry.id, machine, { snapshot });
    entry.lastGood = entry.actor.getSnapshot();
  }

  /**
   * Delivers one event. An actor that errors is restarted from its last good snapshot (the event
   * is dropped and the failure reported); past the budget it is marked failed. Returns whether
   * the event was processed.
   */
  send(entry: ActorEntry, event: { type: string } & Record<string, unknown>): boolean {
    if (entry.failure) return false;
    entry.actor.send(event);
    const snapshot = entry.actor.getSnapshot() as { status: string; error?: unknown };
    if (snapshot.status !== 'error') {
      entry.lastGood = snapshot as Snapshot<unknown>;
      return true;
    }
    const error = snapshot.error;
    entry.restarts += 1;
    entry.actor.stop();
    if (entry.restarts > RESTART_BUDGET) {
      entry.failure = `actor failed ${entry.restarts} times; last error: ${describe(error)}`;
    } else {
      const persisted = (
        entry.machine as unknown as { getPersistedSnapshot(s: unknown): Snapshot<unknown> }
      ).getPersistedSnapshot(entry.lastGood);
      entry.actor = this.#start(entry.id, entry.machine, { snapshot: persisted });
    }
    this.#onFailure(entry, error);
    return false;
  }

  remove(id: string): void {
    this.#entries.get(id)?.actor.stop();
    this.#entries.delete(id);
  }

  stopAll(): void {
    for (const entry of this.#entries.values()) entry.actor.stop();
  }

  #start(
    id: string,
    machine: AnyStateMachine,
    options: { input?: unknown; snapshot?: Snapshot<unknown> },
  ): AnyActorRef {
    const actor = createActor(machine, {
      id,
      ...options,
      input: options.input ?? { id },
      ...(this.#inspect ? { inspect: this.#inspect } : {}),
    });
    actor.on('effect', (emitted: { effect: EmittedEffect['effect'] }) => {
      this.outbox.push({ actor: id, effect: emitted.effect });
    });
    actor.start();
    return actor;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
