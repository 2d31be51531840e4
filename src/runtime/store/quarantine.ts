// Moving damaged values aside. A value that cannot be decoded or is not a valid record is copied,
// raw, into the `quarantine` db and deleted from its own db in one transaction, with a loud warning:
// damage must never stop the daemon (DESIGN §2, lessons §6), and must never vanish unseen either.
import type { QuarantineRecord, StoreDbs } from './lmdb-env.js';
import { scanRange } from './scan.js';
import type { ScanDbs } from './scan.js';

/** Meta key holding the highest journal seq ever quarantined, so no seq is handed out twice. */
export const HIGH_SEQ_KEY = 'store.quarantinedHighSeq';

export interface QuarantineDeps {
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Registers a write the store's `close()` must wait for. */
  track: (write: Promise<unknown>) => void;
}

/** Moves damaged values to the quarantine db; reads them back for inspection. */
export class Quarantine {
  // Keys whose move is queued but not yet committed: a second read meanwhile skips them quietly.
  private readonly moving = new Set<string>();

  constructor(
    private readonly dbs: StoreDbs,
    private readonly deps: QuarantineDeps,
  ) {}

  /** True while the move of `source`/`key` is in flight (the value is already known damaged). */
  isMoving(source: QuarantineRecord['source'], key: number | string): boolean {
    return this.moving.size > 0 && this.moving.has(`${source}:${key}`);
  }

  /**
   * Queues the move of one damaged value and logs `what` with the reason. Asynchronous; the write
   * is tracked so `close()` waits for it. Journal records keep their seq as quarantine key.
   */
  move(record: QuarantineRecord, what: string, tag: number): void {
    const id = `${record.source}:${record.key}`;
    if (this.moving.has(id)) return;
    this.moving.add(id);
    this.deps.log(
      'warn',
      `${what} is damaged: ${record.reason}. Moved it to quarantine and continued without it.`,
    );
    const { root, meta, quarantine } = this.dbs;
    const source = this.sourceOf(record.source);
    const key = record.source === 'events' ? record.key : `${id}@${tag}`;
    const write = root.childTransaction(() => {
      quarantine.put(key, record);
      // Delete only the bytes judged damaged: never a value written since (a rebuilt snapshot).
      const current = source.binary.get(record.key);
      if (current !== undefined && Buffer.compare(current, record.raw) === 0) {
        source.decoded.remove(record.key);
      }
      if (record.source === 'events' && typeof record.key === 'number') {
        const high = meta.get(HIGH_SEQ_KEY);
        if (typeof high !== 'number' || high < record.key) meta.put(HIGH_SEQ_KEY, record.key);
      }
    });
    this.deps.track(
      write.then(
        () => this.moving.delete(id),
        (error: unknown) => {
          this.moving.delete(id);
          const message = error instanceof Error ? error.message : String(error);
          this.deps.log('error', `could not move ${what} to quarantine: ${message}`);
        },
      ),
    );
  }

  private sourceOf(source: QuarantineRecord['source']): ScanDbs<number | string> {
    const { eventsScan, snapshotsScan, defsScan, metaScan } = this.dbs;
    const scans = { events: eventsScan, snapshots: snapshotsScan, defs: defsScan, meta: metaScan };
    return scans[source] as ScanDbs<number | string>;
  }

  /** Every quarantined value, journal records first (by seq), then the rest by key. */
  *list(): Generator<QuarantineRecord, void, undefined> {
    const transaction = this.dbs.root.useReadTransaction();
    try {
      for (const entry of scanRange(this.dbs.quarantineScan, {}, transaction)) {
        if (entry.reason === undefined) yield entry.value as QuarantineRecord;
      }
    } finally {
      transaction.done();
    }
  }
}
