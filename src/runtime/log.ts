// The daemon's logger: appends one line per entry (ISO time, level, message) to a file, and in
// the foreground also to stderr. It is injected everywhere as `log(level, message)`.
import { createWriteStream, mkdirSync, writeSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Log = (level: LogLevel, message: string) => void;

export interface FileLog {
  log: Log;
  /** Flushes and closes the file; later entries go to `echo` only. */
  close(): Promise<void>;
}

export interface FileLogOptions {
  file: string;
  /** Also write each line here (the foreground daemon passes stderr's fd, 2). */
  echoFd?: number;
  now?: () => number;
}

/** One log line; newlines inside the message are escaped so each entry stays on one line. */
export function formatLogLine(time: number, level: LogLevel, message: string): string {
  const text = message.replace(/\r?\n/g, '\\n');
  return `${new Date(time).toISOString()} ${level.padEnd(5)} ${text}\n`;
}

const REOPEN_AFTER_MS = 1_000; // a log that could not be written (disk full) is retried this often

/**
 * Opens `file` for appending (creating its directory) and returns the logger writing to it. When
 * the file cannot be written (a full disk), entries are dropped and counted, and the file is
 * opened again on an entry at least REOPEN_AFTER_MS later, starting with how many were lost.
 */
export function createFileLog(options: FileLogOptions): FileLog {
  const now = options.now ?? Date.now;
  mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
  let closed = false;
  let broken: { at: number; reason: string; dropped: number } | null = null;
  const openStream = (): WriteStream => {
    // A stream keeps entries in order without blocking the event loop on each write.
    const opened = createWriteStream(options.file, { flags: 'a', mode: 0o600 });
    opened.on('error', (err) => {
      if (opened !== stream || broken) return;
      broken = { at: now(), reason: err.message, dropped: 0 };
      echo(
        options.echoFd ?? 2,
        formatLogLine(now(), 'error', `daemon log unwritable: ${err.message}`),
      );
    });
    return opened;
  };
  let stream = openStream();
  const log: Log = (level, message) => {
    const line = formatLogLine(now(), level, message);
    if (broken && !closed && now() - broken.at >= REOPEN_AFTER_MS) {
      const lost = `${broken.dropped} log entries were lost while the log could not be written (${broken.reason})`;
      broken = null;
      stream = openStream();
      stream.write(formatLogLine(now(), 'warn', lost));
    }
    if (broken) broken.dropped++;
    else if (!closed) stream.write(line);
    if (options.echoFd !== undefined) echo(options.echoFd, line);
  };
  const close = () =>
    new Promise<void>((done) => {
      if (closed) return done();
      closed = true;
      if (broken) return done();
      stream.end(done);
    });
  return { log, close };
}

function echo(fd: number, line: string): void {
  try {
    writeSync(fd, line); // stderr: synchronous, so the last words before a crash are not lost
  } catch {
    // stderr closed: nothing left to tell
  }
}
