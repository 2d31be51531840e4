// Live timers, derived from the deadlines in actors' contexts (never XState `after`, which does not
// survive a restart): re-armed for an actor whenever it changes, and for every actor on start.
import {
  agentDeadlines,
  cronDeadlines,
  lockDeadlines,
  queueDeadlines,
  semaphoreDeadlines,
  strategyDeadlines,
  workerDeadlines,
} from '../../machines/index.js';
import type { PipelineContext } from '../../machines/index.js';
import type { Clock } from '../clock.js';
import type { ActorEntry } from './supervisor.js';

export class DeadlineTimers {
  readonly #timers = new Map<string, () => void>();
  readonly #clock: Clock;
  readonly #fire: (actor: string, deadline: string) => void;

  /** `fire` is called when a deadline is due (the engine journals it as `timer:fired`). */
  constructor(clock: Clock, fire: (actor: string, deadline: string) => void) {
    this.#clock = clock;
    this.#fire = fire;
  }

  /** Makes the armed timers of actor `id` match its current deadlines (none if it is gone). */
  arm(id: string, entry: ActorEntry | undefined): void {
    const wanted = new Map<string, number>();
    if (entry) for (const d of deadlinesOf(entry)) wanted.set(`${id}\u0000${d.id}`, d.at);
    for (const [key, cancel] of this.#timers) {
      if (key.startsWith(`${id}\u0000`) && !wanted.has(key)) {
        cancel();
        this.#timers.delete(key);
      }
    }
    for (const [key, at] of wanted) {
      if (this.#timers.has(key)) continue;
      const deadline = key.slice(id.length + 1);
      const cancel = this.#clock.setTimer(at, () => {
        this.#timers.delete(key);
        this.#fire(id, deadline);
      });
      this.#timers.set(key, cancel);
    }
  }

  cancelAll(): void {
    for (const cancel of this.#timers.values()) cancel();
    this.#timers.clear();
  }
}

/** The deadlines an actor's context holds. Pure. */
export function deadlinesOf(entry: ActorEntry): { id: string; at: number }[] {
  const snapshot = entry.actor.getSnapshot() as { status: string; context: unknown };
  if (snapshot.status !== 'active') return [];
  switch (entry.kind) {
    case 'pipeline': {
      const d = (snapshot.context as PipelineContext).deadline;
      return d ? [d] : [];
    }
    case 'queue':
      return queueDeadlines(snapshot as never);
    case 'worker':
      return workerDeadlines(snapshot as never);
    case 'lock':
      return lockDeadlines(snapshot as never);
    case 'semaphore':
      return semaphoreDeadlines(snapshot as never);
    case 'strategy':
      return strategyDeadlines(snapshot as never);
    case 'cron':
      return cronDeadlines(snapshot as never);
    case 'agent':
      return agentDeadlines(snapshot as never);
  }
}
