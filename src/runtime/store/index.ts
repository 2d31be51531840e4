// The journal store's front door: the LMDB-backed event journal, snapshots and checkpoints,
// definitions by content hash, and quarantine of damaged records.
export { openStore } from './open.js';
export type { Checkpoint, CheckpointWrite, Store, StoreDeps } from './types.js';
export type { QuarantineRecord } from './lmdb-env.js';
export { SNAPSHOT_SCHEMA } from './records.js';
export type { JournalRecord, NewEvent, SnapshotRecord } from './records.js';
export { isNoSpace, StoreError } from './errors.js';
export type { StoreErrorCode } from './errors.js';
