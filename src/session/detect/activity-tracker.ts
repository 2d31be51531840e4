// Tier 3 for the generic driver: PTY output means working, a quiet spell means idle. Pure given the
// injected clock — no timers inside; the host calls poll() on its own schedule.
import type { Emission } from './types.js';

export interface ActivityTrackerOptions {
  /** How long without output counts as idle, in ms. */
  quietMs: number;
  now: () => number;
}

export interface ActivityTracker {
  /** Output arrived: working, unless this tracker last reported working. */
  onOutput(bytes: number): Emission | undefined;
  /** Idle once `quietMs` have passed without output, unless this tracker last reported idle. */
  poll(): Emission | undefined;
  /**
   * The host learned of idle another way (the screen's idle pattern). Returns idle at tier 3 — so
   * the arbiter accepts it over this tracker's own tier-3 working — and lets the next output report
   * working again. Undefined if this tracker already reported idle.
   */
  markIdle(cause: string): Emission | undefined;
  /** When output last arrived, in the clock's ms; the creation time before any output. */
  lastOutputAt(): number;
}

/**
 * Creates a tracker that owns both edges for an agent without hooks or a log: bytes → working,
 * quiet → idle (the arbiter would never let a lower tier's idle in over tier-3 working). A silent
 * agent counts as idle after `quietMs` from creation.
 */
export function createActivityTracker(opts: ActivityTrackerOptions): ActivityTracker {
  const { quietMs, now } = opts;
  if (!(quietMs > 0))
    throw new RangeError(`createActivityTracker needs quietMs > 0, got ${quietMs}`);
  let last = now();
  let reported: 'none' | 'working' | 'idle' = 'none';

  const idle = (cause: string): Emission | undefined => {
    if (reported === 'idle') return undefined;
    reported = 'idle';
    return { state: 'idle', tier: 3, cause };
  };

  return {
    onOutput(bytes) {
      if (bytes <= 0) return undefined;
      last = now();
      if (reported === 'working') return undefined;
      reported = 'working';
      return { state: 'working', tier: 3, cause: 'output' };
    },
    poll() {
      return now() - last >= quietMs ? idle('output:quiet') : undefined;
    },
    markIdle(cause) {
      return idle(cause);
    },
    lastOutputAt: () => last,
  };
}
