// Specs for the journal store on a real LMDB environment in a temp dir: seq order, durability,
// group commit, quarantine of damaged records, checkpoints, compaction, definitions and meta.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import type { RootDatabase } from 'lmdb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, SNAPSHOT_SCHEMA, StoreError } from './index.js';
import type { JournalRecord, SnapshotRecord, Store } from './index.js';

let dir: string;
let logs: { level: string; message: string }[];
const opened: { close(): Promise<unknown> }[] = [];

const deps = { log: (level: string, message: string) => void logs.push({ level, message }) };
const event = (n: number) => ({ at: 1_700_000_000_000 + n, type: 'test:event', n });

async function start(): Promise<Store> {
  const store = await openStore(dir, deps);
  opened.push(store);
  return store;
}

async function reopen(store: Store): Promise<Store> {
  await store.close();
  return start();
}

/** A second handle on the same environment, the way damage or another writer would get in. */
function openRaw(): RootDatabase {
  const root = open(dir, { maxDbs: 8, overlappingSync: false });
  opened.push(root);
  return root;
}

function txnId(root: RootDatabase): number {
  return (root.getStats() as { lastTxnId: number }).lastTxnId;
}

const warnings = () => logs.filter((l) => l.level === 'warn').map((l) => l.message);
const seqs = (records: Iterable<JournalRecord>) => [...records].map((r) => r.seq);

function snapshot(seq: number, state: string): SnapshotRecord {
  return { seq, kind: 'pipeline', defHash: 'h-1', schema: SNAPSHOT_SCHEMA, snapshot: { state } };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oj-store-'));
  logs = [];
});

afterEach(async () => {
  for (const handle of opened.splice(0).reverse()) await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('appending and reading', () => {
  it('gives consecutive seqs in call order and reads them back in order', async () => {
    const store = await start();
    const records = await Promise.all([1, 2, 3].map((n) => store.append(event(n))));
    expect(records.map((r) => [r.seq, r['n']])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(store.lastSeq).toBe(3);
    expect([...store.read(1)]).toEqual(records);
    expect(seqs(store.read(2, 2))).toEqual([2]);
    expect(seqs(store.read(0, 100))).toEqual([1, 2, 3]);
  });

  it('assigns the seq when append is called, before the write is durable', async () => {
    const store = await start();
    const first = store.append(event(1));
    expect(store.lastSeq).toBe(1);
    const second = store.append(event(2));
    expect(store.lastSeq).toBe(2);
    expect((await second).seq).toBe(2);
    expect((await first).seq).toBe(1);
  });

  it('keeps every acknowledged event across close and reopen', async () => {
    let store = await start();
    for (let n = 1; n <= 5; n++) await store.append(event(n));
    store = await reopen(store);
    expect(store.lastSeq).toBe(5);
    expect(store.firstSeq).toBe(1);
    expect([...store.read(1)].map((r) => r['n'])).toEqual([1, 2, 3, 4, 5]);
    expect((await store.append(event(6))).seq).toBe(6);
  });

  it('acknowledges an append only once another process can read it', async () => {
    const store = await start();
    const record = await store.append({ ...event(1), note: 'visible' });
    const script =
      "import { open } from 'lmdb';" +
      'const root = open(process.argv[1], { maxDbs: 8, overlappingSync: false });' +
      "process.stdout.write(JSON.stringify(root.openDB('events', {}).get(1)));";
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, dir], {
      cwd: process.cwd(),
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual(record);
  });

  it('group-commits 1000 appends made without awaiting, and acknowledges them in seq order', async () => {
    const store = await start();
    await store.append(event(0));
    const raw = openRaw();
    const before = txnId(raw);
    const acknowledged: number[] = [];
    const pending = Array.from({ length: 1000 }, (_, i) =>
      store.append(event(i + 1)).then((r) => acknowledged.push(r.seq)),
    );
    await Promise.all(pending);
    const burstTxns = txnId(raw) - before;
    expect(acknowledged).toEqual(Array.from({ length: 1000 }, (_, i) => i + 2));
    expect(seqs(store.read(0))).toEqual(Array.from({ length: 1001 }, (_, i) => i + 1));
    // The same number of appends awaited one by one costs one transaction (and fsync) each.
    const beforeSequential = txnId(raw);
    for (let n = 0; n < 20; n++) await store.append(event(n));
    expect(txnId(raw) - beforeSequential).toBe(20);
    expect(burstTxns).toBeLessThanOrEqual(5);
  });

  it('settles mixed append and appendMany calls in seq order, failures included', async () => {
    const store = await start();
    const order: (number | string)[] = [];
    const note = (records: JournalRecord | JournalRecord[]) =>
      order.push(...[records].flat().map((r) => r.seq));
    const unencodable = { ...event(5), s: Symbol('unencodable') };
    await Promise.all([
      store.append(event(1)).then(note),
      store.appendMany([event(2), event(3)]).then(note),
      store.appendMany([event(4), unencodable]).catch(() => order.push('failed 4..5')),
      store.append(event(6)).then(note),
    ]);
    expect(order).toEqual([1, 2, 3, 'failed 4..5', 6]);
    expect(seqs(store.read(0))).toEqual([1, 2, 3, 6]);
  });

  it('writes appendMany in one transaction with consecutive seqs', async () => {
    const store = await start();
    await store.append(event(0));
    const raw = openRaw();
    const before = txnId(raw);
    const records = await store.appendMany([event(1), event(2), event(3)]);
    expect(records.map((r) => r.seq)).toEqual([2, 3, 4]);
    expect(txnId(raw) - before).toBe(1);
    expect(seqs(store.read(0))).toEqual([1, 2, 3, 4]);
  });

  it('rolls back the whole appendMany when one record cannot be encoded', async () => {
    const store = await start();
    const bad = { ...event(2), oops: Symbol('not msgpack') };
    await expect(store.appendMany([event(1), bad])).rejects.toMatchObject({
      code: 'WRITE_FAILED',
    });
    await store.append(event(3));
    expect([...store.read(0)].map((r) => r['n'])).toEqual([3]);
  });

  it.each([
    ['a missing type', { at: 1 }, /"type" must be a non-empty string/],
    ['a non-numeric at', { type: 'x:y', at: 'now' }, /"at" must be a finite number/],
    ['its own seq', { type: 'x:y', at: 1, seq: 9 }, /carries its own "seq"/],
    ['a payload msgpack cannot encode', { type: 'x:y', at: 1, s: Symbol('s') }, /cannot encode/],
  ])('rejects an event with %s without using a seq', async (_, bad, message) => {
    const store = await start();
    const error = await store.append(bad as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'INVALID_EVENT', message: expect.stringMatching(message) });
    expect((await store.append(event(1))).seq).toBe(1);
  });

  it('refuses to be used after close', async () => {
    const store = await start();
    await store.close();
    await expect(store.append(event(1))).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    expect(() => [...store.read(0)]).toThrow(/closed/);
  });

  it('creates its directory readable by the owner only', async () => {
    const nested = join(dir, 'state.d', 'journal');
    opened.push(await openStore(nested, deps));
    expect(statSync(nested).mode & 0o777).toBe(0o700);
  });

  it('fails with OPEN_FAILED, naming the directory, when it cannot be created', async () => {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const error = await openStore(join(file, 'journal'), deps).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'OPEN_FAILED', message: /not-a-dir\/journal/ });
  });

  it('refuses a journal written with a newer store format', async () => {
    const raw = openRaw();
    await raw.openDB('meta', {}).put('store.format', 99);
    await raw.close();
    const error = await openStore(dir, deps).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORE_TOO_NEW', message: /format 99.*upgrade oj/ });
  });
});

describe('damaged journal records', () => {
  /** Valid records 1..3, then whatever `damage` writes through a second handle. */
  async function journalWith(damage: (raw: RootDatabase) => Promise<void>): Promise<Store> {
    const store = await start();
    for (let n = 1; n <= 3; n++) await store.append(event(n));
    await store.close();
    const raw = openRaw();
    await damage(raw);
    await raw.close();
    return start();
  }

  it('quarantines a damaged tail, warns with each seq, and never reuses those seqs', async () => {
    const garbage = Buffer.from([0xc1, 0xff, 0x13, 0x37, 0x00, 0x99]);
    let truncated = Buffer.alloc(0);
    let store = await journalWith(async (raw) => {
      const binary = raw.openDB<Buffer, number>('events', { encoding: 'binary' });
      const decoded = raw.openDB<unknown, number>('events', {});
      truncated = Buffer.from(binary.get(3)!.subarray(0, 12));
      await binary.put(4, garbage); // random bytes
      await binary.put(5, truncated); // a record cut short
      await decoded.put(6, 'just a string'); // valid msgpack, not a record
      await decoded.put(7, { seq: 99, at: 1, type: 'x:y' }); // seq does not match its key
      await decoded.put(8, [1, 2, 3]);
    });
    expect(store.lastSeq).toBe(8);
    expect(seqs(store.read(1))).toEqual([1, 2, 3]);
    expect(warnings()).toEqual([
      expect.stringMatching(/journal record 4 is damaged: it cannot be decoded/),
      expect.stringMatching(/journal record 5 is damaged: it cannot be decoded/),
      expect.stringMatching(/journal record 6 is damaged: it decodes to string, not a record/),
      expect.stringMatching(/journal record 7 is damaged: its "seq" 99 does not match its key 7/),
      expect.stringMatching(/journal record 8 is damaged: it decodes to an array/),
    ]);
    expect((await store.append(event(9))).seq).toBe(9);
    store = await reopen(store);
    const quarantined = [...store.quarantined()];
    expect(quarantined.map((q) => q.key)).toEqual([4, 5, 6, 7, 8]);
    expect(Buffer.from(quarantined[0]!.raw)).toEqual(garbage);
    expect(Buffer.from(quarantined[1]!.raw)).toEqual(truncated);
    expect(seqs(store.read(0))).toEqual([1, 2, 3, 9]);
    expect(warnings()).toHaveLength(5); // moved out of the journal: not reported again
    expect((await store.append(event(10))).seq).toBe(10);
  });

  it('remembers quarantined seqs even when the whole journal after them is gone', async () => {
    let store = await journalWith(async (raw) => {
      await raw.openDB('events', { encoding: 'binary' }).put(4, Buffer.from([0xc1]));
    });
    expect(seqs(store.read(0))).toEqual([1, 2, 3]);
    store = await reopen(store);
    expect(store.lastSeq).toBe(4);
    expect((await store.append(event(5))).seq).toBe(5);
  });

  it('skips a damaged record in the middle and keeps reading after it', async () => {
    const store = await journalWith(async (raw) => {
      await raw.openDB('events', { encoding: 'binary' }).put(2, Buffer.from([0xd9, 0x40, 0x61]));
    });
    expect(seqs(store.read(0))).toEqual([1, 3]);
    expect(warnings()).toEqual([expect.stringMatching(/journal record 2 is damaged/)]);
  });

  it('steps past garbage written while it is open instead of overwriting it', async () => {
    const store = await start();
    await store.append(event(1));
    const raw = openRaw();
    await raw.openDB('events', { encoding: 'binary' }).put(2, Buffer.from([0xc1, 0x00]));
    expect(seqs(store.read(0))).toEqual([1]);
    expect((await store.append(event(3))).seq).toBe(3);
    await store.close();
    expect([...(await start()).quarantined()].map((q) => q.key)).toEqual([2]);
  });
});

describe('checkpoints', () => {
  it('writes snapshots and the checkpoint seq together and loads them after reopen', async () => {
    let store = await start();
    for (let n = 1; n <= 4; n++) await store.append(event(n));
    const put = new Map([
      ['pl-a', snapshot(4, 'running')],
      ['pl-b', snapshot(2, 'waiting')],
    ]);
    await store.checkpoint({ seq: 4, put });
    store = await reopen(store);
    expect(store.loadCheckpoint()).toEqual({ seq: 4, snapshots: put, damaged: [] });
    await store.append(event(5));
    await store.checkpoint({
      seq: 5,
      put: new Map([['pl-a', snapshot(5, 'done')]]),
      remove: ['pl-b'],
    });
    store = await reopen(store);
    expect(store.loadCheckpoint()).toEqual({
      seq: 5,
      snapshots: new Map([['pl-a', snapshot(5, 'done')]]),
      damaged: [],
    });
  });

  it('leaves the previous checkpoint whole when a new one fails half-way', async () => {
    let store = await start();
    for (let n = 1; n <= 3; n++) await store.append(event(n));
    await store.checkpoint({ seq: 2, put: new Map([['pl-a', snapshot(2, 'one')]]) });
    const bad = { ...snapshot(3, 'two'), snapshot: { s: Symbol('unencodable') } };
    const put = new Map([
      ['pl-a', snapshot(3, 'two')],
      ['pl-b', bad],
    ]);
    await expect(store.checkpoint({ seq: 3, put, remove: ['pl-a'] })).rejects.toMatchObject({
      code: 'WRITE_FAILED',
    });
    store = await reopen(store);
    expect(store.loadCheckpoint()).toEqual({
      seq: 2,
      snapshots: new Map([['pl-a', snapshot(2, 'one')]]),
      damaged: [],
    });
  });

  it.each([
    ['ahead of the journal', 9, /ahead of the journal, whose last seq is 3/],
    ['older than the stored one', 1, /older than the stored one at 2/],
  ])('refuses a checkpoint %s', async (_, seq, message) => {
    const store = await start();
    for (let n = 1; n <= 3; n++) await store.append(event(n));
    await store.checkpoint({ seq: 2, put: new Map() });
    await expect(store.checkpoint({ seq, put: new Map() })).rejects.toMatchObject({
      code: 'INVALID_CHECKPOINT',
      message: expect.stringMatching(message),
    });
  });

  it('skips a damaged snapshot with a warning, reports it and quarantines it', async () => {
    let store = await start();
    await store.append(event(1));
    await store.checkpoint({ seq: 1, put: new Map([['pl-ok', snapshot(1, 'fine')]]) });
    await store.close();
    const raw = openRaw();
    await raw.openDB('snapshots', { encoding: 'binary' }).put('pl-bytes', Buffer.from([0xc1, 1]));
    await raw.openDB('snapshots', {}).put('pl-shape', { seq: 1, kind: 'pipeline' });
    store = await start();
    const loaded = store.loadCheckpoint();
    expect([...loaded.snapshots.keys()]).toEqual(['pl-ok']);
    expect(loaded.damaged).toEqual(['pl-bytes', 'pl-shape']);
    expect(warnings()).toEqual([
      expect.stringMatching(/snapshot of actor "pl-bytes" is damaged: it cannot be decoded/),
      expect.stringMatching(/snapshot of actor "pl-shape" is damaged: its "schema" is missing/),
    ]);
    store = await reopen(store);
    expect(store.loadCheckpoint().damaged).toEqual([]);
    expect([...store.quarantined()].map((q) => [q.source, q.key])).toEqual([
      ['snapshots', 'pl-bytes'],
      ['snapshots', 'pl-shape'],
    ]);
  });

  it('never deletes a snapshot rewritten while its damaged predecessor is being moved', async () => {
    const raw = openRaw();
    await raw.openDB('snapshots', { encoding: 'binary' }).put('pl-x', Buffer.from([0xc1, 2]));
    let store = await start();
    await store.append(event(1));
    const rebuilt = snapshot(1, 'rebuilt from the journal');
    const writing = store.checkpoint({ seq: 1, put: new Map([['pl-x', rebuilt]]) });
    expect(store.loadCheckpoint().damaged).toEqual(['pl-x']); // still sees the old bytes
    await writing;
    store = await reopen(store);
    expect(store.loadCheckpoint().snapshots.get('pl-x')).toEqual(rebuilt);
    expect([...store.quarantined()].map((q) => q.key)).toEqual(['pl-x']);
  });

  it('fails the load with SNAPSHOT_TOO_NEW for a newer schema and leaves it in place', async () => {
    const raw = openRaw();
    const snapshots = raw.openDB('snapshots', {});
    // A newer oj may also have changed the record's shape: still "too new", never "damaged".
    const newer = { schema: SNAPSHOT_SCHEMA + 1, actor: { kind: 'pipeline', seq: 0 } };
    await snapshots.put('pl-future', newer);
    const store = await start();
    const error = (() => {
      try {
        store.loadCheckpoint();
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'SNAPSHOT_TOO_NEW' });
    expect((error as Error).message).toMatch(
      new RegExp(
        `"pl-future" has schema ${SNAPSHOT_SCHEMA + 1}.*schema ${SNAPSHOT_SCHEMA}.*upgrade oj`,
      ),
    );
    await store.close();
    expect(snapshots.get('pl-future')).toEqual(newer);
    expect(warnings()).toEqual([]);
  });
});

describe('compaction', () => {
  it('removes only the records the checkpoint covers', async () => {
    let store = await start();
    for (let n = 1; n <= 10; n++) await store.append(event(n));
    expect(await store.compact(5)).toBe(0); // no checkpoint yet: nothing is covered
    await store.checkpoint({ seq: 6, put: new Map() });
    expect(await store.compact(100)).toBe(6); // clamped: 7..10 are not covered
    expect(seqs(store.read(0))).toEqual([7, 8, 9, 10]);
    expect(store.firstSeq).toBe(7);
    expect(await store.compact(3)).toBe(0);
    store = await reopen(store);
    expect([store.firstSeq, store.lastSeq]).toEqual([7, 10]);
    await store.checkpoint({ seq: 10, put: new Map() });
    expect(await store.compact(8)).toBe(1);
    expect(await store.compact(11)).toBe(3);
    store = await reopen(store);
    expect([store.firstSeq, store.lastSeq]).toEqual([11, 10]);
    expect((await store.append(event(11))).seq).toBe(11);
  });
});

describe('definitions and meta', () => {
  it('stores a definition once per content hash', async () => {
    let store = await start();
    await store.putDefinition('sha-1', { name: 'build', phases: ['plan', 'code'] });
    await store.putDefinition('sha-1', { name: 'changed' });
    store = await reopen(store);
    expect(store.getDefinition('sha-1')).toEqual({ name: 'build', phases: ['plan', 'code'] });
    expect(store.getDefinition('sha-2')).toBeUndefined();
  });

  it('treats a damaged definition as missing and quarantines it', async () => {
    const raw = openRaw();
    await raw.openDB('defs', { encoding: 'binary' }).put('sha-bad', Buffer.from([0xc1, 0xc1]));
    const store = await start();
    expect(store.getDefinition('sha-bad')).toBeUndefined();
    expect(warnings()).toEqual([expect.stringMatching(/definition "sha-bad" is damaged/)]);
  });

  it('keeps meta values and guards the keys the store uses itself', async () => {
    let store = await start();
    await store.setMeta('daemon.version', '0.1.0');
    store = await reopen(store);
    expect(store.meta('daemon.version')).toBe('0.1.0');
    await expect(store.setMeta('store.checkpointSeq', 5)).rejects.toMatchObject({
      code: 'INVALID_KEY',
    });
  });
});
