// The CLI's hand-written WebSocket client against the ws server it talks to in production: frame
// sizes, fragments, pings, closes, limits, and servers that are not there or not WebSocket.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { openLiteSocket } from './ws-lite.js';
import type { LiteSocket } from './ws-lite.js';

let dir: string;
let http: Server;
let wss: WebSocketServer;
let socketPath: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'oj-wslite-'));
  socketPath = join(dir, 's.sock');
  http = createServer((_req, res) => res.writeHead(426).end('no'));
  wss = new WebSocketServer({ server: http, maxPayload: 1 << 20 });
  await new Promise<void>((done) => http.listen(socketPath, done));
});
afterEach(async () => {
  for (const ws of wss.clients) ws.terminate();
  await new Promise((done) => wss.close(done));
  await new Promise((done) => http.close(done));
  rmSync(dir, { recursive: true, force: true });
});

interface Seen {
  messages: string[];
  errors: string[];
  closed?: [number, string];
}

/** Opens a client and resolves once `until(seen)` holds. */
function run(
  until: (seen: Seen, socket: LiteSocket) => boolean,
  path = socketPath,
  maxPayload?: number,
) {
  const seen: Seen = { messages: [], errors: [] };
  return new Promise<{ seen: Seen; socket: LiteSocket }>((done) => {
    const check = () => until(seen, socket) && done({ seen, socket });
    const socket: LiteSocket = openLiteSocket(
      path,
      {
        onOpen: check,
        onMessage: (text) => (seen.messages.push(text), check()),
        onError: (err) => (seen.errors.push(`${err.code ?? ''} ${err.message}`), check()),
        onClose: (code, reason) => ((seen.closed = [code, reason]), check()),
      },
      maxPayload,
    );
  });
}

const onConnect = (fn: (ws: WebSocket) => void) => wss.once('connection', fn);

describe('openLiteSocket', () => {
  it.each([
    ['a short message', 10],
    ['a message with a 16-bit length', 300],
    ['a message with a 64-bit length', 70_000],
  ])('receives %s', async (_what, size) => {
    const text = 'é'.repeat(size);
    onConnect((ws) => ws.send(text));
    const { seen, socket } = await run((s) => s.messages.length === 1);
    expect(seen.messages[0]).toBe(text);
    socket.terminate();
  });

  it.each([10, 300, 70_000])('sends a %i-character message the server reads back', async (size) => {
    onConnect((ws) => ws.on('message', (data) => ws.send(`echo:${String(data)}`)));
    const text = 'x'.repeat(size);
    const { seen } = await run((s, socket) => {
      if (socket.isOpen && s.messages.length === 0 && !('sent' in s)) {
        Object.assign(s, { sent: true });
        socket.send(text);
      }
      return s.messages.length === 1;
    });
    expect(seen.messages[0]).toBe(`echo:${text}`);
  });

  it('answers a ping with its payload, and joins a fragmented message', async () => {
    onConnect((ws) => {
      ws.on('pong', (data) => {
        ws.send('one ', { fin: false });
        ws.send(`pong:${String(data)}`, { fin: true });
      });
      ws.ping('p1');
    });
    const { seen, socket } = await run((s) => s.messages.length === 1);
    expect(seen.messages).toEqual(['one pong:p1']);
    socket.terminate();
  });

  it('reports the close code and reason the server sends', async () => {
    onConnect((ws) => ws.close(1001, 'stopping'));
    const { seen } = await run((s) => s.closed !== undefined);
    expect(seen.closed).toEqual([1001, 'stopping']);
  });

  it('closes with 1009 when a frame exceeds its limit', async () => {
    onConnect((ws) => ws.send('y'.repeat(5000)));
    const { seen } = await run((s) => s.closed !== undefined, socketPath, 1000);
    expect(seen.closed?.[0]).toBe(1009);
    expect(seen.messages).toEqual([]);
  });

  it('reports a missing socket as an error with code ENOENT, then a close', async () => {
    const { seen } = await run((s) => s.closed !== undefined, join(dir, 'none.sock'));
    expect(seen.errors[0]).toMatch(/^ENOENT /);
    expect(seen.closed?.[0]).toBe(1006);
  });

  it('refuses a server that does not upgrade', async () => {
    wss.removeAllListeners('connection');
    const plain = join(dir, 'plain.sock');
    const server = createServer((_req, res) => res.writeHead(426).end('no'));
    await new Promise<void>((done) => server.listen(plain, done));
    const { seen } = await run((s) => s.closed !== undefined, plain);
    expect(seen.errors[0]).toMatch(/not a WebSocket server \(answered "HTTP\/1.1 426/);
    await new Promise((done) => server.close(done));
  });
});
