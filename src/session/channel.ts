// One client connection to a session host, independent of the transport: parses its frames, runs
// them against the host and replies by id, and forwards the events and output it asked for — with a
// redraw instead of unbounded buffering when the client falls behind (agents.md §5.20).
import { messageOf, SessionError } from './errors.js';
import { parseClientFrame } from './protocol.js';
import type {
  AttachResult,
  ClientFrame,
  HostFrame,
  InputFrame,
  KillResult,
  NudgeResult,
  RespondFrame,
  RespondResult,
  ScreenPushFrame,
  ScreenResult,
  SessionEvent,
  SubscribeResult,
  Topic,
  InputResult,
} from './protocol.js';

/** Where a channel's frames go: a WebSocket in the sidecar, an array in tests. */
export interface ChannelSink {
  send(frame: HostFrame): void;
  /** Bytes queued but not yet sent. */
  bufferedAmount(): number;
}

/** What a channel asks of its host; a failure is a thrown SessionError whose code is replied. */
export interface ChannelHost {
  subscribe(channel: HostChannel, topics: Topic[], sinceSeq: number | undefined): SubscribeResult;
  screen(format: 'text' | 'ansi'): ScreenResult;
  input(frame: InputFrame): Promise<InputResult>;
  nudge(message: string): Promise<NudgeResult>;
  respond(req: Omit<RespondFrame, 'type' | 'id'>): Promise<RespondResult>;
  attach(channel: HostChannel, cols: number, rows: number, sinceOffset?: number): AttachResult;
  detach(channel: HostChannel): void;
  kill(opts: { graceMs?: number; drain?: boolean }): KillResult;
  remove(channel: HostChannel): void;
}

const BEHIND_BYTES = 1 << 20; // stop sending output to a client with this much queued
const CAUGHT_UP_BYTES = 64 << 10; // …and repaint it once its queue drains below this

export class HostChannel {
  readonly #host: ChannelHost;
  readonly #sink: ChannelSink;
  #topics = new Set<Topic>();
  #attached = false;
  #behind = false;
  #closed = false;

  constructor(host: ChannelHost, sink: ChannelSink) {
    this.#host = host;
    this.#sink = sink;
  }

  /** Whether output frames go to this client (attached, or subscribed to `output`). */
  get wantsOutput(): boolean {
    return this.#attached || this.#topics.has('output');
  }

  /** Handles one text frame from the client. */
  receive(text: string): void {
    if (this.#closed) return;
    const parsed = parseClientFrame(text);
    if (!parsed.ok) {
      this.#sink.send({
        type: 'reply',
        id: parsed.id,
        ok: false,
        error: { code: 'BAD_REQUEST', message: `bad frame: ${parsed.message}` },
      });
      return;
    }
    const frame = parsed.frame;
    const fail = (err: unknown): void => {
      const code = err instanceof SessionError ? err.code : 'BAD_REQUEST';
      this.send({
        type: 'reply',
        id: frame.id,
        ok: false,
        error: { code, message: messageOf(err) },
      });
    };
    const succeed = (result: unknown): void =>
      this.send({ type: 'reply', id: frame.id, ok: true, result });
    let result: unknown;
    try {
      result = this.#run(frame);
    } catch (err) {
      fail(err);
      return;
    }
    // Synchronous results are replied at once: a subscribe's reply must precede any later event.
    if (result instanceof Promise) result.then(succeed, fail);
    else succeed(result);
  }

  /** Sends a journaled event when the client subscribed to its topic. */
  event(event: SessionEvent): void {
    const topic: Topic = event.type === 'hook' ? 'hooks' : 'state';
    if (this.#topics.has(topic) || (event.type === 'exit' && this.#topics.size > 0))
      this.send(event);
  }

  screenChanged(frame: ScreenPushFrame): void {
    if (this.#topics.has('screen')) this.send(frame);
  }

  /** Forwards output, or a redraw once a client that fell behind has drained its queue. */
  output(offset: number, data: string, redraw: () => { offset: number; data: string }): void {
    if (!this.wantsOutput || this.#closed) return;
    const queued = this.#sink.bufferedAmount();
    if (this.#behind) {
      if (queued > CAUGHT_UP_BYTES) return;
      this.#behind = false;
      this.send({ type: 'output', ...redraw(), redraw: true });
      return;
    }
    if (queued > BEHIND_BYTES) {
      this.#behind = true;
      return;
    }
    this.send({ type: 'output', offset, data });
  }

  /** Sends a frame unless the connection is closed. */
  send(frame: HostFrame): void {
    if (!this.#closed) this.#sink.send(frame);
  }

  /** The transport closed: drop subscriptions; the host keeps running. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#topics.clear();
    this.#attached = false;
    this.#host.remove(this);
  }

  #run(frame: ClientFrame): unknown {
    const host = this.#host;
    switch (frame.type) {
      case 'subscribe':
        for (const t of frame.topics) this.#topics.add(t);
        return host.subscribe(this, frame.topics, frame.sinceSeq);
      case 'screen':
        return host.screen(frame.format);
      case 'input':
        return host.input(frame);
      case 'nudge':
        return host.nudge(frame.message);
      case 'respond': {
        const { type: _t, id: _id, ...req } = frame;
        return host.respond(req);
      }
      case 'attach':
        this.#attached = true;
        this.#behind = false;
        return host.attach(this, frame.cols, frame.rows, frame.sinceOffset);
      case 'detach':
        this.#attached = false;
        host.detach(this);
        return {};
      case 'kill':
        return host.kill({
          ...(frame.graceMs !== undefined ? { graceMs: frame.graceMs } : {}),
          ...(frame.drain !== undefined ? { drain: frame.drain } : {}),
        });
    }
  }
}
