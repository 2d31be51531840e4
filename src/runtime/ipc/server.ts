// The daemon's IPC server: WebSocket (ws) over a Unix socket that only its owner can reach (0600
// inside a 0700 directory). Bad input never takes it down; every frame gets an answer when possible.
import { chmodSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname } from 'node:path';
import { WebSocketServer } from 'ws';
import { METHODS, PROTOCOL_VERSION } from '../../wire/index.js';
import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import type { HelloFrame } from '../../wire/index.js';
import type { Log } from '../log.js';
import { ensurePrivateDir, fits, SOCKET_PATH_MAX_BYTES } from '../paths.js';
import { IpcError } from './errors.js';
import type { Handlers } from './handlers.js';
import { serveConnection } from './connection.js';

/** 1 MiB: CLI requests are small; a bigger frame is a bug or an attack (the client sees 1009). */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
/** How long clients get to finish the close handshake before their sockets are destroyed. */
const CLOSE_GRACE_MS = 500;

export interface IpcServerOptions {
  socketPath: string;
  version: string;
  handlers: Handlers;
  log: Log;
  maxFrameBytes?: number;
  /** Sent in `hello` (epoch ms). */
  startedAt: number;
  clock?: Clock;
}

export interface IpcServer {
  /** New requests get SHUTTING_DOWN from now on; in-flight ones continue. */
  stopAccepting(): void;
  /** Aborts in-flight requests, closes every connection and the socket (which is unlinked). */
  close(): Promise<void>;
  connections(): number;
}

/** Listens on `socketPath` (its directory is made 0700 first, the socket 0600 after). */
export async function startIpcServer(options: IpcServerOptions): Promise<IpcServer> {
  const { socketPath, log } = options;
  const clock = options.clock ?? systemClock;
  if (!fits(socketPath))
    throw new IpcError(
      'SOCKET_PATH_TOO_LONG',
      `socket path "${socketPath}" is ${Buffer.byteLength(socketPath)} bytes; the limit is ${SOCKET_PATH_MAX_BYTES}`,
    );
  for (const method of Object.keys(options.handlers))
    if (!Object.hasOwn(METHODS, method))
      throw new IpcError(
        'NO_SCHEMA',
        `handler "${method}" has no entry in the wire METHODS registry`,
      );
  ensurePrivateDir(dirname(socketPath));

  const http = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('this is the ojd socket; it speaks WebSocket to the oj CLI\n');
  });
  const wss = new WebSocketServer({
    server: http,
    maxPayload: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    perMessageDeflate: false, // local socket: compression only costs CPU
  });
  const hello: HelloFrame = {
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    version: options.version,
    pid: process.pid,
    startedAt: options.startedAt,
  };
  let accepting = true;
  let nextConnection = 1;
  wss.on('connection', (ws) => {
    if (!accepting) return ws.close(1001, 'ojd is stopping');
    serveConnection(ws, `connection ${nextConnection++}`, {
      handlers: options.handlers,
      hello,
      log,
      isAccepting: () => accepting,
    });
  });
  wss.on('error', (err) => log('error', `ipc server: ${err.message}`));
  http.on('clientError', (err, socket) => {
    log('warn', `ipc: bad HTTP from a client: ${err.message}`);
    socket.destroy();
  });

  await listen(http, socketPath);
  try {
    chmodSync(socketPath, 0o600);
    const mode = statSync(socketPath).mode & 0o777;
    if (mode !== 0o600)
      throw new IpcError(
        'SOCKET_INSECURE',
        `socket "${socketPath}" has mode ${mode.toString(8)}, not 600`,
      );
  } catch (err) {
    http.close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    accepting = false;
    closing ??= (async () => {
      const clients = [...wss.clients];
      for (const ws of clients) ws.close(1001, 'ojd is stopping');
      let cancelGrace = () => {};
      await Promise.race([
        Promise.all(clients.map((ws) => new Promise((done) => ws.once('close', done)))),
        new Promise(
          (done) => (cancelGrace = clock.setTimer(clock.now() + CLOSE_GRACE_MS, () => done(null))),
        ),
      ]);
      cancelGrace();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((done) => wss.close(() => done()));
      await new Promise<void>((done) => http.close(() => done())); // unlinks the socket
    })();
    return closing;
  };
  return {
    stopAccepting: () => {
      accepting = false;
    },
    close,
    connections: () => wss.clients.size,
  };
}

function listen(http: ReturnType<typeof createServer>, socketPath: string): Promise<void> {
  return new Promise((done, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      http.off('listening', onListening);
      if (err.code === 'EADDRINUSE')
        reject(
          new IpcError(
            'SOCKET_IN_USE',
            `socket "${socketPath}" already exists (is another ojd running?)`,
            {
              cause: err,
            },
          ),
        );
      else reject(err);
    };
    const onListening = () => {
      http.off('error', onError);
      done();
    };
    http.once('error', onError);
    http.once('listening', onListening);
    http.listen(socketPath);
  });
}
