// Property: any interleaving of appends (awaited or in bursts), appendMany, checkpoints,
// compactions and reopens leaves the store agreeing with a plain in-memory model.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openStore, SNAPSHOT_SCHEMA } from './index.js';
import type { JournalRecord, SnapshotRecord, Store } from './index.js';

type Command =
  | { kind: 'append'; count: number; burst: boolean }
  | { kind: 'appendMany'; count: number }
  | { kind: 'checkpoint'; pick: number }
  | { kind: 'compact'; before: number }
  | { kind: 'reopen' };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('append' as const),
    count: fc.integer({ min: 1, max: 12 }),
    burst: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('appendMany' as const), count: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ kind: fc.constant('checkpoint' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('compact' as const), before: fc.integer({ min: -2, max: 80 }) }),
  fc.constant({ kind: 'reopen' as const }),
);

interface Model {
  records: JournalRecord[];
  lastSeq: number;
  firstSeq: number;
  checkpointSeq: number;
  snapshots: Map<string, SnapshotRecord>;
}

const silent = { log: () => undefined };
let counter = 0;
const event = () => ({ at: 1_700_000_000_000, type: 'model:step', n: counter++ });

async function run(store: Store, model: Model, cmd: Command): Promise<Store> {
  switch (cmd.kind) {
    case 'append': {
      const events = Array.from({ length: cmd.count }, event);
      const records: JournalRecord[] = [];
      if (cmd.burst) records.push(...(await Promise.all(events.map((e) => store.append(e)))));
      else for (const e of events) records.push(await store.append(e));
      model.records.push(...records);
      model.lastSeq += cmd.count;
      return store;
    }
    case 'appendMany': {
      model.records.push(...(await store.appendMany(Array.from({ length: cmd.count }, event))));
      model.lastSeq += cmd.count;
      return store;
    }
    case 'checkpoint': {
      const span = model.lastSeq - model.checkpointSeq + 1;
      const seq = model.checkpointSeq + (cmd.pick % span);
      const record = { seq, kind: 'pipeline', schema: SNAPSHOT_SCHEMA, snapshot: { at: seq } };
      await store.checkpoint({ seq, put: new Map([['pl-a', record]]) });
      model.checkpointSeq = seq;
      model.snapshots.set('pl-a', record);
      return store;
    }
    case 'compact': {
      const limit = Math.min(cmd.before, model.checkpointSeq + 1);
      const expected = model.records.filter((r) => r.seq < limit).length;
      expect(await store.compact(cmd.before)).toBe(expected);
      model.records = model.records.filter((r) => r.seq >= limit);
      if (limit > 0) model.firstSeq = Math.max(model.firstSeq, limit);
      return store;
    }
    case 'reopen': {
      await store.close();
      model.firstSeq = model.records[0]?.seq ?? model.lastSeq + 1;
      return openStore(store.dir, silent);
    }
  }
}

describe('store against a model', () => {
  it('reads back exactly what the model holds after any sequence of operations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 25 }), async (commands) => {
        const dir = mkdtempSync(join(tmpdir(), 'oj-store-model-'));
        let store = await openStore(dir, silent);
        const model: Model = {
          records: [],
          lastSeq: 0,
          firstSeq: 1,
          checkpointSeq: 0,
          snapshots: new Map(),
        };
        try {
          for (const cmd of commands) {
            store = await run(store, model, cmd);
            expect([...store.read(0)]).toEqual(model.records);
            expect(store.lastSeq).toBe(model.lastSeq);
            expect(store.firstSeq).toBe(model.firstSeq);
            expect(store.checkpointSeq).toBe(model.checkpointSeq);
            expect(store.loadCheckpoint()).toEqual({
              seq: model.checkpointSeq,
              snapshots: model.snapshots,
              damaged: [],
            });
          }
        } finally {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 30 },
    );
  });
});
