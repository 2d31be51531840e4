// The IPC server in-process, driven by a raw ws client: every kind of bad input gets a clear error
// and the server keeps serving; handlers get params checked, a signal, and a way to stream.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { OjError } from '../../errors/index.js';
import type { Handlers } from './handlers.js';
import { startIpcServer } from './server.js';
import type { IpcServer } from './server.js';

type Frame = Record<string, unknown>;

/** A raw client that queues every frame it receives; `next()` takes them in order. */
class RawClient {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  readonly closed: Promise<number>;
  #waiters: ((f: Frame) => void)[] = [];

  constructor(socketPath: string) {
    this.ws = new WebSocket('ws://ojd/', { createConnection: () => connect(socketPath) });
    this.ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      const waiter = this.#waiters.shift();
      if (waiter) waiter(frame);
      else this.frames.push(frame);
    });
    this.ws.on('error', () => {});
    this.closed = new Promise((done) => this.ws.on('close', (code) => done(code)));
  }

  next(): Promise<Frame> {
    const queued = this.frames.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((done) => this.#waiters.push(done));
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async call(id: number, method: string, params?: unknown): Promise<Frame> {
    this.send({ type: 'request', id, method, params });
    return this.next();
  }
}

let dir: string;
let server: IpcServer | undefined;
let logged: string[];
const log = (level: string, message: string) => void logged.push(`${level} ${message}`);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oj-ipc-'));
  logged = [];
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function serve(handlers: Handlers = {}, maxFrameBytes?: number): Promise<string> {
  const socketPath = join(dir, 'run', 'ojd.sock');
  server = await startIpcServer({
    socketPath,
    version: '9.9.9',
    log,
    startedAt: 1000,
    maxFrameBytes,
    handlers: { ping: async () => ({ pong: true, time: 1 }), ...handlers },
  });
  return socketPath;
}

async function client(socketPath: string): Promise<RawClient> {
  const c = new RawClient(socketPath);
  expect(await c.next()).toEqual({
    type: 'hello',
    protocol: 1,
    version: '9.9.9',
    pid: process.pid,
    startedAt: 1000,
  });
  return c;
}

const pingOk = { type: 'response', id: 99, ok: true, result: { pong: true, time: 1 } };

describe('startIpcServer', () => {
  it('listens on a 0600 socket inside a 0700 directory', async () => {
    const socketPath = await serve();
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o700);
  });

  it('refuses a socket path longer than sun_path allows', async () => {
    const long = join(dir, 'x'.repeat(120), 'ojd.sock');
    await expect(
      startIpcServer({ socketPath: long, version: '1', log, startedAt: 0, handlers: {} }),
    ).rejects.toMatchObject({ code: 'SOCKET_PATH_TOO_LONG' });
  });

  it('refuses a handler for a method the wire registry does not define', async () => {
    const handlers = { 'no.such': async () => ({}) } as unknown as Handlers;
    await expect(
      startIpcServer({
        socketPath: join(dir, 's.sock'),
        version: '1',
        log,
        startedAt: 0,
        handlers,
      }),
    ).rejects.toMatchObject({ code: 'NO_SCHEMA' });
  });

  it('answers a request', async () => {
    const c = await client(await serve());
    expect(await c.call(99, 'ping')).toEqual(pingOk);
  });

  it.each([
    ['a frame that is not JSON', '{nope', /frame is not JSON/],
    ['a JSON value that is not a frame', { hello: 1 }, /not a request or cancel frame/],
    ['a frame of an unknown type', { type: 'shout', id: 1 }, /not a request or cancel frame/],
  ])('answers %s with a BAD_FRAME error frame and keeps serving', async (_what, frame, message) => {
    const c = await client(await serve());
    c.send(frame);
    const error = await c.next();
    expect(error).toMatchObject({ type: 'error', error: { code: 'BAD_FRAME' } });
    expect((error.error as { message: string }).message).toMatch(message);
    expect(await c.call(99, 'ping')).toEqual(pingOk);
  });

  it('answers a binary frame with BAD_FRAME', async () => {
    const c = await client(await serve());
    c.ws.send(Buffer.from('{}'), { binary: true });
    expect(await c.next()).toMatchObject({
      type: 'error',
      error: { code: 'BAD_FRAME', message: expect.stringMatching(/binary/) },
    });
  });

  it('answers a malformed request that has an id on that id', async () => {
    const c = await client(await serve());
    c.send({ type: 'request', id: 7, method: 42 });
    expect(await c.next()).toMatchObject({
      type: 'response',
      id: 7,
      ok: false,
      error: { code: 'BAD_FRAME', message: expect.stringMatching(/method/) },
    });
  });

  it('answers an unknown method with UNKNOWN_METHOD and the closest name', async () => {
    const c = await client(await serve());
    expect(await c.call(3, 'pnig')).toEqual({
      type: 'response',
      id: 3,
      ok: false,
      error: { code: 'UNKNOWN_METHOD', message: 'unknown method "pnig"; did you mean "ping"?' },
    });
    const far = await c.call(4, 'completely.else');
    expect((far.error as { message: string }).message).toMatch(/\(methods: ping\)/);
  });

  it('answers params that fail the schema with BAD_PARAMS naming the field', async () => {
    const stop = async () => ({ stopping: true as const, pid: 1 });
    const c = await client(await serve({ 'daemon.stop': stop }));
    const wrongType = await c.call(5, 'daemon.stop', { kill: 'yes' });
    expect(wrongType).toMatchObject({ ok: false, error: { code: 'BAD_PARAMS' } });
    expect((wrongType.error as { message: string }).message).toMatch(
      /^bad params for "daemon.stop": kill: expected boolean/,
    );
    const extra = await c.call(6, 'daemon.stop', { force: true });
    expect((extra.error as { message: string }).message).toMatch(/force/);
    const notObject = await c.call(7, 'daemon.stop', [1]);
    expect((notObject.error as { message: string }).message).toMatch(/params: expected object/);
    expect(await c.call(8, 'daemon.stop', { kill: true })).toMatchObject({
      ok: true,
      result: { stopping: true },
    });
  });

  it('closes a connection that sends an oversized frame with 1009 and keeps serving others', async () => {
    const socketPath = await serve({}, 1024);
    const big = await client(socketPath);
    big.send({ type: 'request', id: 1, method: 'ping', params: { pad: 'x'.repeat(2000) } });
    expect(await big.closed).toBe(1009);
    expect(logged.join('\n')).toMatch(/Max payload size exceeded/);
    const other = await client(socketPath);
    expect(await other.call(99, 'ping')).toEqual(pingOk);
  });

  it('passes an OjError through as its code and message', async () => {
    const c = await client(
      await serve({
        ping: async () => Promise.reject(new OjError('NOT_FOUND', 'no pipeline "x"')),
      }),
    );
    expect(await c.call(1, 'ping')).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'no pipeline "x"' },
    });
  });

  it('turns any other error into INTERNAL and logs its stack', async () => {
    const c = await client(
      await serve({ ping: async () => Promise.reject(new TypeError('boom')) }),
    );
    expect(await c.call(1, 'ping')).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL', message: '"ping" failed inside ojd: boom' },
    });
    expect(logged.find((l) => l.startsWith('error'))).toMatch(
      /TypeError: boom[\s\S]*server\.test\.ts/,
    );
  });

  it('streams events before the response, and cancel aborts the handler', async () => {
    let aborted: unknown;
    const stream = async (_p: unknown, ctx: { signal: AbortSignal; push(d: unknown): void }) => {
      ctx.push({ n: 1 });
      ctx.push({ n: 2 });
      await new Promise((done) => ctx.signal.addEventListener('abort', done));
      aborted = ctx.signal.reason;
      throw ctx.signal.reason;
    };
    const c = await client(await serve({ ping: stream as never }));
    c.send({ type: 'request', id: 5, method: 'ping' });
    expect(await c.next()).toEqual({ type: 'event', id: 5, data: { n: 1 } });
    expect(await c.next()).toEqual({ type: 'event', id: 5, data: { n: 2 } });
    c.send({ type: 'cancel', id: 5 });
    expect(await c.next()).toMatchObject({
      type: 'response',
      id: 5,
      ok: false,
      error: { code: 'CANCELLED' },
    });
    expect(aborted).toMatchObject({ code: 'CANCELLED' });
  });

  it('aborts a handler when its client disconnects', async () => {
    let started!: () => void;
    const running = new Promise<void>((done) => (started = done));
    const abortedWith = new Promise<unknown>((done) => {
      const hang = async (_p: unknown, ctx: { signal: AbortSignal }) => {
        ctx.signal.addEventListener('abort', () => done(ctx.signal.reason));
        started();
        return new Promise(() => {});
      };
      void serve({ ping: hang as never }).then(async (socketPath) => {
        const c = await client(socketPath);
        c.send({ type: 'request', id: 1, method: 'ping' });
        await running;
        c.ws.terminate();
      });
    });
    expect(await abortedWith).toMatchObject({ message: 'the client disconnected' });
  });

  it('reports a reused in-flight id as DUPLICATE_ID', async () => {
    const c = await client(await serve({ ping: (() => new Promise(() => {})) as never }));
    c.send({ type: 'request', id: 1, method: 'ping' });
    c.send({ type: 'request', id: 1, method: 'ping' });
    expect(await c.next()).toMatchObject({ type: 'error', error: { code: 'DUPLICATE_ID' } });
  });

  it('answers SHUTTING_DOWN once it stops accepting, and close() ends connections and the socket', async () => {
    const socketPath = await serve();
    const c = await client(socketPath);
    server?.stopAccepting();
    expect(await c.call(2, 'ping')).toMatchObject({ ok: false, error: { code: 'SHUTTING_DOWN' } });
    expect(server?.connections()).toBe(1);
    await server?.close();
    expect(await c.closed).toBe(1001);
    expect(() => statSync(socketPath)).toThrow(/ENOENT/);
  });
});
