// The shapes the store persists (journal records, snapshot records) and the checks that decide
// whether a decoded value is one. Pure: used on every read to tell a record from damage.

/** The snapshot schema this build writes and understands; a stored snapshot with a higher number
 * fails start-up with SNAPSHOT_TOO_NEW (DESIGN §2). Bump it when the snapshot layout changes.
 * 2: queue items are bucketed (an older oj would misread them; older snapshots are migrated). */
export const SNAPSHOT_SCHEMA = 2;

/** The on-disk layout of the store itself (named dbs, meta keys); bump on incompatible changes. */
export const STORE_FORMAT = 1;

/** Highest journal sequence number: keys are plain JS numbers, exact up to 2^53 − 1. */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/** One journaled event. `seq` is assigned by the store; the rest is the caller's msgpack-friendly
 * payload (plain objects, arrays, strings, finite numbers, booleans, null, Uint8Array). */
export interface JournalRecord {
  seq: number;
  /** Milliseconds since the epoch, taken from the injected clock by whoever created the event. */
  at: number;
  /** `noun:verb`, e.g. `pipeline:complete`. */
  type: string;
  [key: string]: unknown;
}

/** What a caller appends: a record without its `seq`. */
export interface NewEvent {
  at: number;
  type: string;
  seq?: never;
  [key: string]: unknown;
}

/** One actor's persisted snapshot, as of journal sequence `seq`. */
export interface SnapshotRecord {
  /** The journal sequence this snapshot reflects (every event ≤ seq is applied). */
  seq: number;
  /** The entity kind (`pipeline`, `queue`, …) — which machine factory restores it. */
  kind: string;
  /** Content hash of the runbook definition the actor was built from (see `putDefinition`). */
  defHash?: string;
  /** SNAPSHOT_SCHEMA at the time of writing. */
  schema: number;
  /** The machine's persisted snapshot (`getPersistedSnapshot()`). */
  snapshot: unknown;
}

/** LMDB's key limit is 1978 bytes by default; ordered-binary cannot encode NUL inside a string. */
const MAX_KEY_BYTES = 1900;

/** True when `key` can be an actor id, definition hash or meta key. Pure. */
export function isValidKey(key: unknown): key is string {
  return (
    typeof key === 'string' &&
    key.length > 0 &&
    !key.includes('\u0000') &&
    new TextEncoder().encode(key).length <= MAX_KEY_BYTES
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSeq(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** Why an event cannot be appended, or undefined when it can. Pure. */
export function describeEventProblem(event: unknown): string | undefined {
  if (!isObject(event)) return 'an event must be an object';
  if (typeof event['type'] !== 'string' || event['type'] === '') {
    return 'its "type" must be a non-empty string';
  }
  if (typeof event['at'] !== 'number' || !Number.isFinite(event['at'])) {
    return 'its "at" must be a finite number (ms since the epoch)';
  }
  if ('seq' in event) return 'it carries its own "seq"; the store assigns sequence numbers';
  return undefined;
}

/** Why the value stored under journal key `key` is not a valid record, or undefined. Pure. */
export function describeRecordProblem(key: unknown, value: unknown): string | undefined {
  if (!isSeq(key)) return `its key ${String(key)} is not a sequence number`;
  if (!isObject(value))
    return `it decodes to ${Array.isArray(value) ? 'an array' : typeof value}, not a record`;
  if (typeof value['type'] !== 'string' || value['type'] === '')
    return 'its "type" is missing or not a string';
  if (typeof value['at'] !== 'number' || !Number.isFinite(value['at']))
    return 'its "at" is missing or not a number';
  if (value['seq'] !== key)
    return `its "seq" ${String(value['seq'])} does not match its key ${key}`;
  return undefined;
}

/** Why a value is not a SnapshotRecord, or undefined. Pure; does not judge the schema number's age. */
export function describeSnapshotProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'it is not a snapshot record';
  if (!isSeq(value['seq'])) return 'its "seq" is missing or not a sequence number';
  if (typeof value['kind'] !== 'string' || value['kind'] === '')
    return 'its "kind" is missing or not a string';
  if (value['defHash'] !== undefined && typeof value['defHash'] !== 'string')
    return 'its "defHash" is not a string';
  if (!Number.isSafeInteger(value['schema']) || (value['schema'] as number) < 1) {
    return 'its "schema" is missing or not a positive integer';
  }
  if (!('snapshot' in value)) return 'its "snapshot" is missing';
  return undefined;
}
