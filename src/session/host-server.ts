// The session host's socket: a node:http server on a 0600 Unix socket that upgrades `/` to the
// WebSocket protocol and takes Claude hook calls as `POST /hooks/<event>` with the session's token.
import { timingSafeEqual } from 'node:crypto';
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { SessionHost } from './host.js';

const MAX_HOOK_BODY_BYTES = 4 << 20; // hook payloads carry tool inputs; a file write can be large
const CLOSE_FLUSH_MS = 1_000; // how long closing waits for clients to take their last frames
export const HOOK_TOKEN_HEADER = 'x-oj-hook-token';

export interface SessionServer {
  readonly socketPath: string;
  /** Closes every connection (after flushing what was queued, up to 1 s) and removes the socket. */
  close(): Promise<void>;
}

/**
 * Serves `host` on `socketPath` (a stale socket file there is replaced). The socket is chmod'ed 0600
 * before this resolves; the caller puts it in a 0700 directory so the umask window is closed too.
 */
export async function serveSessionHost(
  host: SessionHost,
  socketPath: string,
  hookToken: string,
): Promise<SessionServer> {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 << 20 });
  const sockets = new Set<WebSocket>();
  const server = createServer((req, res) => void routeHook(host, hookToken, req, res));
  server.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '/') !== '/') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      const channel = host.openChannel({
        send: (frame) => ws.send(JSON.stringify(frame)),
        bufferedAmount: () => ws.bufferedAmount,
      });
      ws.on('message', (data, isBinary) => {
        if (isBinary) channel.receive('binary frame');
        else channel.receive(Buffer.isBuffer(data) ? data.toString('utf8') : String(data));
      });
      ws.on('close', () => {
        sockets.delete(ws);
        channel.close();
      });
      ws.on('error', () => ws.terminate());
    });
  });
  removeStaleSocket(socketPath);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(socketPath, 0o600);

  let closing: Promise<void> | undefined;
  return {
    socketPath,
    close() {
      closing ??= (async () => {
        await Promise.all([...sockets].map((ws) => closeGracefully(ws)));
        wss.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        try {
          unlinkSync(socketPath);
        } catch {
          // already gone
        }
      })();
      return closing;
    },
  };
}

async function routeHook(
  host: SessionHost,
  token: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const match = /^\/hooks\/([A-Za-z][A-Za-z0-9_]*)$/.exec(req.url ?? '');
  if (req.method !== 'POST' || !match)
    return send(res, 404, { error: 'not found; POST /hooks/<event>' });
  if (!tokenMatches(req.headers[HOOK_TOKEN_HEADER], token))
    return send(res, 401, { error: `missing or wrong ${HOOK_TOKEN_HEADER} header` });
  let body: string;
  try {
    body = await readBody(req);
  } catch (err) {
    return send(res, 413, { error: String(err) });
  }
  let payload: unknown;
  try {
    payload = body.trim() ? JSON.parse(body) : {};
  } catch {
    return send(res, 400, { error: 'the hook body is not JSON' });
  }
  const reply = host.handleHook(match[1]!, payload);
  res.writeHead(reply.status, { 'content-type': 'application/json' });
  res.end(reply.body);
}

function tokenMatches(header: string | string[] | undefined, token: string): boolean {
  if (typeof header !== 'string') return false;
  const a = Buffer.from(header);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_HOOK_BODY_BYTES) {
        reject(new Error(`hook body over ${MAX_HOOK_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function closeGracefully(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === ws.CLOSED) return resolve();
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, CLOSE_FLUSH_MS);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1000, 'session ended');
  });
}

/** Removes a socket file left by a dead host; refuses to remove anything that is not a socket. */
function removeStaleSocket(path: string): void {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) throw new Error(`"${path}" exists and is not a socket; remove it`);
  unlinkSync(path);
}
