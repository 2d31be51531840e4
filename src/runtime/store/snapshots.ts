// Checks a checkpoint request before anything is queued, and turns it into the writes one
// transaction applies: a bad record must fail the call, never half a checkpoint.
import type { Database } from 'lmdb';
import { StoreError } from './errors.js';
import { describeSnapshotProblem, isValidKey, SNAPSHOT_SCHEMA } from './records.js';
import type { SnapshotRecord } from './records.js';

/** Validates `write` against the store's current seqs; returns the snapshot writes to apply
 * inside the checkpoint transaction. Throws StoreError (INVALID_CHECKPOINT, INVALID_SNAPSHOT,
 * INVALID_KEY) on the first problem. Pure apart from the returned closure. */
export function toSnapshotsWrite(
  write: {
    seq: number;
    put: ReadonlyMap<string, SnapshotRecord>;
    remove?: readonly string[];
  },
  current: { lastSeq: number; checkpointSeq: number },
): (snapshots: Database<unknown, string>) => void {
  const { seq } = write;
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new StoreError('INVALID_CHECKPOINT', `checkpoint seq ${seq} is not a sequence number`);
  }
  if (seq < current.checkpointSeq) {
    throw new StoreError(
      'INVALID_CHECKPOINT',
      `checkpoint at seq ${seq} is older than the stored one at ${current.checkpointSeq}`,
    );
  }
  if (seq > current.lastSeq) {
    throw new StoreError(
      'INVALID_CHECKPOINT',
      `checkpoint at seq ${seq} is ahead of the journal, whose last seq is ${current.lastSeq}`,
    );
  }
  const puts = [...write.put];
  const removals = [...(write.remove ?? [])];
  for (const [id, record] of puts) {
    assertActorId(id);
    const problem = describeSnapshotProblem(record);
    if (problem !== undefined) {
      throw new StoreError(
        'INVALID_SNAPSHOT',
        `the snapshot of actor "${id}" is invalid: ${problem}`,
      );
    }
    if (record.schema > SNAPSHOT_SCHEMA) {
      throw new StoreError(
        'INVALID_SNAPSHOT',
        `the snapshot of actor "${id}" claims schema ${record.schema}; this oj writes ${SNAPSHOT_SCHEMA}`,
      );
    }
    if (record.seq > seq) {
      throw new StoreError(
        'INVALID_SNAPSHOT',
        `the snapshot of actor "${id}" reflects seq ${record.seq}, after the checkpoint at ${seq}`,
      );
    }
  }
  removals.forEach(assertActorId);
  return (snapshots) => {
    for (const [id, record] of puts) snapshots.put(id, record);
    for (const id of removals) snapshots.remove(id);
  };
}

function assertActorId(id: unknown): void {
  if (!isValidKey(id)) {
    throw new StoreError(
      'INVALID_KEY',
      `actor id ${JSON.stringify(id)} must be a non-empty string under 1900 bytes without NUL`,
    );
  }
}
