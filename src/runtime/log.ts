// The daemon's logger: appends one line per entry (ISO time, level, message) to a file, and in
// the foreground also to stderr. It is injected everywhere as `log(level, message)`.
import { createWriteStream, mkdirSync, writeSync } from 'node:fs';
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

/** Opens `file` for appending (creating its directory) and returns the logger writing to it. */
export function createFileLog(options: FileLogOptions): FileLog {
  const now = options.now ?? Date.now;
  mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
  // A stream keeps entries in order without blocking the event loop on each write.
  const stream = createWriteStream(options.file, { flags: 'a', mode: 0o600 });
  let open = true;
  stream.on('error', (err) => {
    open = false;
    echo(
      options.echoFd ?? 2,
      formatLogLine(now(), 'error', `daemon log unwritable: ${err.message}`),
    );
  });
  const log: Log = (level, message) => {
    const line = formatLogLine(now(), level, message);
    if (open) stream.write(line);
    if (options.echoFd !== undefined) echo(options.echoFd, line);
  };
  const close = () =>
    new Promise<void>((done) => {
      if (!open) return done();
      open = false;
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
