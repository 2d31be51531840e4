// Errors the journal store throws. Damage found while reading is not an error (it is quarantined and
// logged); these are the failures a caller must act on: a closed store, bad input, newer data.
import { OjError } from '../../errors/index.js';

export const STORE_ERROR_CODES = [
  /** The LMDB environment could not be opened (permissions, disk, a file that is not LMDB). */
  'OPEN_FAILED',
  /** The store was used after `close()`. */
  'STORE_CLOSED',
  /** The journal was written by a newer oj whose store format this build does not know. */
  'STORE_TOO_NEW',
  /** A snapshot was written with a newer snapshot schema than this build knows. */
  'SNAPSHOT_TOO_NEW',
  /** An event passed to `append` lacks a valid `type` or `at`, or carries its own `seq`. */
  'INVALID_EVENT',
  /** A snapshot record passed to `checkpoint` has the wrong shape. */
  'INVALID_SNAPSHOT',
  /** A checkpoint that would move backwards or cover events that were never appended. */
  'INVALID_CHECKPOINT',
  /** LMDB refused or failed a write (an I/O error); the message names what was written. */
  'WRITE_FAILED',
  /** The disk holding the journal is (nearly) full: the write was refused or failed with ENOSPC,
   * and nothing of it was written. Retry once space is freed. */
  'NO_SPACE',
  /** A key that LMDB cannot store (empty, too long) or a meta key reserved by the store. */
  'INVALID_KEY',
] as const;
export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

/** Every failure of the journal store; `code` says which, the message names the culprit. */
export class StoreError extends OjError {
  declare readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Whether `error` says the disk or the user's quota is full: a StoreError NO_SPACE, or an error
 * from LMDB or the file system with ENOSPC/EDQUOT. */
export function isNoSpace(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code === 'NO_SPACE' || code === 'ENOSPC' || code === 'EDQUOT') return true;
  if (code === 28 || code === 122) return true; // lmdb-js gives the errno: ENOSPC, EDQUOT (Linux)
  return typeof message === 'string' && /no space left on device|quota exceeded/i.test(message);
}

/** The message of anything thrown, for embedding in a StoreError message. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
