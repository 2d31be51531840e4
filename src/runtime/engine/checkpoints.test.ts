// Specs for checkpoints when the store refuses one (a full disk): nothing is thrown, and every
// actor it would have written — and every removal — goes into the next checkpoint instead.
import { describe, expect, it } from 'vitest';
import type { Clock } from '../clock.js';
import type { CheckpointWrite, Store } from '../store/index.js';
import { Checkpoints } from './checkpoints.js';
import type { Supervisor } from './supervisor.js';

function fixture() {
  const writes: CheckpointWrite[] = [];
  const warnings: string[] = [];
  let refuse = true;
  const store = {
    firstSeq: 1,
    checkpoint: async (write: CheckpointWrite) => {
      if (refuse) throw new Error('the journal cannot be written: no space left on device');
      writes.push(write);
    },
    compact: async () => 0,
  } as unknown as Store;
  const actors = new Set(['pl-1', 'pl-2', 'pl-3']);
  const sup = {
    get: (id: string) =>
      actors.has(id)
        ? {
            id,
            kind: 'pipeline',
            meta: { project: '/p', qualified: 'r.job', defHash: 'h', createdAt: 0 },
            actor: { getPersistedSnapshot: () => ({ value: id }) },
          }
        : undefined,
  } as unknown as Supervisor;
  const clock = { now: () => 0, setTimer: () => () => undefined } as unknown as Clock;
  const checkpoints = new Checkpoints(store, clock, sup, (_level, message) => {
    warnings.push(message);
  });
  return { checkpoints, writes, warnings, allow: () => (refuse = false) };
}

describe('a checkpoint the store refuses', () => {
  it('keeps its actors and removals for the next checkpoint, which covers them', async () => {
    const f = fixture();
    f.checkpoints.processed(5, ['pl-1', 'pl-2'], false);
    f.checkpoints.forget('pl-3');
    await expect(f.checkpoints.write()).resolves.toBeUndefined();
    expect(f.warnings).toEqual([
      'checkpoint at seq 5 not written (the journal has it all): Error: the journal cannot be written: no space left on device',
    ]);
    f.allow();
    f.checkpoints.processed(6, ['pl-2'], false);
    await f.checkpoints.write();
    expect(f.writes).toHaveLength(1);
    const [write] = f.writes as [CheckpointWrite];
    expect(write.seq).toBe(6);
    expect([...write.put.keys()].sort()).toEqual(['pl-1', 'pl-2']);
    expect(write.remove).toEqual(['pl-3']);
  });
});
