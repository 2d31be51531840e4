// The wire schemas accept exactly the frames the protocol defines, and the registry's params
// schemas are strict (an unknown key is an error, not silently ignored: lessons "schema").
import { describe, expect, it } from 'vitest';
import { ClientFrameSchema, METHODS, ServerFrameSchema } from './index.js';

describe('client frames', () => {
  it.each([
    [{ type: 'request', id: 0, method: 'ping' }],
    [{ type: 'request', id: 7, method: 'daemon.stop', params: { kill: true } }],
    [{ type: 'cancel', id: 7 }],
  ])('accepts %j', (frame) => {
    expect(ClientFrameSchema.safeParse(frame).success).toBe(true);
  });

  it.each([
    ['a negative id', { type: 'request', id: -1, method: 'ping' }],
    ['a fractional id', { type: 'request', id: 1.5, method: 'ping' }],
    ['an empty method', { type: 'request', id: 1, method: '' }],
    ['a missing id', { type: 'cancel' }],
    ['an unknown type', { type: 'hello', id: 1 }],
  ])('rejects %s', (_what, frame) => {
    expect(ClientFrameSchema.safeParse(frame).success).toBe(false);
  });
});

describe('server frames', () => {
  it.each([
    [{ type: 'hello', protocol: 1, version: '0.1.0', pid: 12, startedAt: 1 }],
    [{ type: 'response', id: 1, ok: true, result: { pong: true } }],
    [{ type: 'response', id: 1, ok: false, error: { code: 'BAD_PARAMS', message: 'kill: …' } }],
    [{ type: 'event', id: 1, data: 'line' }],
    [{ type: 'error', error: { code: 'BAD_FRAME', message: 'frame is not JSON' } }],
  ])('accepts %j', (frame) => {
    expect(ServerFrameSchema.safeParse(frame).success).toBe(true);
  });

  it('rejects a failed response without an error', () => {
    expect(ServerFrameSchema.safeParse({ type: 'response', id: 1, ok: false }).success).toBe(false);
  });
});

describe('METHODS', () => {
  it('takes no params for ping and daemon.status, and rejects unknown keys', () => {
    expect(METHODS.ping.params.safeParse({}).success).toBe(true);
    expect(METHODS['daemon.status'].params.safeParse({ verbose: true }).success).toBe(false);
  });

  it('types daemon.stop { kill?: boolean }', () => {
    expect(METHODS['daemon.stop'].params.parse({})).toEqual({});
    expect(METHODS['daemon.stop'].params.parse({ kill: true })).toEqual({ kill: true });
    expect(METHODS['daemon.stop'].params.safeParse({ kill: 'yes' }).success).toBe(false);
  });
});
