// Specs for the journal on a full disk: writes are refused with NO_SPACE before LMDB could run
// into ENOSPC (nothing queued, no seq used), LMDB's own failed commit becomes NO_SPACE too, and
// writing resumes once space is freed — without reopening the store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AckQueue, rootCause } from './append.js';
import { StoreError } from './errors.js';
import { openDbs } from './lmdb-env.js';
import type { StoreDbs } from './lmdb-env.js';
import { openStore, SNAPSHOT_SCHEMA } from './index.js';
import type { Store } from './index.js';
import { SpaceGuard } from './space.js';
import { LmdbStore } from './store.js';

const MIB = 1024 * 1024;
let dir: string;
let free: number;
const closing: { close(): Promise<unknown> }[] = [];
const deps = () => ({
  log: () => undefined,
  space: { minFreeBytes: 8 * MIB, freeBytes: () => free },
});
const event = (n: number) => ({ at: 1_700_000_000_000 + n, type: 'test:event', n });
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const seqs = (store: Store) => [...store.read(0)].map((r) => r.seq);

/** A failed lmdb-js commit as lmdb-js reports it: the real error waits in `commitError`. */
function failedCommit(errno: number, message: string): Error {
  const real = Object.assign(new Error(message), { code: errno });
  return Object.assign(new Error('Commit failed (see commitError for details)'), {
    commitError: Promise.reject(real),
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oj-space-'));
  free = 100 * MIB;
});

afterEach(async () => {
  for (const handle of closing.splice(0).reverse()) await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a journal on a full disk', () => {
  it('refuses appends below the floor without using a seq, and takes them once space is back', async () => {
    const store = await openStore(dir, deps());
    closing.push(store);
    await store.append(event(1));
    free = 3 * MIB;
    await nextTurn();
    const refused = await store.append(event(2)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StoreError);
    expect(refused).toMatchObject({
      code: 'NO_SPACE',
      message: expect.stringMatching(
        /^the journal cannot be written: no space left on device \(".+": 3\.0 MiB free; oj stops writing below 8\.0 MiB\) — free space and retry; nothing already accepted was lost$/,
      ),
    });
    await expect(store.appendMany([event(3), event(4)])).rejects.toMatchObject({
      code: 'NO_SPACE',
    });
    expect(store.lastSeq).toBe(1);
    expect(seqs(store)).toEqual([1]); // reads still work
    free = 50 * MIB;
    await nextTurn();
    expect((await store.append(event(5))).seq).toBe(2);
    expect(seqs(store)).toEqual([1, 2]);
  });

  it('refuses checkpoints, definitions and meta below the floor, leaving the stored ones', async () => {
    const store = await openStore(dir, deps());
    closing.push(store);
    await store.append(event(1));
    const snap = { seq: 1, kind: 'pipeline', defHash: 'h', schema: SNAPSHOT_SCHEMA, snapshot: {} };
    await store.checkpoint({ seq: 1, put: new Map([['pl-1', snap]]) });
    free = 1 * MIB;
    await nextTurn();
    await expect(store.checkpoint({ seq: 1, put: new Map([['pl-2', snap]]) })).rejects.toThrow(
      /no space left on device/,
    );
    await expect(store.putDefinition('h-2', { x: 1 })).rejects.toMatchObject({ code: 'NO_SPACE' });
    await expect(store.setMeta('k', 1)).rejects.toMatchObject({ code: 'NO_SPACE' });
    expect([...store.loadCheckpoint().snapshots.keys()]).toEqual(['pl-1']);
  });

  it('refuses to create a journal on a full disk, and creates it once there is space', async () => {
    free = 1 * MIB;
    await expect(openStore(dir, deps())).rejects.toMatchObject({ code: 'NO_SPACE' });
    free = 100 * MIB;
    await nextTurn();
    const store = await openStore(dir, deps());
    closing.push(store);
    expect((await store.append(event(1))).seq).toBe(1);
  });

  it('measures free space once per turn, not once per append', async () => {
    let measured = 0;
    const guard = new SpaceGuard(dir, { minFreeBytes: 1, freeBytes: () => (measured++, 10) });
    for (let i = 0; i < 1000; i++) guard.assertRoom();
    expect(measured).toBe(1);
    await nextTurn();
    guard.assertRoom();
    expect(measured).toBe(2);
  });

  it('turns LMDB failing a commit with ENOSPC into NO_SPACE and writes nothing more until space grows', async () => {
    const dbs: StoreDbs = openDbs(dir);
    const store = new LmdbStore(dir, dbs, deps());
    closing.push(store);
    await store.append(event(1));
    // Above the floor, yet the disk is full for LMDB (another process filled it this turn).
    const put = dbs.events.put.bind(dbs.events);
    dbs.events.put = () =>
      Promise.reject(failedCommit(28, 'No space left on device: Attempting to write page'));
    const failed = await store.append(event(2)).catch((e: unknown) => e);
    expect(failed).toMatchObject({
      code: 'NO_SPACE',
      message: expect.stringContaining(
        'LMDB could not write event 2: No space left on device: Attempting to write page',
      ),
    });
    dbs.events.put = put;
    await nextTurn();
    // Still only as much free as when LMDB failed: refused before LMDB sees it.
    await expect(store.append(event(3))).rejects.toMatchObject({ code: 'NO_SPACE' });
    free += 8 * MIB;
    await nextTurn();
    const record = await store.append(event(4));
    expect(seqs(store)).toEqual([1, record.seq]);
  });

  it('reports another failed commit as WRITE_FAILED with the real cause', async () => {
    const acks = new AckQueue((what, cause) => {
      return new StoreError('WRITE_FAILED', `could not write ${what}: ${String(cause)}`);
    });
    const written = Promise.reject(failedCommit(5, 'Input/output error'));
    await expect(acks.add(written, 7, 7, 'ok')).rejects.toThrow(
      'could not write event 7: Error: Input/output error',
    );
    const plain = new Error('plain');
    expect(await rootCause(plain)).toBe(plain);
  });
});
