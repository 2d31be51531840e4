// Specs for internal inputs a full journal refused: held in order (heartbeats dropped), submitted
// again every retry until the journal takes them, and never a rejection for their callers.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { StoreError } from '../store/index.js';
import { HeldInputs } from './held-inputs.js';
import type { RecordBody } from './records.js';

const body = (effect: string) =>
  ({ type: 'effect:done', actor: 'pl-1', effect }) as unknown as RecordBody;
const heartbeat = { type: 'agent:activity', actor: 'ag-1', generation: 1 } as RecordBody;
const settle = () => new Promise((resolve) => setImmediate(resolve));

function fixture() {
  const clock = new FakeClock();
  const journaled: string[] = [];
  const logs: string[] = [];
  let full = true;
  const held = new HeldInputs(
    async (b) => {
      if (full) throw new StoreError('NO_SPACE', 'the journal cannot be written: no space left');
      journaled.push((b as { effect?: string }).effect ?? b.type);
    },
    { clock, log: (level, message) => logs.push(`${level} ${message}`) },
  );
  return { clock, held, journaled, logs, free: () => (full = false) };
}

describe('inputs refused by a full journal', () => {
  it('are held in order and journaled once it takes writes again; heartbeats are dropped', async () => {
    const f = fixture();
    await f.held.submit(body('a'));
    await f.held.submit(heartbeat);
    await f.held.submit(body('b'));
    expect(f.logs).toEqual(['warn the journal is full: holding effect:done and later inputs']);
    f.clock.advance(500); // still full: tried again and held again, without a second warning
    await settle();
    expect(f.journaled).toEqual([]);
    expect(f.logs).toHaveLength(1);
    f.free();
    f.clock.advance(500);
    await settle();
    expect(f.journaled).toEqual(['a', 'b']);
    expect(f.logs.at(-1)).toBe('info the journal takes writes again: held inputs journaled');
    await f.held.submit(body('c')); // straight through now
    expect(f.journaled).toEqual(['a', 'b', 'c']);
    expect(f.clock.pending()).toBe(0);
  });

  it('logs other failures instead of holding them, and reports what was never journaled on close', async () => {
    const f = fixture();
    const failing = new HeldInputs(
      async () => Promise.reject(new Error('the daemon is shutting down')),
      {
        clock: f.clock,
        log: (level, message) => f.logs.push(`${level} ${message}`),
      },
    );
    await failing.submit(body('x'));
    expect(f.logs).toEqual([
      'error could not journal effect:done: Error: the daemon is shutting down',
    ]);
    await f.held.submit(body('y'));
    f.held.close();
    expect(f.clock.pending()).toBe(0);
    expect(f.logs.at(-1)).toMatch(/^error 1 inputs were never journaled .*: 1 effect:done;/);
  });
});
