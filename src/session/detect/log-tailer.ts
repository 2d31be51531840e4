// Tails a JSONL file (Claude's session log, an agent's stdout capture) from a byte offset: fs.watch
// for promptness plus polling because watch can miss events; torn lines wait for their newline.
import { watch, type FSWatcher } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { createLineSplitter } from './line-splitter.js';

/** The runtime's Clock, structurally; declared here so this folder does not import upward. */
export interface TailerClock {
  now(): number;
  setTimer(at: number, fire: () => void): () => void;
}

export interface LogTailerOptions {
  path: string;
  /** Each complete line that parses as JSON, in file order. Blank and malformed lines are skipped. */
  onLine: (entry: unknown) => void;
  /** Polling interval in ms (production 3000, tests 50); watch events read sooner. */
  pollMs: number;
  /** Stops the tailer: no line is delivered after it aborts. */
  signal: AbortSignal;
  /** Where to start: a byte offset, or 'end' to skip what the file holds now (a resumed session). Default 0. */
  from?: number | 'end';
  /** Also use fs.watch (default true); polling alone is slower but sees everything. */
  watch?: boolean;
  /** Time and timers (default: setTimeout). */
  clock?: TailerClock;
  /** Errors other than the file not existing yet: an unreadable file, onLine throwing. */
  onError?: (err: unknown) => void;
}

export interface LogTailer {
  /** Bytes consumed so far, a partial last line included. */
  offset(): number;
  /** Reads what the file holds now (e.g. on a Stop hook, to catch up before acting); never rejects. */
  check(): Promise<void>;
  /** Resolves once the signal has aborted and no read is in flight. */
  stopped: Promise<void>;
}

const READ_CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

// The fallback when no clock is given, so a caller without one still polls.
const timeoutClock: TailerClock = {
  now: () => Date.now(),
  setTimer(at, fire) {
    const handle = setTimeout(fire, Math.max(0, at - Date.now()));
    return () => clearTimeout(handle);
  },
};

/**
 * Starts tailing `path` and returns at once. Tolerates a file (or directory) that does not exist
 * yet. Re-reads from 0 when the file shrinks below the offset, is replaced (new inode), or was
 * rewritten (the byte before the offset is no longer the newline it was): `/clear` truncates.
 */
export function createLogTailer(opts: LogTailerOptions): LogTailer {
  const { path, onLine, pollMs, signal } = opts;
  if (!(pollMs > 0)) throw new RangeError(`createLogTailer needs pollMs > 0, got ${pollMs}`);
  const clock = opts.clock ?? timeoutClock;
  const report = opts.onError ?? (() => {});
  const splitter = createLineSplitter();
  let offset = typeof opts.from === 'number' ? opts.from : 0;
  let skipToEnd = opts.from === 'end';
  let inode: number | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let cancelTimer: (() => void) | undefined;
  let watcher: FSWatcher | undefined;

  const restart = (): void => {
    offset = 0;
    splitter.reset();
  };

  const deliver = (line: string): void => {
    if (signal.aborted || line.trim() === '') return;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      return; // a malformed or torn line from a crashed writer: skip it, keep tailing
    }
    try {
      onLine(entry);
    } catch (err) {
      report(err);
    }
  };

  const readOnce = async (): Promise<void> => {
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      if (!isMissing(err)) throw err;
      skipToEnd = false; // a file created after we started is new: read all of it
      return;
    }
    if (skipToEnd) {
      skipToEnd = false;
      offset = info.size;
    }
    if ((inode !== undefined && info.ino !== inode) || info.size < offset) restart();
    inode = info.ino;
    if (info.size === offset) return;
    const file = await open(path, 'r');
    try {
      const buf = Buffer.alloc(READ_CHUNK_BYTES);
      if (offset > 0 && splitter.pending() === 0) {
        // Our last line ended in a newline; if that byte changed, the file was rewritten.
        const { bytesRead } = await file.read(buf, 0, 1, offset - 1);
        if (bytesRead !== 1 || buf[0] !== NEWLINE) restart();
      }
      while (!signal.aborted) {
        const { bytesRead } = await file.read(buf, 0, buf.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        for (const line of splitter.push(buf.subarray(0, bytesRead))) deliver(line);
      }
    } finally {
      await file.close();
    }
  };

  const check = (): Promise<void> => {
    if (signal.aborted) return running ?? Promise.resolve();
    if (running !== undefined) {
      again = true; // data may have arrived after the running pass looked: look once more
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await readOnce().catch(report);
      } while (again && !signal.aborted);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const startWatch = (): void => {
    if (watcher !== undefined || opts.watch === false || signal.aborted) return;
    try {
      // Watch the directory, not the file: the file may not exist yet or may be replaced.
      const name = basename(path);
      watcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
        if (changed === null || changed === name) void check();
      });
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined; // retried on the next poll
      });
    } catch {
      watcher = undefined; // the directory does not exist yet: retried on the next poll
    }
  };

  const schedule = (): void => {
    if (signal.aborted) return;
    cancelTimer = clock.setTimer(clock.now() + pollMs, () => {
      cancelTimer = undefined;
      startWatch();
      void check().then(schedule);
    });
  };

  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      cancelTimer?.();
      cancelTimer = undefined;
      watcher?.close();
      watcher = undefined;
      void (running ?? Promise.resolve()).then(() => resolve());
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });

  if (!signal.aborted) {
    startWatch();
    void check().then(schedule);
  }
  return { offset: () => offset, check, stopped };
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
