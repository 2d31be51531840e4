// Checkpoints: every actor changed since the last one is snapshotted at the same journal sequence,
// in one transaction, so a restart restores a consistent state and replays only the tail. Written
// every CHECKPOINT_EVERY inputs or CHECKPOINT_IDLE_MS after the last change; the journal prefix
// older than a window behind the checkpoint is compacted away. A checkpoint that cannot be written
// (a full disk) leaves its actors dirty for the next one: the journal still has what they missed.
import { SNAPSHOT_SCHEMA } from '../store/index.js';
import type { Store } from '../store/index.js';
import type { Clock } from '../clock.js';
import type { ActorKind, ActorMeta, Supervisor } from './supervisor.js';

const CHECKPOINT_EVERY = 1000; // processed inputs between checkpoints (replay stays short)
const CHECKPOINT_IDLE_MS = 1000; // and a checkpoint this long after the last change
const JOURNAL_WINDOW = 100_000; // journal entries kept behind the latest checkpoint

/** What a snapshot record holds for one actor. */
export interface StoredActor {
  seq: number;
  kind: ActorKind;
  defHash: string;
  schema: number;
  snapshot: { kind: ActorKind; meta: ActorMeta; xstate: unknown };
}

export class Checkpoints {
  readonly #dirty = new Set<string>();
  readonly #removed = new Set<string>();
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #sup: Supervisor;
  readonly #log: (level: 'warn', message: string) => void;
  #since = 0;
  #timer: (() => void) | null = null;
  #seq = 0;

  constructor(
    store: Store,
    clock: Clock,
    sup: Supervisor,
    log: (level: 'warn', message: string) => void,
  ) {
    this.#store = store;
    this.#clock = clock;
    this.#sup = sup;
    this.#log = log;
  }

  /** Records that inputs up to `seq` are processed and `touched` actors changed. */
  processed(seq: number, touched: Iterable<string>, live: boolean): void {
    this.#seq = seq;
    for (const id of touched) this.#dirty.add(id);
    if (!live) return;
    if (++this.#since >= CHECKPOINT_EVERY) {
      void this.write();
      return;
    }
    this.#timer?.();
    this.#timer = this.#clock.setTimer(this.#clock.now() + CHECKPOINT_IDLE_MS, () => {
      this.#timer = null;
      void this.write();
    });
  }

  /** An actor that ended for good: its snapshot is deleted at the next checkpoint. */
  forget(id: string): void {
    this.#dirty.delete(id);
    this.#removed.add(id);
  }

  /** Writes a checkpoint now, if anything changed since the last one; never rejects. */
  async write(): Promise<void> {
    this.#timer?.();
    this.#timer = null;
    if (this.#dirty.size === 0 && this.#removed.size === 0) return;
    const seq = this.#seq;
    const put = new Map<string, StoredActor>();
    for (const id of this.#dirty) {
      const entry = this.#sup.get(id);
      if (!entry) continue;
      const xstate = entry.actor.getPersistedSnapshot();
      put.set(id, {
        seq,
        kind: entry.kind,
        defHash: entry.meta.defHash,
        schema: SNAPSHOT_SCHEMA,
        snapshot: { kind: entry.kind, meta: entry.meta, xstate },
      });
    }
    const remove = [...this.#removed];
    this.#dirty.clear();
    this.#removed.clear();
    this.#since = 0;
    try {
      await this.#store.checkpoint({ seq, put: put as never, remove });
    } catch (err) {
      // Without this, the next checkpoint would move the seq past changes these actors never got
      // a snapshot of, and a restart would lose them.
      for (const id of put.keys()) if (!this.#removed.has(id)) this.#dirty.add(id);
      for (const id of remove) if (!this.#dirty.has(id)) this.#removed.add(id);
      this.#log(
        'warn',
        `checkpoint at seq ${seq} not written (the journal has it all): ${String(err)}`,
      );
      return;
    }
    // Keep a window before the checkpoint for `oj events` and for rebuilding from the journal
    // should a snapshot be damaged.
    if (seq - this.#store.firstSeq > JOURNAL_WINDOW * 1.1)
      await this.#store.compact(seq - JOURNAL_WINDOW).catch((err: unknown) => {
        this.#log('warn', `journal compaction skipped: ${String(err)}`);
      });
  }
}
