// The daemon log: one line per entry (ISO time, level, message), appended, echoed when asked.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
