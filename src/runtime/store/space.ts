// Keeps the journal off a full disk. When LMDB itself runs into ENOSPC, lmdb-js 3.5.6 formats the
// failure with sprintf into a 100-byte malloc (mdb_page_flush in mdb.c) that long page positions
// overflow: the heap is corrupted and the daemon aborts later ("corrupted size vs. prev_size"). So
// the store refuses writes itself while the disk holding the journal runs low, and LMDB's own
// ENOSPC stays the rare race (another process filling the disk within one turn) it should be.
import { statfsSync } from 'node:fs';
import { StoreError } from './errors.js';

/** Below this many free bytes the store refuses writes: room for the largest transaction the
 * daemon makes (a checkpoint of every changed actor), with margin. */
export const DEFAULT_MIN_FREE_BYTES = 8 * 1024 * 1024;

export interface SpaceOptions {
  /** Refuse writes while fewer bytes than this are free (default DEFAULT_MIN_FREE_BYTES). */
  minFreeBytes?: number;
  /** Bytes free for this user on the file system holding `dir`; undefined when unknown. */
  freeBytes?: (dir: string) => number | undefined;
}

/** Measures free space at most once per turn: the appends of one turn share one commit. */
export class SpaceGuard {
  readonly #dir: string;
  readonly #minFree: number;
  readonly #freeBytes: (dir: string) => number | undefined;
  #free: number | undefined;
  #fresh = false;
  // Raised after LMDB failed with ENOSPC although the floor was met (a big transaction, a quota).
  #needed: number;

  constructor(dir: string, options: SpaceOptions = {}) {
    this.#dir = dir;
    this.#minFree = options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES;
    this.#needed = this.#minFree;
    this.#freeBytes = options.freeBytes ?? statfsFree;
  }

  /** Throws StoreError NO_SPACE, before anything is queued, while too little space is free. */
  assertRoom(): void {
    const free = this.#measure();
    if (free === undefined || free >= this.#needed) {
      this.#needed = this.#minFree;
      return;
    }
    throw noSpaceError(
      this.#dir,
      `${formatBytes(free)} free; oj stops writing below ${formatBytes(this.#needed)}`,
    );
  }

  /** LMDB failed a write with ENOSPC: refuse writes until more is free than now, plus the floor. */
  exhausted(): void {
    this.#fresh = false;
    const free = this.#measure();
    if (free !== undefined) this.#needed = Math.max(this.#needed, free + this.#minFree);
  }

  #measure(): number | undefined {
    if (!this.#fresh) {
      this.#free = this.#freeBytes(this.#dir);
      this.#fresh = true;
      queueMicrotask(() => (this.#fresh = false));
    }
    return this.#free;
  }
}

/** StoreError NO_SPACE for the journal at `dir`; `detail` says how full or what LMDB said. */
export function noSpaceError(dir: string, detail: string, cause?: unknown): StoreError {
  return new StoreError(
    'NO_SPACE',
    `the journal cannot be written: no space left on device ("${dir}": ${detail}) — free space ` +
      'and retry; nothing already accepted was lost',
    cause === undefined ? undefined : { cause },
  );
}

function statfsFree(dir: string): number | undefined {
  try {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined; // no statfs here: LMDB's own error is the only signal left
  }
}

function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return mib >= 1 ? `${mib.toFixed(1)} MiB` : `${Math.floor(bytes / 1024)} KiB`;
}
