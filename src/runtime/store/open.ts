// Opening a store: the state directory (mode 0700), the LMDB environment, and the checks that
// must pass before the daemon may use it (a store format this build understands).
import { chmod, mkdir } from 'node:fs/promises';
import { messageOf, StoreError } from './errors.js';
import { openDbs } from './lmdb-env.js';
import type { StoreDbs } from './lmdb-env.js';
import { STORE_FORMAT } from './records.js';
import { FORMAT_KEY, LmdbStore } from './store.js';
import type { Store, StoreDeps } from './types.js';

/**
 * Opens (creating, mode 0700) the store at `dir`. Fails with StoreError OPEN_FAILED when the
 * directory or environment cannot be opened, STORE_TOO_NEW when a newer oj wrote it.
 */
export async function openStore(dir: string, deps: StoreDeps): Promise<Store> {
  let dbs: StoreDbs;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    dbs = openDbs(dir);
  } catch (cause) {
    throw new StoreError(
      'OPEN_FAILED',
      `cannot open the journal at "${dir}": ${messageOf(cause)}; check that the directory is ` +
        'writable by you and is an oj state directory',
      { cause },
    );
  }
  let store: LmdbStore;
  try {
    store = new LmdbStore(dir, dbs, deps);
  } catch (cause) {
    await dbs.root.close();
    const message = `cannot read the journal at "${dir}": ${messageOf(cause)}`;
    throw new StoreError('OPEN_FAILED', message, { cause });
  }
  const format = store.meta(FORMAT_KEY);
  if (format === undefined) {
    // A new journal on a full disk (NO_SPACE): close it rather than leave it open behind the error.
    await store.writeFormat().catch(async (error: unknown) => {
      await store.close();
      throw error;
    });
  } else if (typeof format !== 'number' || format > STORE_FORMAT) {
    await store.close();
    throw new StoreError(
      'STORE_TOO_NEW',
      `the journal at "${dir}" has store format ${String(format)}, but this oj understands ` +
        `format ${STORE_FORMAT} at most: it was written by a newer oj — upgrade oj`,
    );
  }
  deps.log(
    'info',
    `journal opened at "${dir}": seq ${store.firstSeq}..${store.lastSeq}, ` +
      `checkpoint ${store.checkpointSeq}`,
  );
  return store;
}
