// Wires the detection tiers a driver uses (agents.md §3) to the host's events: claude = hooks (1),
// its session log (2) and the screen (4); codex and generic = output activity (3), which owns both
// edges, plus an optional idle pattern on the screen.
import {
  classifyClaudeLogEntry,
  classifyHook,
  classifyScreen,
  createActivityTracker,
  createLogTailer,
} from './detect/index.js';
import type { Emission } from './detect/index.js';
import type { Driver } from './protocol.js';
import type { ScreenText } from './screen.js';
import type { SessionTiming } from './timing.js';

export interface DetectorOptions {
  driver: Driver;
  timing: SessionTiming;
  idlePattern?: RegExp;
  /** claude: the session log to tail. */
  logPath?: string;
  /** Skip what the log holds at start (a resumed session's history is not news). */
  logFromEnd?: boolean;
  offer(e: Emission): void;
  log(level: 'info' | 'warn', message: string): void;
}

export interface Detectors {
  /** PTY output arrived. */
  onOutput(data: string): void;
  /** The screen settled (debounced) with this content. */
  onScreen(screen: ScreenText): void;
  /** A Claude hook call. */
  onHook(event: string, payload: unknown): void;
  /** Claude named its transcript (hook payload): tail that file from now on. */
  retargetLog(path: string): void;
  stop(): void;
}

const MAX_POLL_MS = 250; // how late a quiet spell may be noticed, at most

/** Starts the detectors of `opts.driver`; `stop()` releases their timers and file watches. */
export function startDetectors(opts: DetectorOptions): Detectors {
  const { driver, timing, offer } = opts;
  const ownsActivity = driver !== 'claude'; // for claude, bytes come from redraws and echo too
  const activity = createActivityTracker({ quietMs: Math.max(1, timing.quietMs), now: Date.now });
  const poller = ownsActivity
    ? setInterval(
        () => {
          const e = activity.poll();
          if (e) offer(e);
        },
        Math.max(1, Math.min(MAX_POLL_MS, Math.floor(timing.quietMs / 4))),
      )
    : undefined;
  poller?.unref();

  let logPath: string | undefined;
  let tailStop: AbortController | undefined;
  const tail = (path: string, from: 0 | 'end'): void => {
    if (driver !== 'claude' || path === logPath) return;
    tailStop?.abort();
    logPath = path;
    tailStop = new AbortController();
    opts.log('info', `tailing the session log ${path}`);
    createLogTailer({
      path,
      pollMs: timing.logPollMs,
      signal: tailStop.signal,
      from,
      onLine: (entry) => {
        const e = classifyClaudeLogEntry(entry);
        if (e) offer(e);
      },
      onError: (err) => opts.log('warn', `session log ${path}: ${String(err)}`),
    });
  };
  if (opts.logPath) tail(opts.logPath, opts.logFromEnd ? 'end' : 0);

  return {
    onOutput(data) {
      const e = activity.onOutput(Buffer.byteLength(data));
      if (e && ownsActivity) offer(e);
    },
    onScreen(screen) {
      if (driver === 'claude') {
        const e = classifyScreen(screen.lines, 'claude');
        if (e) offer(e);
        return;
      }
      if (!opts.idlePattern) return;
      // Only the line the agent waits on: older prompts further up must not read as idle.
      const e = classifyScreen([promptLine(screen)], driver, { idlePattern: opts.idlePattern });
      if (e?.state !== 'idle') return;
      const idle = activity.markIdle(e.cause);
      if (idle) offer(idle);
    },
    onHook(event, payload) {
      if (driver !== 'claude') return;
      const e = classifyHook(event, payload);
      if (e) offer(e);
    },
    // A transcript named by a hook (resume, /clear) may hold history; the hooks cover its start.
    retargetLog: (path) => tail(path, 'end'),
    stop() {
      if (poller) clearInterval(poller);
      tailStop?.abort();
    },
  };
}

/** The last non-blank line at or above the cursor. */
function promptLine(screen: ScreenText): string {
  for (let y = Math.min(screen.cursor.y, screen.lines.length - 1); y >= 0; y--) {
    const line = screen.lines[y]!;
    if (line.trim()) return line;
  }
  return '';
}
