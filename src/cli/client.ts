// The CLI's connection to ojd: dials the daemon's Unix socket (starting ojd when none answers),
// checks `hello` (replacing a daemon of another version, once), and sends typed requests. Cheap to
// import: node built-ins and ws-lite; the wire schemas come in as types only (zod never loads here).
import type {
  EventOf,
  HelloFrame,
  MethodName,
  ParamsOf,
  PROTOCOL_VERSION,
  ResultOf,
  ServerFrame,
  WireError,
} from '../wire/index.js';
import {
  isDaemonProcess,
  isProcessAlive,
  readDaemonPid,
  readSocketPath,
  removeDaemonFiles,
  statePaths,
} from '../runtime/index.js';
import type { StatePaths } from '../runtime/index.js';
import {
  cleanUpAfter,
  killDaemon,
  spawnDaemon,
  STOP_TIMEOUT_MS,
  waitForExit,
} from './daemon-process.js';
import { CliError, EXIT } from './errors.js';
import { openLiteSocket } from './ws-lite.js';
import type { LiteSocket } from './ws-lite.js';

declare const OJ_VERSION: string | undefined;
/** This CLI's version (package.json, injected by the build). */
export const CLI_VERSION = typeof OJ_VERSION === 'string' ? OJ_VERSION : '0.0.0-dev';

// The compiler checks this against the wire's PROTOCOL_VERSION without loading the wire at run time.
const PROTOCOL: typeof PROTOCOL_VERSION = 1;
const HELLO_TIMEOUT_MS = 3_000; // a daemon that accepts but never says hello is stuck
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
// A start fails at once when ojd exits; this only bounds a daemon that is alive but not answering
// yet — replaying a long journal on a busy machine can take tens of seconds.
const DEFAULT_START_TIMEOUT_MS = 30_000;
const EXIT_INTERRUPTED = 130; // 128 + SIGINT, as shells report it
/** Dial errors that mean "no daemon here" (no socket, or a stale one nobody listens on). */
const ABSENT = new Set(['ENOENT', 'ENOTDIR', 'ECONNREFUSED', 'ENOTSOCK']);

export interface ConnectOptions {
  stateDir: string;
  /** This CLI's version; a daemon reporting another is stopped and replaced once. */
  version: string;
  /** Start ojd when none answers (default true: DESIGN.md §4). */
  autoStart?: boolean;
  /** Replace a running daemon of another version or protocol (default true). */
  restartOnMismatch?: boolean;
  startTimeoutMs?: number;
  /** Environment for a daemon this call starts (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface RequestOptions<M extends MethodName> {
  /** Default 30 s; requests with `onEvent` (streams) default to none — Ctrl-C or cancel ends them. */
  timeoutMs?: number;
  /** Each event a streaming method pushes. Ctrl-C during a stream cancels it and exits (130). */
  onEvent?: (data: EventOf<M>) => void;
}

export interface DaemonClient {
  readonly hello: HelloFrame;
  readonly paths: StatePaths;
  readonly socketPath: string;
  /** Whether the daemon was already running, started by this call, or replaced (other version). */
  readonly origin: 'running' | 'started' | 'restarted';
  /** The `hello` of the daemon this call stopped because its version differed. */
  readonly replaced?: HelloFrame;
  request<M extends MethodName>(
    method: M,
    params?: ParamsOf<M>,
    options?: RequestOptions<M>,
  ): Promise<ResultOf<M>>;
  /** Drops the connection at once (nothing waits on a close handshake). */
  close(): void;
}

/**
 * Connects to the daemon of `stateDir`, starting it if needed (unless autoStart is false: then a
 * CliError with code DAEMON_NOT_RUNNING). A daemon of another version is asked to stop and a new one
 * is started, once; if that one differs too, a warning is printed and the connection is used.
 */
export async function connectDaemon(options: ConnectOptions): Promise<DaemonClient> {
  const env = options.env ?? process.env;
  const paths = statePaths(options.stateDir, env);
  const startTimeout = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const dial = () => dialDaemon(paths);
  const start = () => spawnDaemon(paths, env, startTimeout, dial);
  let conn = await dial();
  let origin: DaemonClient['origin'] = 'running';
  let replaced: HelloFrame | undefined;
  if (!conn) {
    if (options.autoStart === false) throw notRunning(paths);
    conn = await start();
    origin = 'started';
  }
  if (
    differs(conn.hello, options.version) &&
    origin === 'running' &&
    options.restartOnMismatch !== false
  ) {
    replaced = conn.hello;
    await stopVia(conn, paths, { timeoutMs: STOP_TIMEOUT_MS });
    conn = await start();
    origin = 'restarted';
  }
  if (differs(conn.hello, options.version) && origin !== 'running') {
    process.stderr.write(
      `oj: warning: ojd reports version ${conn.hello.version} (protocol ${conn.hello.protocol}) but this oj is ${options.version} (protocol ${PROTOCOL}); continuing\n`,
    );
  }
  const c = conn;
  return {
    hello: c.hello,
    paths,
    socketPath: c.socketPath,
    origin,
    ...(replaced ? { replaced } : {}),
    request: (method, params, opts) => c.request(method, params, opts) as never,
    close: () => c.close(),
  };
}

export type StopOutcome =
  { how: 'stopped' | 'killed'; pid: number } | { how: 'not-running'; pid?: undefined };

/**
 * Stops the daemon of `paths`: with `kill`, SIGKILL at once; else a `daemon.stop` request (SIGTERM
 * when it does not answer), escalating to SIGKILL after `timeoutMs`. Leaves no socket or pid file.
 */
export async function stopDaemon(
  paths: StatePaths,
  options: { kill?: boolean; timeoutMs?: number } = {},
): Promise<StopOutcome> {
  const timeoutMs = options.timeoutMs ?? STOP_TIMEOUT_MS;
  if (options.kill) {
    const pid = await killDaemon(paths);
    return pid === undefined ? { how: 'not-running' } : { how: 'killed', pid };
  }
  const conn = await dialDaemon(paths).catch(() => undefined); // stuck: handled by signals below
  if (conn) return stopVia(conn, paths, { timeoutMs });
  const pid = readDaemonPid(paths.pid);
  if (pid === undefined || !isProcessAlive(pid) || !isDaemonProcess(pid)) {
    if (pid !== undefined) removeDaemonFiles(paths); // a dead daemon's leftovers
    return { how: 'not-running' };
  }
  process.kill(pid, 'SIGTERM'); // alive but not answering on its socket
  return awaitStop(paths, pid, timeoutMs);
}

async function stopVia(
  conn: Connection,
  paths: StatePaths,
  options: { timeoutMs: number },
): Promise<StopOutcome> {
  const pid = conn.hello.pid;
  try {
    await conn.request('daemon.stop', {}, { timeoutMs: options.timeoutMs });
  } catch {
    // A daemon that does not take the request (another protocol, stuck): ask by signal instead;
    // the wait below escalates to SIGKILL.
    if (isProcessAlive(pid) && isDaemonProcess(pid)) process.kill(pid, 'SIGTERM');
  } finally {
    conn.close();
  }
  return awaitStop(paths, pid, options.timeoutMs);
}

async function awaitStop(paths: StatePaths, pid: number, timeoutMs: number): Promise<StopOutcome> {
  if (await waitForExit(pid, timeoutMs)) {
    cleanUpAfter(paths, pid);
    return { how: 'stopped', pid };
  }
  process.stderr.write(
    `oj: ojd (pid ${pid}) did not stop within ${timeoutMs / 1000} s; killing it\n`,
  );
  if (isDaemonProcess(pid)) process.kill(pid, 'SIGKILL');
  await waitForExit(pid, timeoutMs);
  cleanUpAfter(paths, pid);
  return { how: 'killed', pid };
}

/** Dials the daemon of `paths`: a connection after `hello`, or undefined when nobody listens. */
function dialDaemon(paths: StatePaths): Promise<Connection | undefined> {
  return Connection.open(readSocketPath(paths));
}

function differs(hello: HelloFrame, version: string): boolean {
  return hello.version !== version || hello.protocol !== PROTOCOL;
}

function notRunning(paths: StatePaths): CliError {
  return new CliError(
    'DAEMON_NOT_RUNNING',
    `ojd is not running for ${paths.root} (start it with: oj daemon start)`,
  );
}

interface Pending {
  method: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
  onEvent?: (data: never) => void;
}

/** One WebSocket connection to ojd; requests are matched to responses by id. */
class Connection {
  readonly #socket: LiteSocket;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed: string | undefined;
  #hello: HelloFrame | undefined;

  private constructor(
    readonly socketPath: string,
    ready: (outcome: { hello: HelloFrame } | { absent: true } | { error: CliError }) => void,
  ) {
    this.#socket = openLiteSocket(socketPath, {
      onOpen: () => {},
      onMessage: (text) => {
        if (this.#hello) return this.#onMessage(text);
        const hello = parseFrame(text);
        if (hello?.type !== 'hello')
          return ready({
            error: new CliError('PROTOCOL', `${socketPath} did not greet like ojd (no hello)`),
          });
        this.#hello = hello;
        ready({ hello });
      },
      onError: (err) => {
        if (this.#hello) return; // onClose follows and reports it
        if (err.code && ABSENT.has(err.code)) return ready({ absent: true });
        ready({
          error: new CliError(
            'DAEMON_UNREACHABLE',
            `cannot reach ojd on ${socketPath}: ${err.message}`,
          ),
        });
      },
      onClose: (code, reason) => {
        this.#closed = `connection closed: ${code}${reason ? ` ${reason}` : ''}`;
        for (const p of [...this.#pending.values()]) p.reject(lost(p.method, this.#closed));
        ready({ absent: true }); // closed before hello: it is stopping (ignored after hello)
      },
    });
  }

  get hello(): HelloFrame {
    return this.#hello as HelloFrame;
  }

  /** Resolves after the daemon's `hello`; undefined when no daemon listens on `socketPath`. */
  static open(socketPath: string): Promise<Connection | undefined> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        conn.close();
        settle({
          error: new CliError(
            'DAEMON_STUCK',
            `ojd accepted a connection on ${socketPath} but did not answer within ${HELLO_TIMEOUT_MS / 1000} s; see "oj daemon logs", or restart it with "oj daemon stop --kill"`,
          ),
        });
      }, HELLO_TIMEOUT_MS);
      const settle = (outcome: { hello: HelloFrame } | { absent: true } | { error: CliError }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if ('hello' in outcome) return resolve(conn);
        conn.close();
        if ('absent' in outcome) resolve(undefined);
        else reject(outcome.error);
      };
      const conn: Connection = new Connection(socketPath, settle);
    });
  }

  request(
    method: string,
    params: unknown,
    options: { timeoutMs?: number; onEvent?: (data: never) => void } = {},
  ): Promise<unknown> {
    if (this.#closed) return Promise.reject(lost(method, this.#closed));
    const id = this.#nextId++;
    const { onEvent } = options;
    const timeoutMs = options.timeoutMs ?? (onEvent ? Infinity : DEFAULT_REQUEST_TIMEOUT_MS);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let offSigint = () => {};
      const settle = () => {
        clearTimeout(timer);
        offSigint();
        this.#pending.delete(id);
      };
      const pending: Pending = {
        method,
        resolve: (value) => (settle(), resolve(value)),
        reject: (err) => (settle(), reject(err)),
        ...(onEvent ? { onEvent } : {}),
      };
      this.#pending.set(id, pending);
      if (Number.isFinite(timeoutMs))
        timer = setTimeout(() => {
          this.#send({ type: 'cancel', id });
          pending.reject(
            new CliError(
              'TIMEOUT',
              `ojd did not answer "${method}" within ${timeoutMs / 1000} s (it may be busy or stuck; see: oj daemon logs)`,
            ),
          );
        }, timeoutMs);
      if (onEvent)
        offSigint = onFirstSigint(() =>
          // Reject once the cancel frame is written, so the daemon stops the stream too.
          this.#send({ type: 'cancel', id }, () =>
            pending.reject(
              new CliError('INTERRUPTED', `interrupted; cancelled "${method}"`, EXIT_INTERRUPTED),
            ),
          ),
        );
      this.#send({ type: 'request', id, method, params });
    });
  }

  close(): void {
    this.#socket.terminate();
  }

  #send(frame: object, sent?: () => void): void {
    this.#socket.send(JSON.stringify(frame), sent);
  }

  #onMessage(text: string): void {
    const frame = parseFrame(text);
    if (!frame) return this.#failAll(new CliError('PROTOCOL', 'ojd sent a frame that is not JSON'));
    if (frame.type === 'response') {
      const p = this.#pending.get(frame.id);
      if (!p) return;
      if (frame.ok) p.resolve(frame.result);
      else p.reject(fromWire(frame.error));
    } else if (frame.type === 'event') {
      const p = this.#pending.get(frame.id);
      try {
        p?.onEvent?.(frame.data as never);
      } catch (err) {
        this.#send({ type: 'cancel', id: frame.id });
        p?.reject(err instanceof Error ? err : new Error(String(err)));
      }
    } else if (frame.type === 'error') {
      this.#failAll(fromWire(frame.error)); // a frame of ours it could not tie to a request
    }
  }

  #failAll(err: Error): void {
    for (const p of [...this.#pending.values()]) p.reject(err);
  }
}

function parseFrame(text: string): ServerFrame | undefined {
  try {
    const frame = JSON.parse(text) as ServerFrame;
    return typeof frame === 'object' && frame !== null && 'type' in frame ? frame : undefined;
  } catch {
    return undefined;
  }
}

/** A daemon error as the CLI reports it: BAD_PARAMS is a usage error (exit 2), the rest exit 1. */
function fromWire(error: WireError): CliError {
  return new CliError(
    error.code,
    error.message,
    error.code === 'BAD_PARAMS' ? EXIT.usage : EXIT.failed,
  );
}

function lost(method: string, why: string): CliError {
  return new CliError(
    'DAEMON_GONE',
    `lost ojd while waiting for "${method}" (${why}); see: oj daemon logs`,
  );
}

/** Runs `handler` on the first Ctrl-C; a second one exits at once. Returns the uninstaller. */
function onFirstSigint(handler: () => void): () => void {
  let seen = false;
  const listener = () => {
    if (seen) process.exit(EXIT_INTERRUPTED);
    seen = true;
    handler();
  };
  process.on('SIGINT', listener);
  return () => process.off('SIGINT', listener);
}
