// The daemon's durable store on one LMDB environment: the event journal, per-actor snapshots
// with their checkpoint, runbook definitions by content hash, and small metadata.
// Writes are lmdb-js async writes (never putSync: it blocks while another process holds the write
// lock); appends made in one event turn share one transaction and one fdatasync (group commit).
// No AbortSignal: a queued LMDB write cannot be withdrawn, and reads are memory-mapped and sync.
import { AckQueue, queueAppend, rootCause } from './append.js';
import type { QueuedAppend } from './append.js';
import { isNoSpace, messageOf, StoreError } from './errors.js';
import type { QuarantineRecord, StoreDbs } from './lmdb-env.js';
import { HIGH_SEQ_KEY, Quarantine } from './quarantine.js';
import {
  describeRecordProblem,
  describeSnapshotProblem,
  MAX_SEQ,
  SNAPSHOT_SCHEMA,
  STORE_FORMAT,
  isValidKey,
} from './records.js';
import type { JournalRecord, NewEvent, SnapshotRecord } from './records.js';
import { getChecked, judgeEntry, scanRange } from './scan.js';
import { toSnapshotsWrite } from './snapshots.js';
import { noSpaceError, SpaceGuard } from './space.js';
import type { Checkpoint, CheckpointWrite, Store, StoreDeps } from './types.js';

export const FORMAT_KEY = 'store.format';
const CHECKPOINT_KEY = 'store.checkpointSeq';
const RESERVED_META_PREFIX = 'store.';

/** The Store on one LMDB environment; method contracts are on `Store` (types.ts). */
export class LmdbStore implements Store {
  private seq: number;
  private first: number;
  private durableCheckpoint: number;
  private closed = false;
  private readonly acks = new AckQueue((what, cause) => this.failure(what, cause));
  private readonly pending = new Set<Promise<unknown>>();
  private readonly quarantine: Quarantine;
  private readonly space: SpaceGuard;

  constructor(
    readonly dir: string,
    private readonly dbs: StoreDbs,
    deps: StoreDeps,
  ) {
    this.quarantine = new Quarantine(dbs, { log: deps.log, track: (p) => this.track(p) });
    this.space = new SpaceGuard(dir, deps.space);
    const checkpoint = this.readMeta(CHECKPOINT_KEY);
    this.durableCheckpoint = typeof checkpoint === 'number' ? checkpoint : 0;
    const high = this.readMeta(HIGH_SEQ_KEY);
    const [last] = dbs.events.getKeys({ start: MAX_SEQ, reverse: true, limit: 1 });
    // A seq is never reused: not after compaction, not after its record was quarantined.
    this.seq = Math.max(
      typeof last === 'number' ? last : 0,
      typeof high === 'number' ? high : 0,
      this.durableCheckpoint,
    );
    const [firstKey] = dbs.events.getKeys({ start: 0, end: MAX_SEQ, limit: 1 });
    this.first = typeof firstKey === 'number' ? firstKey : this.seq + 1;
  }

  get lastSeq(): number {
    return this.seq;
  }

  get firstSeq(): number {
    return this.first;
  }

  get checkpointSeq(): number {
    return this.durableCheckpoint;
  }

  append(event: NewEvent): Promise<JournalRecord> {
    let queued: QueuedAppend;
    try {
      this.assertOpen();
      this.space.assertRoom(); // before a seq is given: a refused append leaves no gap
      queued = queueAppend(this.dbs, this.seq + 1, [event]);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const record = queued.records[0] as JournalRecord;
    this.seq = record.seq;
    return this.acks.add(queued.written, record.seq, record.seq, record);
  }

  appendMany(events: readonly NewEvent[]): Promise<JournalRecord[]> {
    let queued: QueuedAppend;
    try {
      this.assertOpen();
      this.space.assertRoom();
      queued = queueAppend(this.dbs, this.seq + 1, events);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const from = this.seq + 1;
    this.seq += queued.records.length;
    return this.acks.add(queued.written, from, this.seq, queued.records);
  }

  *read(fromSeq: number, toSeq: number = MAX_SEQ): Generator<JournalRecord, void, undefined> {
    this.assertOpen();
    const start = Math.max(0, Math.ceil(fromSeq));
    const end = Math.min(MAX_SEQ, Math.floor(toSeq)) + 1;
    if (!(end > start)) return;
    const transaction = this.dbs.root.useReadTransaction();
    try {
      const { eventsScan } = this.dbs;
      for (const scanned of scanRange(eventsScan, { start, end }, transaction)) {
        const { key } = scanned;
        if (key > this.seq) this.seq = key; // written by someone else: never reuse it
        if (this.quarantine.isMoving('events', key)) continue;
        const entry = judgeEntry(eventsScan, scanned, describeRecordProblem, transaction);
        if (entry.reason === undefined) {
          yield entry.value as JournalRecord;
          continue;
        }
        const record = { source: 'events', key, reason: entry.reason, raw: entry.raw } as const;
        this.quarantine.move(record, `journal record ${key}`, key);
      }
    } finally {
      transaction.done();
    }
  }

  async checkpoint(write: CheckpointWrite): Promise<void> {
    this.assertOpen();
    const apply = toSnapshotsWrite(write, {
      lastSeq: this.seq,
      checkpointSeq: this.durableCheckpoint,
    });
    const { root, snapshots, meta } = this.dbs;
    await this.write(`the checkpoint at seq ${write.seq}`, () =>
      root.childTransaction(() => {
        // Checked again inside the transaction: two checkpoints in flight must not go backwards.
        const current = meta.get(CHECKPOINT_KEY);
        if (typeof current === 'number' && current > write.seq) {
          throw new StoreError(
            'INVALID_CHECKPOINT',
            `checkpoint at seq ${write.seq} is older than the stored one at ${current}`,
          );
        }
        apply(snapshots);
        meta.put(CHECKPOINT_KEY, write.seq);
      }),
    );
    this.durableCheckpoint = Math.max(this.durableCheckpoint, write.seq);
  }

  loadCheckpoint(): Checkpoint {
    this.assertOpen();
    const checkpoint: Checkpoint = {
      seq: this.durableCheckpoint,
      snapshots: new Map(),
      damaged: [],
    };
    const transaction = this.dbs.root.useReadTransaction();
    try {
      const { snapshotsScan } = this.dbs;
      const check = (id: string, value: unknown) => {
        // Before the shape check: a newer oj's snapshot may have a new shape; never quarantine it.
        assertSchemaKnown(id, value);
        return describeSnapshotProblem(value);
      };
      for (const scanned of scanRange(snapshotsScan, {}, transaction)) {
        const id = scanned.key;
        const entry = judgeEntry(snapshotsScan, scanned, check, transaction);
        if (entry.reason === undefined) {
          checkpoint.snapshots.set(id, entry.value as SnapshotRecord);
          continue;
        }
        checkpoint.damaged.push(id);
        const record = {
          source: 'snapshots',
          key: id,
          reason: entry.reason,
          raw: entry.raw,
        } as const;
        this.quarantine.move(record, `the snapshot of actor "${id}"`, checkpoint.seq);
      }
    } finally {
      transaction.done();
    }
    return checkpoint;
  }

  async putDefinition(hash: string, def: unknown): Promise<void> {
    this.assertOpen();
    assertKey(hash, 'definition hash');
    if (this.dbs.defs.doesExist(hash)) return;
    await this.write(`definition "${hash}"`, () => this.dbs.defs.put(hash, def));
  }

  getDefinition(hash: string): unknown {
    this.assertOpen();
    const entry = getChecked(this.dbs.defsScan, hash);
    if (entry === undefined) return undefined;
    if (entry.reason === undefined) return entry.value;
    const record = { source: 'defs', key: hash, reason: entry.reason, raw: entry.raw } as const;
    this.quarantine.move(record, `the definition "${hash}"`, this.seq);
    return undefined;
  }

  async compact(beforeSeq: number): Promise<number> {
    this.assertOpen();
    const limit = Math.min(Math.floor(beforeSeq), this.durableCheckpoint + 1);
    if (!(limit > 0)) return 0;
    const { root, events } = this.dbs;
    const removed = await this.write(`compaction below seq ${limit}`, () =>
      root.childTransaction(() => {
        const keys = [...events.getKeys({ start: 0, end: limit })];
        for (const key of keys) events.remove(key);
        return keys.length;
      }),
    );
    this.first = Math.max(this.first, limit);
    return removed;
  }

  meta(key: string): unknown {
    this.assertOpen();
    return this.readMeta(key);
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    this.assertOpen();
    assertKey(key, 'meta key');
    if (key.startsWith(RESERVED_META_PREFIX)) {
      throw new StoreError('INVALID_KEY', `meta key "${key}" is reserved for the store itself`);
    }
    await this.write(`meta "${key}"`, () => this.dbs.meta.put(key, value));
  }

  quarantined(): Generator<QuarantineRecord, void, undefined> {
    this.assertOpen();
    return this.quarantine.list();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.acks.idle;
    await Promise.allSettled([...this.pending]);
    await this.dbs.root.close();
  }

  /** Records the store format of a new environment (called once by `openStore`). */
  async writeFormat(): Promise<void> {
    await this.write('the store format', () => this.dbs.meta.put(FORMAT_KEY, STORE_FORMAT));
  }

  private readMeta(key: string): unknown {
    const entry = getChecked(this.dbs.metaScan, key);
    if (entry?.reason === undefined) return entry?.value;
    const record = { source: 'meta', key, reason: entry.reason, raw: entry.raw } as const;
    this.quarantine.move(record, `meta "${key}"`, this.seq);
    return undefined;
  }

  private async write<T>(what: string, start: () => Promise<T>): Promise<T> {
    this.space.assertRoom();
    try {
      const result = start();
      this.track(result);
      return await result;
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw this.failure(what, await rootCause(error));
    }
  }

  /** The StoreError for a failed LMDB write of `what`: NO_SPACE for a full disk (and writes stay
   * refused until space is freed), else WRITE_FAILED. */
  private failure(what: string, cause: unknown): StoreError {
    if (cause instanceof StoreError) return cause;
    if (!isNoSpace(cause))
      return new StoreError('WRITE_FAILED', `could not write ${what}: ${messageOf(cause)}`, {
        cause,
      });
    this.space.exhausted();
    return noSpaceError(this.dir, `LMDB could not write ${what}: ${messageOf(cause)}`, cause);
  }

  private track(write: Promise<unknown>): void {
    const settled: Promise<unknown> = write.then(
      () => this.pending.delete(settled),
      // rootCause reads lmdb-js's commitError too, which would otherwise go unhandled.
      (error: unknown) => rootCause(error).then(() => this.pending.delete(settled)),
    );
    this.pending.add(settled);
  }

  private assertOpen(): void {
    if (this.closed) throw closedError();
  }
}

function assertKey(key: string, what: string): void {
  if (!isValidKey(key)) {
    throw new StoreError(
      'INVALID_KEY',
      `${what} ${JSON.stringify(key)} must be a non-empty string under 1900 bytes without NUL`,
    );
  }
}

function assertSchemaKnown(id: string, value: unknown): void {
  const schema = (value as { schema?: unknown } | null)?.schema;
  if (typeof schema === 'number' && schema > SNAPSHOT_SCHEMA) {
    throw new StoreError(
      'SNAPSHOT_TOO_NEW',
      `the snapshot of actor "${id}" has schema ${schema}, but this oj understands snapshot ` +
        `schema ${SNAPSHOT_SCHEMA} at most: it was written by a newer oj — upgrade oj to resume ` +
        'this state directory',
    );
  }
}

function closedError(): StoreError {
  return new StoreError('STORE_CLOSED', 'the journal store is closed; open it again to use it');
}
