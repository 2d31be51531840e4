// The journal store's contract: the API the engine programs against and the shapes it passes.
import type { QuarantineRecord } from './lmdb-env.js';
import type { JournalRecord, NewEvent, SnapshotRecord } from './records.js';
import type { SpaceOptions } from './space.js';

/** What the store needs from outside: somewhere to report damage and start-up facts, and (tests)
 * how free space is measured and how much must stay free. */
export interface StoreDeps {
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  space?: SpaceOptions;
}

/** What `checkpoint` writes: snapshots to put, actor ids to delete, the seq they all reflect. */
export interface CheckpointWrite {
  seq: number;
  put: ReadonlyMap<string, SnapshotRecord>;
  remove?: readonly string[];
}

/** The last durable checkpoint. `damaged` lists actor ids whose snapshot was quarantined. */
export interface Checkpoint {
  seq: number;
  snapshots: Map<string, SnapshotRecord>;
  damaged: string[];
}

/** The daemon's durable store; obtain one from `openStore`. Not safe to share between processes
 * that both write: one daemon owns a state directory. Every write (appends, checkpoints,
 * definitions, meta, compaction) fails with StoreError NO_SPACE, writing nothing, while the disk
 * holding the journal has less than `space.minFreeBytes` free or after LMDB reported ENOSPC. */
export interface Store {
  readonly dir: string;
  /** Highest seq ever assigned, including appends not yet durable and quarantined records. */
  readonly lastSeq: number;
  /** Every seq below this was compacted away (or never existed); `lastSeq + 1` when empty. */
  readonly firstSeq: number;
  /** Seq of the last durable checkpoint (0 before the first). */
  readonly checkpointSeq: number;

  /**
   * Gives the event seq `lastSeq + 1` synchronously (call order = seq order, even without
   * awaiting), queues its write, and resolves with the record once it is committed and fsync'd.
   * Appends made in one event turn share one transaction and one fsync (group commit); promises
   * settle in seq order. Rejects INVALID_EVENT (no seq used), NO_SPACE (refused while the disk
   * holding the journal is nearly full: no seq used; or LMDB's own ENOSPC) or WRITE_FAILED.
   */
  append(event: NewEvent): Promise<JournalRecord>;
  /** Like `append` for several events with consecutive seqs, in one transaction: all or none. */
  appendMany(events: readonly NewEvent[]): Promise<JournalRecord[]>;
  /**
   * Durable records with fromSeq <= seq <= toSeq, in seq order, from one read snapshot. A record
   * that does not decode or is not a valid record is moved to quarantine with a warning and
   * skipped, never thrown. Iterate to the end or `break`: an abandoned generator pins its snapshot.
   */
  read(fromSeq: number, toSeq?: number): Generator<JournalRecord, void, undefined>;

  /**
   * Writes `put`, deletes `remove` and sets the checkpoint seq in one transaction, durable when
   * it resolves. Refuses (INVALID_CHECKPOINT) a seq below the current checkpoint or above
   * `lastSeq`; INVALID_SNAPSHOT for a malformed record. Values are encoded when the transaction
   * runs, a tick later: do not mutate them before the promise settles.
   */
  checkpoint(write: CheckpointWrite): Promise<void>;
  /**
   * The last durable checkpoint. A snapshot that does not decode or has the wrong shape is
   * quarantined with a warning and listed in `damaged`; one with a newer schema than
   * SNAPSHOT_SCHEMA throws StoreError SNAPSHOT_TOO_NEW (upgrade oj) and is left untouched.
   */
  loadCheckpoint(): Checkpoint;

  /** Stores a runbook definition under its content hash; a no-op when the hash is present. */
  putDefinition(hash: string, def: unknown): Promise<void>;
  /** The definition stored under `hash`, or undefined (also when damaged: then quarantined). */
  getDefinition(hash: string): unknown;

  /**
   * Deletes journal records with seq < beforeSeq, clamped to those the last durable checkpoint
   * covers (seq <= checkpointSeq): never drops what no durable snapshot reflects. Resolves with
   * how many records were deleted.
   */
  compact(beforeSeq: number): Promise<number>;

  /** A metadata value (e.g. the oj version that last ran the daemon), or undefined. */
  meta(key: string): unknown;
  /** Sets a metadata value durably. Keys starting with `store.` are the store's own: refused. */
  setMeta(key: string, value: unknown): Promise<void>;
  /** Every damaged value moved aside so far, with its reason and raw bytes. */
  quarantined(): Generator<QuarantineRecord, void, undefined>;
  /** Waits for every pending write (appends, quarantine moves), then closes the environment. */
  close(): Promise<void>;
}
