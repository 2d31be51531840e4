// The session host's timing: one config shape with a production and a test preset (agents.md §2),
// plus overrides, and the pause between a nudge's text and its Enter. Pure.
import type { TimingChoice, TimingPresetName } from './protocol.js';
import { TIMING_KEYS } from './protocol.js';

/** Every wait the host makes, in ms. */
export interface SessionTiming {
  /** Screen classification runs this long after the last screen change. */
  screenDebounceMs: number;
  /** Pause between text and its `\r` (nudge, respond); grows with long text, see nudgeDelayMs. */
  inputDelayMs: number;
  inputDelayPerByteMs: number;
  inputDelayMaxMs: number;
  /** Minimum gap between two PTY writes (the input gate). */
  inputGapMs: number;
  /** No `working` this long after a nudge's Enter → the Enter is re-sent once. */
  nudgeTimeoutMs: number;
  /** Kill of a working agent: Esc every `drainEscEveryMs` for up to `drainMs`, then SIGHUP. */
  drainMs: number;
  drainEscEveryMs: number;
  /** SIGHUP → SIGKILL of the process group. */
  shutdownMs: number;
  /** Poll interval of the session-log tailer (fs.watch does the fast path). */
  logPollMs: number;
  /** generic driver: no output this long → idle. */
  quietMs: number;
  /** The host exits this long after its agent, once `exit` is flushed. */
  hostExitDelayMs: number;
}

export const TIMING_PRESETS: Readonly<Record<TimingPresetName, Readonly<SessionTiming>>> = {
  production: {
    screenDebounceMs: 50,
    inputDelayMs: 200,
    inputDelayPerByteMs: 1, // a TUI needs longer to take in a long paste
    inputDelayMaxMs: 5_000,
    inputGapMs: 10,
    nudgeTimeoutMs: 4_000,
    drainMs: 20_000,
    drainEscEveryMs: 2_000,
    shutdownMs: 10_000,
    logPollMs: 3_000,
    quietMs: 3_000,
    hostExitDelayMs: 2_000,
  },
  test: {
    screenDebounceMs: 10,
    inputDelayMs: 10,
    inputDelayPerByteMs: 0,
    inputDelayMaxMs: 50,
    inputGapMs: 1,
    nudgeTimeoutMs: 100,
    drainMs: 100,
    drainEscEveryMs: 40,
    shutdownMs: 100,
    logPollMs: 50,
    quietMs: 250,
    hostExitDelayMs: 100,
  },
};

/** The timing a spawn spec asks for: a preset name, or a preset plus overrides (default production). */
export function resolveTiming(choice: TimingChoice | undefined): SessionTiming {
  if (choice === undefined) return { ...TIMING_PRESETS.production };
  if (typeof choice === 'string') return { ...TIMING_PRESETS[choice] };
  const timing: SessionTiming = { ...TIMING_PRESETS[choice.preset] };
  for (const key of TIMING_KEYS) {
    const value = choice[key];
    if (value !== undefined) timing[key] = value;
  }
  return timing;
}

// Text up to this many bytes needs only the base delay; past it, `inputDelayPerByteMs` per byte.
const LONG_TEXT_BYTES = 256;

/** How long to wait after writing `text` before its `\r`: base + per byte past 256, capped. */
export function nudgeDelayMs(text: string, timing: SessionTiming): number {
  const extra = Math.max(0, Buffer.byteLength(text) - LONG_TEXT_BYTES) * timing.inputDelayPerByteMs;
  return Math.min(
    timing.inputDelayMs + extra,
    Math.max(timing.inputDelayMaxMs, timing.inputDelayMs),
  );
}
