// events.jsonl: every transition, hook call, answer and the exit of a session, one JSON frame per
// line with its `seq`, appended before it is broadcast — so a client (or a restarted daemon) can
// replay what it missed from `sinceSeq` (agents.md §5.5).
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENTS_FILE } from './agent-files.js';
import { SessionEventSchema } from './protocol.js';
import type { SessionEvent } from './protocol.js';

const KEEP_IN_MEMORY = 2_000; // older events are read back from the file

/** Distributes `Omit` over a union, so each event type keeps its own fields. */
export type WithoutSeq<T> = T extends unknown ? Omit<T, 'seq'> : never;

export class EventJournal {
  readonly #path: string | undefined;
  #recent: SessionEvent[] = [];
  #seq = 0;

  /** Starts a fresh journal at `path` (truncating it), or a memory-only one without a path. */
  constructor(path: string | undefined) {
    this.#path = path;
    if (path) writeFileSync(path, '', { mode: 0o600 });
  }

  /** The seq of the newest event (0 before the first). */
  get seq(): number {
    return this.#seq;
  }

  /** Gives `event` the next seq and persists it; returns it. Throws when the file cannot be written. */
  append(event: WithoutSeq<SessionEvent>): SessionEvent {
    const full = { ...event, seq: this.#seq + 1 } as SessionEvent;
    if (this.#path) appendFileSync(this.#path, `${JSON.stringify(full)}\n`);
    this.#seq = full.seq;
    this.#recent.push(full);
    if (this.#recent.length > KEEP_IN_MEMORY) this.#recent.splice(0, KEEP_IN_MEMORY / 2);
    return full;
  }

  /** Every event with seq > `sinceSeq`, oldest first. */
  since(sinceSeq: number): SessionEvent[] {
    const first = this.#recent[0]?.seq ?? this.#seq + 1;
    if (sinceSeq + 1 >= first || !this.#path) return this.#recent.filter((e) => e.seq > sinceSeq);
    return parseEvents(readFileSync(this.#path, 'utf8')).filter((e) => e.seq > sinceSeq);
  }
}

/**
 * The events a session host journaled in agent dir `dir` with seq > `sinceSeq` (e.g. the last
 * `exit` of a host that ended while the daemon was down). A torn or bad line is skipped.
 */
export function readSessionEvents(dir: string, sinceSeq = 0): SessionEvent[] {
  let text: string;
  try {
    text = readFileSync(join(dir, EVENTS_FILE), 'utf8');
  } catch {
    return [];
  }
  return parseEvents(text).filter((e) => e.seq > sinceSeq);
}

function parseEvents(text: string): SessionEvent[] {
  const events: SessionEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const parsed = SessionEventSchema.safeParse(JSON.parse(line));
      if (parsed.success) events.push(parsed.data);
    } catch {
      // a torn last line (the host died mid-write): skip it
    }
  }
  return events;
}
