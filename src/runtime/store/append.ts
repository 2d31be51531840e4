// Turning events into journal records and queueing their write: seqs are given at call time, the
// write is encoded before any seq is used, and acknowledgements are handed out in seq order.
import { messageOf, StoreError } from './errors.js';
import type { StoreDbs } from './lmdb-env.js';
import { describeEventProblem } from './records.js';
import type { JournalRecord, NewEvent } from './records.js';

/** Records whose write is queued; `written` settles when LMDB has committed and synced them
 * (shared by every put of one lmdb batch). */
export interface QueuedAppend {
  records: JournalRecord[];
  written: Promise<unknown>;
}

/**
 * Validates `events`, numbers them from `firstSeq`, and queues their write without awaiting it.
 * One event is one put (lmdb batches every put of the current event turn into one transaction:
 * the group commit); several go in one child transaction, so a record that fails to encode rolls
 * the group back. Throws StoreError INVALID_EVENT before anything is queued.
 */
export function queueAppend(
  dbs: Pick<StoreDbs, 'root' | 'events'>,
  firstSeq: number,
  events: readonly NewEvent[],
): QueuedAppend {
  for (const event of events) {
    const problem = describeEventProblem(event);
    if (problem !== undefined) {
      const name = typeof event?.type === 'string' ? `event "${event.type}"` : 'an event';
      throw new StoreError('INVALID_EVENT', `cannot append ${name}: ${problem}`);
    }
  }
  const records = events.map((event, i): JournalRecord => ({ seq: firstSeq + i, ...event }));
  const [only] = records;
  try {
    const written =
      records.length === 1 && only !== undefined
        ? dbs.events.put(only.seq, only) // encoded here: a throw consumes no seq
        : dbs.root.childTransaction(() => {
            for (const record of records) dbs.events.put(record.seq, record);
          });
    return { records, written };
  } catch (cause) {
    throw new StoreError('INVALID_EVENT', `cannot encode the event: ${messageOf(cause)}`, {
      cause,
    });
  }
}

/** Turns a failed write of `what` into the StoreError its caller sees. */
export type WriteFailure = (what: string, cause: unknown) => StoreError;

/**
 * Hands out acknowledgements in seq order. lmdb-js returns the same promise for every put of one
 * batch, so appends are grouped by that promise: each group waits for the group before it, and
 * each append costs one `then` (50k un-awaited appends would otherwise spend most of their time
 * in the garbage collector).
 */
export class AckQueue {
  // Settles (never rejects) once the newest group and all before it have settled.
  private tail: Promise<unknown> = Promise.resolve();
  private group?: { written: Promise<unknown>; settled: Promise<{ cause: unknown } | undefined> };

  constructor(private readonly failure: WriteFailure) {}

  /** Resolves with `result` once `written` (the write of seqs `from..to`) and every write added
   * before it have settled; rejects with the StoreError `failure` makes when `written` failed. */
  add<T>(written: Promise<unknown>, from: number, to: number, result: T): Promise<T> {
    let group = this.group;
    if (group?.written !== written) {
      const outcome = written.then(
        () => undefined,
        async (error: unknown) => ({ cause: await rootCause(error) }),
      );
      const settled = Promise.all([this.tail, outcome]).then(([, failure]) => failure);
      group = { written, settled };
      this.group = group;
      this.tail = settled;
    }
    return group.settled.then((failure) => {
      if (failure === undefined) return result;
      throw this.failure(from === to ? `event ${from}` : `events ${from}..${to}`, failure.cause);
    });
  }

  /** Settles once every write added so far has settled. */
  get idle(): Promise<unknown> {
    return this.tail;
  }
}

/**
 * What made an LMDB write fail. A failed commit rejects each write with "Commit failed (see
 * commitError for details)" and rejects `commitError` with the real error (ENOSPC, EIO…) in the
 * same native callback; reading it here also keeps that promise from going unhandled.
 */
export async function rootCause(error: unknown): Promise<unknown> {
  const commit = (error as { commitError?: unknown } | null)?.commitError;
  if (!(commit instanceof Promise)) return error;
  // It is rejected by now when it has a cause; never wait on one that will not settle.
  const later = new Promise<unknown>((resolve) => setImmediate(() => resolve(error)));
  return Promise.race([
    commit.then(
      () => error,
      (cause: unknown) => cause,
    ),
    later,
  ]);
}
