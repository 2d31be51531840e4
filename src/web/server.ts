// The daemon's HTTP API and dashboard server on 127.0.0.1: JSON endpoints over the same handlers
// (and the same zod parameter schemas) as the CLI's methods, a WebSocket stream of journal events,
// and the dashboard page. Every request needs the access token (Bearer header or `?token=`).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { connectSession } from '../session/index.js';
import type { SessionClient } from '../session/index.js';
import { METHODS } from '../wire/index.js';
import { DASHBOARD_PAGE } from './page.js';

type Handler = (
  params: never,
  ctx: { signal: AbortSignal; push(data: unknown): void },
) => Promise<unknown>;

export interface WebServerDeps {
  handlers: Record<string, Handler>;
  /** Journal events as they are processed, for the live stream. */
  subscribe: (listener: (event: { seq: number; type: string }) => void) => () => void;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface WebServer {
  url: string;
  token: string;
  close(): Promise<void>;
}

/** `METHOD /api/path` → the daemon method it calls and where its params come from. */
interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  call: string;
  params: (
    match: RegExpMatchArray,
    query: URLSearchParams,
    body: Record<string, unknown>,
  ) => Record<string, unknown>;
}

const list = (q: URLSearchParams, key: string) => (q.get(key) ? { [key]: q.get(key) } : {});

export const ROUTES: Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/status$/,
    call: 'status',
    params: (_, q) => list(q, 'project'),
  },
  {
    method: 'GET',
    pattern: /^\/api\/pipelines$/,
    call: 'pipeline.list',
    params: (_, q) => ({
      ...list(q, 'project'),
      ...(q.get('status') ? { status: (q.get('status') as string).split(',') } : {}),
    }),
  },
  {
    method: 'GET',
    pattern: /^\/api\/pipelines\/([^/]+)$/,
    call: 'pipeline.show',
    params: (m) => ({ id: m[1] }),
  },
  {
    method: 'GET',
    pattern: /^\/api\/pipelines\/([^/]+)\/graph$/,
    call: 'pipeline.graph',
    params: (m) => ({ id: m[1] }),
  },
  {
    method: 'GET',
    pattern: /^\/api\/pipelines\/([^/]+)\/log$/,
    call: 'pipeline.log',
    params: (m) => ({ id: m[1] }),
  },
  {
    method: 'POST',
    pattern: /^\/api\/pipelines\/([^/]+)\/cancel$/,
    call: 'pipeline.cancel',
    params: (m) => ({ id: m[1] }),
  },
  {
    method: 'POST',
    pattern: /^\/api\/pipelines\/([^/]+)\/resume$/,
    call: 'pipeline.resume',
    params: (m) => ({ id: m[1] }),
  },
  {
    method: 'POST',
    pattern: /^\/api\/pipelines$/,
    call: 'pipeline.create',
    params: (_, __, b) => b,
  },
  {
    method: 'GET',
    pattern: /^\/api\/queues$/,
    call: 'queue.list',
    params: (_, q) => list(q, 'project'),
  },
  {
    method: 'GET',
    pattern: /^\/api\/queues\/([^/]+)$/,
    call: 'queue.show',
    params: (m, q) => ({ ...list(q, 'project'), queue: m[1] }),
  },
  {
    method: 'POST',
    pattern: /^\/api\/queues\/([^/]+)\/items$/,
    call: 'queue.add',
    params: (m, q, b) => ({ ...list(q, 'project'), queue: m[1], data: {}, ...b }),
  },
  {
    method: 'GET',
    pattern: /^\/api\/locks$/,
    call: 'lock.list',
    params: (_, q) => list(q, 'project'),
  },
  {
    method: 'GET',
    pattern: /^\/api\/semaphores$/,
    call: 'semaphore.list',
    params: (_, q) => list(q, 'project'),
  },
  {
    method: 'GET',
    pattern: /^\/api\/sessions$/,
    call: 'session.list',
    params: (_, q) => list(q, 'project'),
  },
  {
    method: 'GET',
    pattern: /^\/api\/sessions\/([^/]+)$/,
    call: 'session.show',
    params: (m) => ({ id: m[1] }),
  },
  {
    method: 'GET',
    pattern: /^\/api\/sessions\/([^/]+)\/screen$/,
    call: 'session.peek',
    params: (m) => ({ id: m[1] }),
  },
  {
    method: 'POST',
    pattern: /^\/api\/sessions\/([^/]+)\/send$/,
    call: 'session.send',
    params: (m, _, b) => ({ id: m[1], ...b }),
  },
  {
    method: 'POST',
    pattern: /^\/api\/sessions\/([^/]+)\/nudge$/,
    call: 'session.nudge',
    params: (m, _, b) => ({ id: m[1], ...b }),
  },
  {
    method: 'GET',
    pattern: /^\/api\/decisions$/,
    call: 'decision.list',
    params: (_, q) => list(q, 'project'),
  },
  {
    method: 'POST',
    pattern: /^\/api\/decisions\/([^/]+)\/resolve$/,
    call: 'decision.resolve',
    params: (m, _, b) => ({ id: m[1], ...b }),
  },
  {
    method: 'GET',
    pattern: /^\/api\/workspaces$/,
    call: 'workspace.list',
    params: (_, q) => list(q, 'project'),
  },
  {
    method: 'GET',
    pattern: /^\/api\/events$/,
    call: 'events',
    params: (_, q) => ({
      limit: Number(q.get('limit') ?? 200),
      ...(q.get('since') ? { since: Number(q.get('since')) } : {}),
    }),
  },
];

const MAX_BODY = 1 << 20;

/** Browser assets served from the installed packages (nothing is fetched from the network). */
const ASSETS: Record<string, { module: string; type: string; file?: string }> = {
  '/assets/xterm.js': { module: '@xterm/xterm/lib/xterm.js', type: 'text/javascript' },
  '/assets/xterm.css': { module: '@xterm/xterm/css/xterm.css', type: 'text/css' },
  // Graphviz compiled to wasm, as a browser global (`Viz`); beside the package's main file.
  '/assets/viz.js': { module: '@viz-js/viz', file: 'viz-global.js', type: 'text/javascript' },
};

function serveAsset(
  res: ServerResponse,
  asset: { module: string; type: string; file?: string },
): void {
  try {
    const main = createRequire(import.meta.url).resolve(asset.module);
    const path = asset.file ? join(dirname(main), asset.file) : main;
    res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'max-age=3600' });
    res.end(readFileSync(path));
  } catch (err) {
    send(res, 500, {
      error: { code: 'MISSING_ASSET', message: `${asset.module}: ${String(err)}` },
    });
  }
}

/**
 * A read-only view of an agent's terminal: the screen as it is (serialized ANSI), then every
 * output chunk, straight from its session host. The PTY is not resized for the viewer.
 */
async function watchTerminal(deps: WebServerDeps, id: string, ws: WebSocket): Promise<void> {
  const fail = (message: string) => {
    ws.send(JSON.stringify({ type: 'error', message }));
    ws.close();
  };
  const info = deps.handlers['session.attach-info'];
  let client: SessionClient;
  try {
    const { socket } = (await info?.({ id } as never, {
      signal: new AbortController().signal,
      push: () => undefined,
    })) as { socket: string };
    client = await connectSession(socket, { timeoutMs: 5_000 });
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  ws.on('close', () => client.close());
  client.onClose(() => ws.close());
  try {
    const screen = await client.screen('ansi');
    ws.send(
      JSON.stringify({
        type: 'screen',
        data: screen.ansi ?? screen.lines.join('\r\n'),
        cols: screen.cols,
        rows: screen.rows,
      }),
    );
    await client.subscribe(
      undefined,
      (frame) => {
        if (frame.type === 'output' && ws.readyState === ws.OPEN)
          ws.send(JSON.stringify({ type: 'output', data: frame.data }));
      },
      { topics: ['output'] },
    );
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
}

/** Starts the server on 127.0.0.1 (`port` 0 picks a free one) with a fresh random token. */
export async function startWebServer(deps: WebServerDeps, port = 0): Promise<WebServer> {
  const token = randomBytes(24).toString('hex');
  const authorized = (req: IncomingMessage, url: URL) => {
    const given =
      req.headers.authorization?.replace(/^Bearer\s+/i, '') ?? url.searchParams.get('token') ?? '';
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!authorized(req, url))
      return send(res, 401, {
        error: {
          code: 'UNAUTHORIZED',
          message: 'missing or wrong access token: open the URL `oj dashboard` prints',
        },
      });
    if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
      });
      return void res.end(DASHBOARD_PAGE);
    }
    const asset = req.method === 'GET' ? ASSETS[url.pathname] : undefined;
    if (asset) return serveAsset(res, asset);
    void api(deps, req, res, url);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const terminal = /^\/api\/sessions\/([^/]+)\/terminal$/.exec(url.pathname);
    if ((url.pathname !== '/api/stream' && !terminal) || !authorized(req, url)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    if (terminal)
      return wss.handleUpgrade(
        req,
        socket,
        head,
        (ws) => void watchTerminal(deps, decodeURIComponent(terminal[1] as string), ws),
      );
    wss.handleUpgrade(req, socket, head, (ws) => {
      const stop = deps.subscribe((event) => {
        if (ws.readyState === ws.OPEN && ws.bufferedAmount < 1 << 22)
          ws.send(JSON.stringify(event));
      });
      ws.on('close', stop);
      ws.on('error', stop);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${bound}/`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function api(
  deps: WebServerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const route = ROUTES.find((r) => r.method === req.method && r.pattern.test(url.pathname));
  if (!route)
    return send(res, 404, {
      error: {
        code: 'NOT_FOUND',
        message: `no endpoint ${req.method} ${url.pathname} (see the HTTP API in the README)`,
      },
    });
  let body: Record<string, unknown> = {};
  if (req.method === 'POST') {
    try {
      body = await readJson(req);
    } catch (err) {
      return send(res, 400, {
        error: { code: 'BAD_REQUEST', message: String(err instanceof Error ? err.message : err) },
      });
    }
  }
  const params = route.params(
    url.pathname.match(route.pattern) as RegExpMatchArray,
    url.searchParams,
    body,
  );
  const schema = (
    METHODS as Record<
      string,
      {
        params: {
          safeParse(v: unknown): {
            success: boolean;
            data?: unknown;
            error?: { issues: { path: PropertyKey[]; message: string }[] };
          };
        };
      }
    >
  )[route.call]?.params;
  const parsed = schema?.safeParse(params);
  if (!parsed?.success) {
    const issue = parsed?.error?.issues[0];
    return send(res, 400, {
      error: {
        code: 'BAD_REQUEST',
        message: issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'bad request',
      },
    });
  }
  const handler = deps.handlers[route.call];
  if (!handler)
    return send(res, 404, {
      error: { code: 'NOT_FOUND', message: `${route.call} is not served by this daemon` },
    });
  try {
    const abort = new AbortController();
    req.on('close', () => abort.abort());
    const result = await handler(parsed.data as never, {
      signal: abort.signal,
      push: () => undefined,
    });
    send(res, 200, result);
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'FAILED';
    send(res, code === 'NOT_FOUND' ? 404 : 422, {
      error: { code, message: err instanceof Error ? err.message : String(err) },
    });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('the request body is over 1 MB'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text) return resolve({});
      try {
        const value = JSON.parse(text) as unknown;
        if (value === null || typeof value !== 'object' || Array.isArray(value))
          return reject(new Error('the body must be a JSON object'));
        resolve(value as Record<string, unknown>);
      } catch {
        reject(new Error('the body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}
