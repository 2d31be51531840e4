// Tailing a real temp file: appends, torn lines, malformed lines, truncation, rewrites, a file that
// appears late, resuming from the end, and stopping. Waits on the lines themselves, with a deadline.
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogTailer, type LogTailerOptions, type TailerClock } from './log-tailer.js';

const DEADLINE = { timeout: 5_000, interval: 5 };

let dir: string;
let file: string;
let controller: AbortController;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oj-tail-'));
  file = join(dir, 'session.jsonl');
  controller = new AbortController();
});
afterEach(() => {
  controller.abort();
  rmSync(dir, { recursive: true, force: true });
});

function tail(overrides: Partial<LogTailerOptions> = {}) {
  const seen: unknown[] = [];
  const tailer = createLogTailer({
    path: file,
    onLine: (entry) => seen.push(entry),
    pollMs: 20,
    signal: controller.signal,
    ...overrides,
  });
  return { tailer, seen };
}

/** A clock whose timers never fire on their own: only explicit check() calls read. */
function stillClock(): TailerClock & { pending: () => number } {
  const timers = new Set<() => void>();
  return {
    now: () => 0,
    setTimer(_at, fire) {
      timers.add(fire);
      return () => timers.delete(fire);
    },
    pending: () => timers.size,
  };
}

const line = (n: number) => `${JSON.stringify({ type: 'user', n })}\n`;

describe('createLogTailer', () => {
  it('reads the lines already there, then lines appended later', async () => {
    writeFileSync(file, line(1) + line(2));
    const { seen } = tail();
    await vi.waitFor(
      () =>
        expect(seen).toEqual([
          { type: 'user', n: 1 },
          { type: 'user', n: 2 },
        ]),
      DEADLINE,
    );
    appendFileSync(file, line(3));
    await vi.waitFor(() => expect(seen).toHaveLength(3), DEADLINE);
    expect(seen[2]).toEqual({ type: 'user', n: 3 });
  });

  it('sees appends through fs.watch alone when polling is slow', async () => {
    writeFileSync(file, '');
    const { tailer, seen } = tail({ pollMs: 600_000 });
    await tailer.check();
    appendFileSync(file, line(1));
    await vi.waitFor(() => expect(seen).toEqual([{ type: 'user', n: 1 }]), DEADLINE);
  });

  it('sees appends through polling alone when watching is off', async () => {
    const { seen } = tail({ watch: false });
    writeFileSync(file, line(1));
    await vi.waitFor(() => expect(seen).toEqual([{ type: 'user', n: 1 }]), DEADLINE);
    appendFileSync(file, line(2));
    await vi.waitFor(() => expect(seen).toHaveLength(2), DEADLINE);
  });

  it('holds a torn last line until its newline arrives', async () => {
    const clock = stillClock();
    const { tailer, seen } = tail({ clock, watch: false });
    writeFileSync(file, `${line(1)}{"type":"assis`);
    await tailer.check();
    expect(seen).toEqual([{ type: 'user', n: 1 }]);
    appendFileSync(file, 'tant"}\n');
    await tailer.check();
    expect(seen).toEqual([{ type: 'user', n: 1 }, { type: 'assistant' }]);
    expect(tailer.offset()).toBe(line(1).length + '{"type":"assistant"}\n'.length);
  });

  it('skips malformed and blank lines and keeps going', async () => {
    const { tailer, seen } = tail({ clock: stillClock(), watch: false });
    writeFileSync(file, `not json\n\n${line(1)}{"torn":\n   \n${line(2)}`);
    await tailer.check();
    expect(seen).toEqual([
      { type: 'user', n: 1 },
      { type: 'user', n: 2 },
    ]);
  });

  it('starts over from the beginning when the file is truncated', async () => {
    writeFileSync(file, line(1) + line(2) + line(3));
    const { seen } = tail();
    await vi.waitFor(() => expect(seen).toHaveLength(3), DEADLINE);
    truncateSync(file, 0);
    appendFileSync(file, line(9));
    await vi.waitFor(() => expect(seen).toHaveLength(4), DEADLINE);
    expect(seen[3]).toEqual({ type: 'user', n: 9 });
  });

  it('starts over when the file was rewritten with more than it held', async () => {
    const { tailer, seen } = tail({ clock: stillClock(), watch: false });
    writeFileSync(file, line(1));
    await tailer.check();
    writeFileSync(file, `${JSON.stringify({ type: 'summary', text: 'a longer first line' })}\n`);
    await tailer.check();
    expect(seen).toEqual([
      { type: 'user', n: 1 },
      { type: 'summary', text: 'a longer first line' },
    ]);
  });

  it('waits for a file whose directory does not exist yet', async () => {
    file = join(dir, 'projects', '-work-app', 'session.jsonl');
    const { seen } = tail();
    mkdirSync(join(dir, 'projects', '-work-app'), { recursive: true });
    writeFileSync(file, line(1));
    await vi.waitFor(() => expect(seen).toEqual([{ type: 'user', n: 1 }]), DEADLINE);
    appendFileSync(file, line(2));
    await vi.waitFor(() => expect(seen).toHaveLength(2), DEADLINE);
  });

  it('skips what the file already holds when told to start at the end', async () => {
    writeFileSync(file, line(1) + line(2));
    const { tailer, seen } = tail({ from: 'end', clock: stillClock(), watch: false });
    await tailer.check();
    appendFileSync(file, line(3));
    await tailer.check();
    expect(seen).toEqual([{ type: 'user', n: 3 }]);
  });

  it('starts at a given byte offset', async () => {
    writeFileSync(file, line(1) + line(2));
    const { tailer, seen } = tail({ from: line(1).length, clock: stillClock(), watch: false });
    await tailer.check();
    expect(seen).toEqual([{ type: 'user', n: 2 }]);
  });

  it('reports a throwing onLine and still delivers the next lines', async () => {
    const errors: unknown[] = [];
    const seen: unknown[] = [];
    const tailer = createLogTailer({
      path: file,
      pollMs: 20,
      signal: controller.signal,
      clock: stillClock(),
      watch: false,
      onError: (err) => errors.push(err),
      onLine: (entry) => {
        if ((entry as { n: number }).n === 1) throw new Error('handler bug');
        seen.push(entry);
      },
    });
    writeFileSync(file, line(1) + line(2));
    await tailer.check();
    expect(errors).toEqual([new Error('handler bug')]);
    expect(seen).toEqual([{ type: 'user', n: 2 }]);
  });

  it('stops polling and delivering once aborted', async () => {
    const clock = stillClock();
    const { tailer, seen } = tail({ clock });
    writeFileSync(file, line(1));
    await tailer.check();
    await vi.waitFor(() => expect(clock.pending()).toBe(1), DEADLINE);
    controller.abort();
    await tailer.stopped;
    expect(clock.pending()).toBe(0);
    appendFileSync(file, line(2));
    await tailer.check();
    expect(seen).toEqual([{ type: 'user', n: 1 }]);
  });

  it('rejects a non-positive poll interval', () => {
    expect(() => tail({ pollMs: 0 })).toThrow(RangeError);
  });
});
