// The CLI's daemon client against an in-process IPC server: results, errors, streams, Ctrl-C,
// timeouts and a daemon that goes away, as the commands built on it will see them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { connectDaemon } from '../src/cli/client.js';
import type { DaemonClient } from '../src/cli/client.js';
import { OjError } from '../src/errors/index.js';
import { startIpcServer } from '../src/runtime/ipc/index.js';
import type { Handlers, IpcServer } from '../src/runtime/ipc/index.js';

let dir: string;
let server: IpcServer | undefined;
let client: DaemonClient | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oj-client-'));
});
afterEach(async () => {
  client?.close();
  await server?.close();
  server = client = undefined;
  rmSync(dir, { recursive: true, force: true });
});

type Ctx = { signal: AbortSignal; push(data: unknown): void };

async function serve(ping: (params: unknown, ctx: Ctx) => Promise<unknown>): Promise<DaemonClient> {
  server = await startIpcServer({
    socketPath: join(dir, 'run', 'ojd.sock'),
    version: '9.9.9',
    log: () => {},
    startedAt: 0,
    handlers: {
      ping,
      'daemon.stop': async () => Promise.reject(new OjError('NOPE', 'not today')),
    } as unknown as Handlers,
  });
  client = await connectDaemon({ stateDir: dir, version: '9.9.9', autoStart: false });
  return client;
}

/** Resolves with the handler's abort reason once its signal fires. */
function aborted(ctx: Ctx): Promise<unknown> {
  return new Promise((done) => ctx.signal.addEventListener('abort', () => done(ctx.signal.reason)));
}

it('says the daemon is not running when autoStart is off', async () => {
  await expect(
    connectDaemon({ stateDir: dir, version: '1', autoStart: false }),
  ).rejects.toMatchObject({
    code: 'DAEMON_NOT_RUNNING',
    message: expect.stringMatching(/ojd is not running .*oj daemon start/),
  });
});

it('returns results, and daemon errors as CliErrors with their code', async () => {
  const c = await serve(async () => ({ pong: true, time: 5 }));
  expect(c.origin).toBe('running');
  expect(c.hello).toMatchObject({ version: '9.9.9', pid: process.pid });
  expect(await c.request('ping')).toEqual({ pong: true, time: 5 });
  await expect(c.request('daemon.stop', {})).rejects.toMatchObject({
    code: 'NOPE',
    message: 'not today',
    exitCode: 1,
  });
  await expect(c.request('daemon.stop', { kill: 'x' as never })).rejects.toMatchObject({
    code: 'BAD_PARAMS',
    exitCode: 2,
  });
  await expect(c.request('daemon.status')).rejects.toMatchObject({ code: 'UNKNOWN_METHOD' });
});

it('delivers stream events in order before the result', async () => {
  const c = await serve(async (_p, ctx) => {
    for (const n of [1, 2, 3]) ctx.push({ n });
    return { pong: true, time: 0 };
  });
  const seen: unknown[] = [];
  const result = await c.request('ping', {}, { onEvent: (data) => seen.push(data) });
  expect(seen).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  expect(result).toEqual({ pong: true, time: 0 });
});

it('cancels a stream on Ctrl-C and fails with exit code 130', async () => {
  let reason!: Promise<unknown>;
  const c = await serve(async (_p, ctx) => {
    reason = aborted(ctx);
    ctx.push('started');
    await reason;
    throw ctx.signal.reason;
  });
  const request = c.request('ping', {}, { onEvent: () => void process.emit('SIGINT') });
  await expect(request).rejects.toMatchObject({ code: 'INTERRUPTED', exitCode: 130 });
  expect(await reason).toMatchObject({ code: 'CANCELLED', message: 'cancelled by the client' });
  expect(process.listenerCount('SIGINT')).toBe(0); // the handler is gone with the request
});

it('times out a request, cancelling it in the daemon', async () => {
  let reason!: Promise<unknown>;
  const c = await serve(async (_p, ctx) => {
    reason = aborted(ctx);
    return new Promise(() => {});
  });
  await expect(c.request('ping', {}, { timeoutMs: 50 })).rejects.toMatchObject({
    code: 'TIMEOUT',
    message: expect.stringMatching(/did not answer "ping" within 0.05 s/),
  });
  expect(await reason).toMatchObject({ code: 'CANCELLED' });
});

it('fails pending requests when the daemon goes away', async () => {
  let started!: () => void;
  const running = new Promise<void>((done) => (started = done));
  const c = await serve(async () => {
    started();
    return new Promise(() => {});
  });
  const failed = expect(c.request('ping')).rejects.toMatchObject({
    code: 'DAEMON_GONE',
    message: expect.stringMatching(/lost ojd while waiting for "ping" \(connection closed: 1001/),
  });
  await running;
  await server?.close();
  await failed;
  await expect(c.request('ping')).rejects.toMatchObject({ code: 'DAEMON_GONE' });
});
