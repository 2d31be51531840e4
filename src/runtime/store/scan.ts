// Damage-tolerant range reads. lmdb-js decodes each value inside the cursor's `next()`, so one
// undecodable value would end a plain `for…of`; this scan reports it with its key and raw bytes and
// carries on after it.
import type { Database, Key, Transaction } from 'lmdb';

/** One entry of a scan: its decoded value, or (`reason` set) why it is damaged and its bytes.
 * Decoded entries are lmdb's own entry objects, passed through without copying. */
export type ScanEntry<K extends Key> = Decoded<K> | Damaged<K>;
export interface Decoded<K extends Key> {
  key: K;
  value: unknown;
  reason?: undefined;
}
export interface Damaged<K extends Key> {
  key: K;
  reason: string;
  raw: Uint8Array;
}

/** A db handle and a second handle on the same named db with `encoding: 'binary'`. */
export interface ScanDbs<K extends Key> {
  decoded: Database<unknown, K>;
  binary: Database<Buffer, K>;
}

/**
 * Yields every entry with `start <= key < end` in key order, all read in `transaction` (one
 * consistent snapshot). Entries whose value fails to decode come back with a `reason`; nothing
 * is written. Closing the generator early closes the cursor.
 */
export function* scanRange<K extends Key>(
  dbs: ScanDbs<K>,
  range: { start?: K; end?: K },
  transaction: Transaction,
): Generator<ScanEntry<K>, void, undefined> {
  let from: K | undefined = range.start;
  let exclusiveStart = false;
  for (;;) {
    const cursor = dbs.decoded
      .getRange({ start: from, end: range.end, exclusiveStart, transaction })
      [Symbol.iterator]();
    let damaged: ScanEntry<K> | undefined;
    try {
      for (;;) {
        let step: IteratorResult<{ key: K; value: unknown }>;
        try {
          step = cursor.next();
        } catch (error) {
          // The cursor does not say which key failed: it is the first key after the last one seen.
          const [key] = dbs.decoded.getKeys({
            start: from,
            end: range.end,
            exclusiveStart,
            limit: 1,
            transaction,
          });
          if (key === undefined) throw error;
          const bytes = dbs.binary.get(key, { transaction });
          damaged = { key, reason: describeDecodeError(error), raw: copy(bytes) };
          break;
        }
        if (step.done) return;
        from = step.value.key;
        exclusiveStart = true;
        yield step.value;
      }
    } finally {
      // Restart on a fresh cursor after a decode error rather than trusting the failed one.
      cursor.return?.();
    }
    if (damaged === undefined) return;
    from = damaged.key;
    exclusiveStart = true;
    yield damaged;
  }
}

/** Reads one value; a decode failure comes back as a Damaged entry instead of a throw. */
export function getChecked<K extends Key>(dbs: ScanDbs<K>, key: K): ScanEntry<K> | undefined {
  try {
    const value = dbs.decoded.get(key);
    return value === undefined && !dbs.decoded.doesExist(key) ? undefined : { key, value };
  } catch (error) {
    const bytes = dbs.binary.get(key);
    if (bytes === undefined) return undefined;
    return { key, reason: describeDecodeError(error), raw: copy(bytes) };
  }
}

function describeDecodeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `it cannot be decoded (${message})`;
}

// lmdb may hand out views into a shared or memory-mapped buffer; keep a private copy.
function copy(bytes: Uint8Array | undefined): Uint8Array {
  return bytes === undefined ? new Uint8Array(0) : Uint8Array.from(bytes);
}

/** A scanned entry judged by `check`: its value, or why it is damaged with its raw bytes. */
export function judgeEntry<K extends Key>(
  dbs: ScanDbs<K>,
  entry: ScanEntry<K>,
  check: (key: K, value: unknown) => string | undefined,
  transaction: Transaction,
): ScanEntry<K> {
  if (entry.reason !== undefined) return entry;
  const reason = check(entry.key, entry.value);
  if (reason === undefined) return entry;
  return {
    key: entry.key,
    reason,
    raw: copy(dbs.binary.get(entry.key, { transaction })),
  };
}
