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
  /** actor id → deadline id → cancel: re-arming one actor touches only its own timers. */
  readonly #timers = new Map<string, Map<string, () => void>>();
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
    if (entry) for (const d of deadlinesOf(entry)) wanted.set(d.id, d.at);
    let armed = this.#timers.get(id);
    if (!armed) {
      if (wanted.size === 0) return;
      armed = new Map();
      this.#timers.set(id, armed);
    }
    for (const [deadline, cancel] of armed) {
      if (wanted.has(deadline)) continue;
      cancel();
      armed.delete(deadline);
    }
    for (const [deadline, at] of wanted) {
      if (armed.has(deadline)) continue;
      const timers = armed;
      const cancel = this.#clock.setTimer(at, () => {
        timers.delete(deadline);
        if (timers.size === 0 && this.#timers.get(id) === timers) this.#timers.delete(id);
        this.#fire(id, deadline);
      });
      armed.set(deadline, cancel);
    }
    if (armed.size === 0) this.#timers.delete(id);
  }

  cancelAll(): void {
    for (const armed of this.#timers.values()) for (const cancel of armed.values()) cancel();
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
