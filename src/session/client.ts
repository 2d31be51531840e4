// The daemon's connection to one session host: WebSocket over the host's Unix socket, `hello` first,
// requests answered by `reply` frames of the same id (each with a timeout), and the event stream
// deduplicated by seq. A close means "probe the host now", not "the agent is gone" (agents.md §5.8).
import { WebSocket } from 'ws';
import { messageOf, SessionError } from './errors.js';
import type { SessionErrorCode } from './errors.js';
import { parseHostFrame, SESSION_PROTOCOL_VERSION } from './protocol.js';
import type {
  AttachResult,
  HelloFrame,
  HostFrame,
  InputResult,
  KillResult,
  NudgeResult,
  OutputFrame,
  RespondResult,
  ScreenPushFrame,
  ScreenResult,
  SessionEvent,
  SubscribeResult,
  Topic,
} from './protocol.js';

const DEFAULT_CONNECT_TIMEOUT_MS = 3_000; // a host that accepts but never says hello is stuck
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
// A nudge waits for its pause, its Enter and up to the nudge timeout (4 s), maybe twice.
const DEFAULT_NUDGE_TIMEOUT_MS = 30_000;
const DEFAULT_TOPICS: Topic[] = ['state', 'output', 'hooks'];

export interface ConnectSessionOptions {
  /** Aborting closes the connection (or fails the connect). */
  signal?: AbortSignal;
  /** How long to wait for the connection and `hello` (default 3 s). */
  timeoutMs?: number;
  /** Default per-request timeout (default 10 s; nudge 30 s). */
  requestTimeoutMs?: number;
}

/** Raw input: text, bytes (a string is taken as base64, as on the wire) or named keys. */
export type SessionInput = { text: string } | { data: Uint8Array | string } | { keys: string[] };

export interface RespondOptions {
  accept?: boolean;
  option?: number;
  text?: string;
  answers?: { option?: number; text?: string }[];
}

export interface SubscribeOptions {
  /** Default: state, output (the heartbeat) and hooks. */
  topics?: Topic[];
  timeoutMs?: number;
}

export interface SessionClient {
  readonly hello: HelloFrame;
  readonly socketPath: string;
  /** The newest seq delivered to a subscriber (events at or below it are dropped as duplicates). */
  readonly lastSeq: number;
  /**
   * Replays events after `sinceSeq` (when given), then registers `onFrame` and returns the
   * snapshot; later events follow through `onFrame`, each seq once.
   */
  subscribe(
    sinceSeq: number | undefined,
    onFrame: (frame: SubscribedFrame) => void,
    opts?: SubscribeOptions,
  ): Promise<SubscribeResult>;
  screen(format?: 'text' | 'ansi'): Promise<ScreenResult>;
  input(input: SessionInput): Promise<InputResult>;
  nudge(message: string, opts?: { timeoutMs?: number }): Promise<NudgeResult>;
  respond(req: RespondOptions): Promise<RespondResult>;
  kill(opts?: { graceMs?: number; drain?: boolean }): Promise<KillResult>;
  /** Resizes the PTY to the client's terminal, sends a redraw, then every output chunk. */
  attach(
    cols: number,
    rows: number,
    onOutput: (data: string, frame: OutputFrame) => void,
    opts?: { sinceOffset?: number },
  ): Promise<AttachResult>;
  detach(): Promise<void>;
  /** Called once when the connection closes, for whatever reason. */
  onClose(listener: (info: { code: number; reason: string }) => void): () => void;
  close(): void;
}

/** What a subscriber receives: journaled events, and output / screen frames when subscribed. */
export type SubscribedFrame = SessionEvent | OutputFrame | ScreenPushFrame;

interface Pending {
  resolve(result: unknown): void;
  reject(err: SessionError): void;
  timer: NodeJS.Timeout;
}

/** Connects to the session host listening on `socketPath` and waits for its `hello`. */
export function connectSession(
  socketPath: string,
  opts: ConnectSessionOptions = {},
): Promise<SessionClient> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted)
      return reject(new SessionError('ABORTED', `connecting to "${socketPath}" was aborted`));
    const ws = new WebSocket(`ws+unix://${socketPath}:/`, { handshakeTimeout: timeoutMs });
    let settled = false;
    const fail = (err: SessionError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      ws.terminate();
      reject(err);
    };
    const timer = setTimeout(
      () =>
        fail(
          new SessionError(
            'TIMEOUT',
            `no hello from the session host at "${socketPath}" within ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    const onAbort = (): void =>
      fail(new SessionError('ABORTED', `connecting to "${socketPath}" was aborted`));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    ws.once('error', (err) =>
      fail(
        new SessionError(
          'CLOSED',
          `could not connect to the session host at "${socketPath}": ${messageOf(err)}`,
          { cause: err },
        ),
      ),
    );
    ws.once('close', () =>
      fail(new SessionError('CLOSED', `the session host at "${socketPath}" closed before hello`)),
    );
    ws.once('message', (data) => {
      if (settled) return;
      const parsed = parseHostFrame(data.toString());
      if (!parsed.ok || parsed.frame.type !== 'hello')
        return fail(
          new SessionError(
            'PROTOCOL',
            `the session host at "${socketPath}" did not start with hello`,
          ),
        );
      if (parsed.frame.protocol !== SESSION_PROTOCOL_VERSION)
        return fail(
          new SessionError(
            'PROTOCOL',
            `the session host at "${socketPath}" speaks protocol ${parsed.frame.protocol}, this oj speaks ${SESSION_PROTOCOL_VERSION}; restart the agent`,
          ),
        );
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      ws.removeAllListeners();
      resolve(new Connection(ws, socketPath, parsed.frame, opts));
    });
  });
}

class Connection implements SessionClient {
  readonly hello: HelloFrame;
  readonly socketPath: string;
  readonly #ws: WebSocket;
  readonly #requestTimeoutMs: number;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #lastSeq = 0;
  #onEvent: ((frame: SubscribedFrame) => void) | undefined;
  #eventTopics = new Set<Topic>();
  #onOutput: ((data: string, frame: OutputFrame) => void) | undefined;
  #closeListeners = new Set<(info: { code: number; reason: string }) => void>();
  #closed: { code: number; reason: string } | undefined;

  constructor(ws: WebSocket, socketPath: string, hello: HelloFrame, opts: ConnectSessionOptions) {
    this.#ws = ws;
    this.socketPath = socketPath;
    this.hello = hello;
    this.#requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.#receive(data.toString());
    });
    ws.on('close', (code, reason) => this.#onClosed(code, reason.toString()));
    ws.on('error', () => undefined); // a close follows
    opts.signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  async subscribe(
    sinceSeq: number | undefined,
    onFrame: (frame: SubscribedFrame) => void,
    opts: SubscribeOptions = {},
  ): Promise<SubscribeResult> {
    const topics = opts.topics ?? DEFAULT_TOPICS;
    // Registered before the request: replayed events arrive ahead of the reply.
    this.#onEvent = onFrame;
    for (const t of topics) this.#eventTopics.add(t);
    if (sinceSeq !== undefined) this.#lastSeq = Math.max(this.#lastSeq, sinceSeq);
    const result = (await this.#request(
      {
        type: 'subscribe',
        topics,
        ...(sinceSeq !== undefined ? { sinceSeq } : {}),
      },
      opts.timeoutMs,
    )) as SubscribeResult;
    this.#lastSeq = Math.max(this.#lastSeq, result.snapshot.seq);
    return result;
  }

  screen(format: 'text' | 'ansi' = 'text'): Promise<ScreenResult> {
    return this.#request({ type: 'screen', format }) as Promise<ScreenResult>;
  }

  input(input: SessionInput): Promise<InputResult> {
    const frame =
      'data' in input
        ? {
            type: 'input',
            data:
              typeof input.data === 'string'
                ? input.data
                : Buffer.from(input.data).toString('base64'),
          }
        : { type: 'input', ...input };
    return this.#request(frame) as Promise<InputResult>;
  }

  nudge(message: string, opts: { timeoutMs?: number } = {}): Promise<NudgeResult> {
    return this.#request(
      { type: 'nudge', message },
      opts.timeoutMs ?? DEFAULT_NUDGE_TIMEOUT_MS,
    ) as Promise<NudgeResult>;
  }

  respond(req: RespondOptions): Promise<RespondResult> {
    return this.#request({ type: 'respond', ...req }) as Promise<RespondResult>;
  }

  kill(opts: { graceMs?: number; drain?: boolean } = {}): Promise<KillResult> {
    return this.#request({ type: 'kill', ...opts }) as Promise<KillResult>;
  }

  attach(
    cols: number,
    rows: number,
    onOutput: (data: string, frame: OutputFrame) => void,
    opts: { sinceOffset?: number } = {},
  ): Promise<AttachResult> {
    this.#onOutput = onOutput;
    return this.#request({ type: 'attach', cols, rows, ...opts }) as Promise<AttachResult>;
  }

  async detach(): Promise<void> {
    await this.#request({ type: 'detach' });
    this.#onOutput = undefined;
  }

  onClose(listener: (info: { code: number; reason: string }) => void): () => void {
    if (this.#closed) {
      const info = this.#closed;
      queueMicrotask(() => listener(info));
      return () => undefined;
    }
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  close(): void {
    if (this.#ws.readyState === WebSocket.OPEN || this.#ws.readyState === WebSocket.CONNECTING)
      this.#ws.close(1000);
    // Pending requests fail now rather than after the close handshake.
    this.#failAll('CLOSED', 'the connection was closed by this client');
  }

  #request(frame: Record<string, unknown>, timeoutMs = this.#requestTimeoutMs): Promise<unknown> {
    if (this.#closed || this.#ws.readyState !== WebSocket.OPEN)
      return Promise.reject(
        new SessionError('CLOSED', `the connection to "${this.socketPath}" is closed`),
      );
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new SessionError(
            'TIMEOUT',
            `no reply to ${String(frame.type)} from "${this.socketPath}" within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#ws.send(JSON.stringify({ ...frame, id }));
    });
  }

  #receive(text: string): void {
    const parsed = parseHostFrame(text);
    if (!parsed.ok) return; // a newer host's extra frame: ignore rather than fail the session
    this.#dispatch(parsed.frame);
  }

  #dispatch(frame: HostFrame): void {
    switch (frame.type) {
      case 'reply': {
        if (frame.id === null) return;
        const p = this.#pending.get(frame.id);
        if (!p) return;
        this.#pending.delete(frame.id);
        clearTimeout(p.timer);
        if (frame.ok) p.resolve(frame.result);
        else p.reject(new SessionError(frame.error.code as SessionErrorCode, frame.error.message));
        return;
      }
      case 'output':
        this.#onOutput?.(frame.data, frame);
        if (this.#eventTopics.has('output')) this.#onEvent?.(frame);
        return;
      case 'screen':
        this.#onEvent?.(frame);
        return;
      case 'hello':
        return;
      default:
        if (frame.seq <= this.#lastSeq) return; // already seen (replay overlap)
        this.#lastSeq = frame.seq;
        this.#onEvent?.(frame);
    }
  }

  #onClosed(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = { code, reason };
    this.#failAll(
      'CLOSED',
      `the session host at "${this.socketPath}" closed the connection (${code}${reason ? `: ${reason}` : ''})`,
    );
    for (const l of this.#closeListeners) l(this.#closed);
    this.#closeListeners.clear();
  }

  #failAll(code: SessionErrorCode, message: string): void {
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new SessionError(code, message));
      this.#pending.delete(id);
    }
  }
}
