import { describe, expect, it } from 'vitest';
import { HostFrameSchema, parseClientFrame, parseHostFrame, SpawnSpecSchema } from './protocol.js';
import type { ClientFrame, HostFrame } from './protocol.js';

const clientFrames: ClientFrame[] = [
  { type: 'subscribe', id: 1, topics: ['state', 'output', 'screen', 'hooks'], sinceSeq: 4 },
  { type: 'screen', id: 2, format: 'ansi' },
  { type: 'input', id: 3, text: 'hello' },
  { type: 'input', id: 4, data: Buffer.from([0x1b, 0x03]).toString('base64') },
  { type: 'input', id: 5, keys: ['Down', 'Enter'] },
  { type: 'nudge', id: 6, message: 'continue' },
  { type: 'respond', id: 7, accept: false },
  { type: 'respond', id: 8, answers: [{ option: 2 }, { text: 'other' }] },
  { type: 'attach', id: 9, cols: 100, rows: 30, sinceOffset: 2048 },
  { type: 'detach', id: 10 },
  { type: 'kill', id: 11, graceMs: 500, drain: false },
];

const hostFrames: HostFrame[] = [
  {
    type: 'hello',
    protocol: 1,
    agentId: 'ag-1',
    hostPid: 10,
    agentPid: 11,
    pgid: 11,
    startedAt: 1_700_000_000_000,
    cols: 120,
    rows: 40,
  },
  { type: 'reply', id: 1, ok: true, result: { bytes: 3 } },
  { type: 'reply', id: null, ok: false, error: { code: 'BAD_REQUEST', message: 'bad frame' } },
  {
    type: 'state',
    seq: 3,
    state: 'prompt',
    prev: 'working',
    at: 1,
    cause: 'hook:PermissionRequest:Bash',
    tier: 1,
    prompt: { kind: 'permission', tool: 'Bash', input: 'ls', options: ['Yes', 'No'], ready: true },
  },
  { type: 'hook', seq: 4, at: 2, event: 'Stop', payload: { stop_hook_active: false } },
  { type: 'responded', seq: 5, at: 3, promptKind: 'permission', keys: '1\r', option: 1 },
  { type: 'output', offset: 0, data: '\x1b[2Jhi', redraw: true },
  {
    type: 'screen',
    seq: 5,
    cols: 80,
    rows: 2,
    lines: ['a', ''],
    altScreen: false,
    cursor: { x: 0, y: 1 },
  },
  { type: 'exit', seq: 6, code: null, signal: 'SIGKILL', at: 4 },
];

describe('session protocol', () => {
  it.each(clientFrames.map((f) => [f.type, f] as const))(
    'round-trips a %s frame from a client',
    (_t, frame) => {
      expect(parseClientFrame(JSON.stringify(frame))).toEqual({ ok: true, frame });
    },
  );

  it.each(hostFrames.map((f) => [f.type, f] as const))(
    'round-trips a %s frame from a host',
    (_t, frame) => {
      expect(parseHostFrame(JSON.stringify(frame))).toEqual({ ok: true, frame });
    },
  );

  it('fills in defaults: subscribe to state, screens as text', () => {
    expect(parseClientFrame('{"type":"subscribe","id":1}')).toEqual({
      ok: true,
      frame: { type: 'subscribe', id: 1, topics: ['state'] },
    });
    expect(parseClientFrame('{"type":"screen","id":2}')).toMatchObject({
      frame: { format: 'text' },
    });
  });

  it('rejects input with none or several of text, data and keys, keeping the id', () => {
    expect(parseClientFrame('{"type":"input","id":7}')).toMatchObject({ ok: false, id: 7 });
    expect(parseClientFrame('{"type":"input","id":8,"text":"a","keys":["Enter"]}')).toMatchObject({
      ok: false,
      id: 8,
      message: expect.stringContaining('exactly one'),
    });
  });

  it('says what is wrong with a frame and where', () => {
    expect(parseClientFrame('not json')).toEqual({
      ok: false,
      id: null,
      message: 'frame is not JSON',
    });
    const bad = parseClientFrame('{"type":"subscribe","id":3,"topics":["weather"]}');
    expect(bad).toMatchObject({ ok: false, id: 3, message: expect.stringContaining('"topics.0"') });
    expect(parseClientFrame('{"type":"launch","id":4}')).toMatchObject({ ok: false, id: 4 });
  });

  it('uses snake_case enum values on the wire', () => {
    const frame = { ...hostFrames[3], error: { category: 'out_of_credits', detail: 'x' } };
    expect(HostFrameSchema.safeParse(frame).success).toBe(true);
  });

  it('accepts a spawn spec with a timing preset or a preset plus overrides, and nothing unknown', () => {
    const base = {
      agentId: 'ag-1',
      dir: '/tmp/a',
      command: 'claude',
      driver: 'claude',
      cwd: '/w',
      env: {},
    };
    expect(SpawnSpecSchema.safeParse({ ...base, timing: 'test' }).success).toBe(true);
    expect(
      SpawnSpecSchema.safeParse({ ...base, timing: { preset: 'test', quietMs: 5 } }).success,
    ).toBe(true);
    expect(
      SpawnSpecSchema.safeParse({ ...base, timing: { preset: 'test', quietMS: 5 } }).success,
    ).toBe(false);
    expect(SpawnSpecSchema.safeParse({ ...base, driver: 'aider' }).success).toBe(false);
    expect(SpawnSpecSchema.safeParse({ ...base, extra: 1 }).success).toBe(false);
  });
});
