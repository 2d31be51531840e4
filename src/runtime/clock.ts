// Time, injected: the only module that reads Date.now() or calls setTimeout (STYLE.md "Time is
// injected"). Timers are absolute deadlines in epoch ms, like the deadlines machines keep in context.

/** A source of time and deadline timers. Everything that waits takes one of these. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /**
   * Calls `fire` once, at or after the epoch-ms deadline `at` (a deadline already passed fires
   * soon, never synchronously inside this call). Returns a cancel function; cancelling a timer that
   * has fired or was cancelled does nothing.
   */
  setTimer(at: number, fire: () => void): () => void;
}

// setTimeout fires at once for delays above a signed 32-bit int (~24.8 days), so longer timers are
// armed in steps of at most this many ms.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** The real clock: Date.now and setTimeout. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(at, fire) {
    let handle: ReturnType<typeof setTimeout> | undefined;
    const arm = (): void => {
      const delay = at - Date.now();
      // Re-check on waking rather than trusting the delay: setTimeout runs on a monotonic clock and
      // may wake a millisecond before Date.now() reaches `at`, or the wall clock may have moved back.
      if (delay <= 0) {
        handle = undefined;
        fire();
        return;
      }
      handle = setTimeout(arm, Math.min(delay, MAX_TIMEOUT_MS));
    };
    // Always go through setTimeout once, so a deadline in the past still fires asynchronously.
    handle = setTimeout(arm, Math.min(Math.max(at - Date.now(), 0), MAX_TIMEOUT_MS));
    return () => {
      if (handle !== undefined) clearTimeout(handle);
      handle = undefined;
    };
  },
};

interface FakeTimer {
  at: number;
  seq: number;
  fire: () => void;
}

/**
 * A clock for tests that moves only when told to. `advance`/`set` fire every timer that falls due,
 * synchronously, in deadline order (ties in the order they were set); during each callback `now()`
 * reads that timer's deadline. Timers set by a callback fire in the same call if they are due.
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: FakeTimer[] = [];

  /** Starts at `start` epoch ms (default 2025-01-01T00:00:00Z, so ISO times in logs look real). */
  constructor(start = Date.UTC(2025, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(at: number, fire: () => void): () => void {
    const timer: FakeTimer = { at, seq: this.#seq++, fire };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward by `ms` (≥ 0), firing the timers that fall due. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance needs ms >= 0, got ${ms}`);
    this.set(this.#now + ms);
  }

  /**
   * Moves time to `at`, firing the timers that fall due on the way. Moving backwards (like a wall
   * clock being corrected) is allowed and fires nothing.
   */
  set(at: number): void {
    for (;;) {
      const next = this.#nextDue(at);
      if (next === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.at);
      next.fire();
    }
    this.#now = at;
  }

  /** How many timers are armed (set, not yet fired or cancelled). */
  pending(): number {
    return this.#timers.length;
  }

  #nextDue(at: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.#timers) {
      if (t.at > at) continue;
      if (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
