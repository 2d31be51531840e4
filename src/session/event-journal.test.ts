import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENTS_FILE } from './agent-files.js';
import { EventJournal, readSessionEvents } from './event-journal.js';

const hook = (event: string) => ({ type: 'hook' as const, at: 1, event });

describe('EventJournal', () => {
  it('numbers events from 1 and appends each as a line before handing it back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-journal-'));
    const journal = new EventJournal(join(dir, EVENTS_FILE));
    expect(journal.append(hook('SessionStart')).seq).toBe(1);
    expect(journal.append({ type: 'exit', code: 0, signal: null, at: 2 }).seq).toBe(2);
    const lines = readFileSync(join(dir, EVENTS_FILE), 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([1, 2]);
  });

  it('replays the events after a seq', () => {
    const journal = new EventJournal(undefined);
    for (const e of ['a', 'b', 'c']) journal.append(hook(e));
    expect(journal.since(1).map((e) => e.seq)).toEqual([2, 3]);
    expect(journal.since(3)).toEqual([]);
  });

  it('reads old events back from the file once memory has let them go', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-journal-'));
    const journal = new EventJournal(join(dir, EVENTS_FILE));
    for (let i = 0; i < 2_500; i++) journal.append(hook(`e${i}`));
    const replay = journal.since(10);
    expect(replay).toHaveLength(2_490);
    expect(replay[0]?.seq).toBe(11);
  });

  it('lets a reader skip a torn last line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-journal-'));
    const journal = new EventJournal(join(dir, EVENTS_FILE));
    journal.append(hook('Stop'));
    appendFileSync(join(dir, EVENTS_FILE), '{"type":"exit","seq":2,"co');
    expect(readSessionEvents(dir)).toEqual([{ type: 'hook', seq: 1, at: 1, event: 'Stop' }]);
    expect(readSessionEvents(join(dir, 'missing'))).toEqual([]);
  });
});
