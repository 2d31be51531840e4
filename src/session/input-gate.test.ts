import { describe, expect, it } from 'vitest';
import { createInputGate } from './input-gate.js';

function fakeTime() {
  let now = 0;
  const waits: number[] = [];
  return {
    now: () => now,
    sleep: (ms: number) => {
      waits.push(ms);
      now += ms;
      return Promise.resolve();
    },
    waits,
  };
}

describe('createInputGate', () => {
  it('keeps writes of different holders from interleaving', async () => {
    const time = fakeTime();
    const written: string[] = [];
    const gate = createInputGate({ write: (d) => written.push(String(d)), ...time }, 0);
    await Promise.all([
      gate.run(async (io) => {
        await io.write('text');
        await io.pause(200);
        await io.write('\r');
      }),
      gate.run((io) => io.write('raw')),
    ]);
    expect(written).toEqual(['text', '\r', 'raw']);
  });

  it('leaves at least the minimum gap between two writes', async () => {
    const time = fakeTime();
    const gate = createInputGate({ write: () => undefined, ...time }, 25);
    await gate.run(async (io) => {
      await io.write('a');
      await io.write('b');
    });
    expect(time.waits).toEqual([25]);
  });

  it('tells listeners about every write and keeps going after a holder fails', async () => {
    const seen: string[] = [];
    const gate = createInputGate({ write: () => undefined, ...fakeTime() }, 0);
    gate.onWrite((d) => seen.push(String(d)));
    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const bytes = await gate.run((io) => io.play([{ write: '1' }, { pause: 5 }, { write: '\r' }]));
    expect(bytes).toBe(2);
    expect(seen).toEqual(['1', '\r']);
  });
});
