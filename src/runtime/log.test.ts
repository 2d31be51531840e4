// The daemon log: one line per entry (ISO time, level, message), appended, echoed when asked, and
// reopened after a spell of being unwritable (a full disk).
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createFileLog, formatLogLine } from './log.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oj-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const T = Date.UTC(2025, 0, 2, 3, 4, 5, 6);

it('formats an entry as one line, escaping newlines', () => {
  expect(formatLogLine(T, 'warn', 'two\nlines')).toBe(
    '2025-01-02T03:04:05.006Z warn  two\\nlines\n',
  );
});

it('appends to an existing log (creating its directory) and echoes to a file descriptor', async () => {
  const file = join(dir, 'logs', 'daemon.log');
  const first = createFileLog({ file, now: () => T });
  first.log('info', 'one');
  await first.close();
  const echoFile = join(dir, 'echo');
  writeFileSync(echoFile, '');
  const echoFd = openSync(echoFile, 'a');
  const second = createFileLog({ file, now: () => T, echoFd });
  second.log('error', 'two');
  await second.close();
  closeSync(echoFd);
  expect(readFileSync(file, 'utf8')).toBe(
    '2025-01-02T03:04:05.006Z info  one\n2025-01-02T03:04:05.006Z error two\n',
  );
  expect(readFileSync(echoFile, 'utf8')).toBe('2025-01-02T03:04:05.006Z error two\n');
});

it.skipIf(!existsSync('/dev/full'))(
  'drops entries while the file cannot be written (disk full), then reopens it and says how many were lost',
  async () => {
    const file = join(dir, 'daemon.log');
    symlinkSync('/dev/full', file); // every write fails with ENOSPC
    const echoFile = join(dir, 'echo');
    writeFileSync(echoFile, '');
    const echoFd = openSync(echoFile, 'a');
    let now = T;
    const log = createFileLog({ file, now: () => now, echoFd });
    log.log('info', 'into the void');
    // The write fails asynchronously: wait (with a deadline) until the log has noticed.
    const deadline = Date.now() + 5_000;
    while (!readFileSync(echoFile, 'utf8').includes('daemon log unwritable')) {
      if (Date.now() > deadline) throw new Error('the log never reported the failed write');
      await new Promise((resolve) => setImmediate(resolve));
    }
    log.log('info', 'dropped 1');
    log.log('info', 'dropped 2');
    unlinkSync(file); // space is back
    now += 1_000;
    log.log('info', 'back');
    await log.close();
    closeSync(echoFd);
    expect(readFileSync(file, 'utf8')).toBe(
      '2025-01-02T03:04:06.006Z warn  2 log entries were lost while the log could not be written (ENOSPC: no space left on device, write)\n' +
        '2025-01-02T03:04:06.006Z info  back\n',
    );
  },
);
