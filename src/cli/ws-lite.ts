// A minimal WebSocket client (RFC 6455: text frames, no extensions) over a Unix socket, for the
// CLI's connection to ojd. Written by hand because the ws package loads http, https, tls and zlib
// (~15 ms, a quarter of Node's own start-up) on every `oj` call that talks to the daemon; the
// daemon's server side still uses ws, which does the hard part (validation, limits).
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { sha1 } from './sha1.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'; // RFC 6455 §1.3
const MAX_HEADER_BYTES = 16 * 1024;
const OP = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export interface LiteSocketEvents {
  /** The upgrade completed. */
  onOpen(): void;
  onMessage(text: string): void;
  /** Always called exactly once, last (1006 when the connection dropped without a close frame). */
  onClose(code: number, reason: string): void;
  /** A connect/handshake/protocol error; `onClose` follows. `err.code` is set for socket errors. */
  onError(err: Error & { code?: string }): void;
}

/** One client connection; create it with `openLiteSocket`. */
export class LiteSocket {
  readonly #socket: Socket;
  readonly #events: LiteSocketEvents;
  readonly #maxPayload: number;
  readonly #key = weakRandomBytes(16).toString('base64');
  #state: 'connecting' | 'open' | 'closed' = 'connecting';
  #chunks: Buffer[] = [];
  #buffered = 0;
  #fragments: Buffer[] = [];

  constructor(socketPath: string, events: LiteSocketEvents, maxPayload: number) {
    this.#events = events;
    this.#maxPayload = maxPayload;
    this.#socket = connect(socketPath);
    this.#socket.on('connect', () => {
      this.#socket.write(
        `GET / HTTP/1.1\r\nHost: ojd\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${this.#key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on('error', (err) => this.#events.onError(err));
    this.#socket.on('close', () => this.#closed(1006, 'connection dropped'));
  }

  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /** Sends one text frame; `sent` runs once it is written (or at once if the socket is gone). */
  send(text: string, sent?: () => void): void {
    if (this.#state !== 'open') return void sent?.();
    this.#socket.write(frame(OP.text, Buffer.from(text, 'utf8')), () => sent?.());
  }

  /** Drops the connection now, without a closing handshake. */
  terminate(): void {
    this.#socket.destroy();
    this.#closed(1006, 'terminated');
  }

  /** Reports the close once; `goodbye` (a close frame) is flushed before the socket ends. */
  #closed(code: number, reason: string, goodbye?: Buffer): void {
    if (this.#state === 'closed') return;
    const wasOpen = this.#state === 'open';
    this.#state = 'closed';
    if (goodbye && wasOpen) this.#socket.end(goodbye);
    else this.#socket.destroy();
    this.#events.onClose(code, reason);
  }

  #fail(code: number, message: string): false {
    this.#events.onError(new Error(message));
    this.#closed(code, message, frame(OP.close, closePayload(code)));
    return false;
  }

  #onData(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    if (this.#state === 'connecting' && !this.#upgrade()) return;
    while (this.#state === 'open' && this.#nextFrame());
  }

  /** Reads the HTTP 101 answer; true once the connection is open. */
  #upgrade(): boolean {
    const head = this.#peek(this.#buffered);
    const end = head.indexOf('\r\n\r\n');
    if (end === -1)
      return this.#buffered > MAX_HEADER_BYTES && this.#fail(1002, 'oversized handshake answer');
    const lines = head.subarray(0, end).toString('latin1').split('\r\n');
    const accept = lines
      .find((l) => /^sec-websocket-accept:/i.test(l))
      ?.split(':')[1]
      ?.trim();
    const expected = sha1(Buffer.from(this.#key + GUID, 'latin1')).toString('base64');
    if (!/^HTTP\/1\.1 101 /.test(lines[0] ?? '') || accept !== expected)
      return this.#fail(1002, `not a WebSocket server (answered "${lines[0] ?? ''}")`);
    this.#take(end + 4);
    this.#state = 'open';
    this.#events.onOpen();
    return true;
  }

  /** Parses and handles one frame if it is all here; false when more bytes are needed. */
  #nextFrame(): boolean {
    if (this.#buffered < 2) return false;
    const head = this.#peek(Math.min(this.#buffered, 10));
    const [b0 = 0, b1 = 0] = head;
    let length = b1 & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (head.length < 4) return false;
      length = head.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (head.length < 10) return false;
      const big = head.readBigUInt64BE(2);
      length = big > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(big);
      offset = 10;
    }
    if (b1 & 0x80) return this.#fail(1002, 'the server masked a frame');
    if (length > this.#maxPayload) return this.#fail(1009, 'frame too large');
    if (this.#buffered < offset + length) return false;
    const payload = this.#take(offset + length).subarray(offset);
    this.#handle(b0 & 0x80 ? true : false, b0 & 0x0f, payload);
    return true;
  }

  #handle(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode === OP.close) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      const reason = payload.subarray(2).toString('utf8');
      return this.#closed(code, reason, frame(OP.close, payload.subarray(0, 2)));
    }
    if (opcode === OP.ping) return void this.#socket.write(frame(OP.pong, payload));
    if (opcode === OP.pong) return;
    this.#fragments.push(payload);
    if (!fin) return;
    const message = Buffer.concat(this.#fragments).toString('utf8');
    this.#fragments = [];
    this.#events.onMessage(message);
  }

  /** The first `n` buffered bytes, without consuming them (chunks are joined only when needed). */
  #peek(n: number): Buffer {
    if ((this.#chunks[0]?.length ?? 0) < n) this.#chunks = [Buffer.concat(this.#chunks)];
    return (this.#chunks[0] ?? Buffer.alloc(0)).subarray(0, n);
  }

  #take(n: number): Buffer {
    const bytes = this.#peek(n);
    const first = this.#chunks[0] as Buffer;
    if (first.length === n) this.#chunks.shift();
    else this.#chunks[0] = first.subarray(n);
    this.#buffered -= n;
    return bytes;
  }
}

/** Connects to a WebSocket server listening on the Unix socket `socketPath`. */
export function openLiteSocket(
  socketPath: string,
  events: LiteSocketEvents,
  maxPayload = 256 * 1024 * 1024,
): LiteSocket {
  return new LiteSocket(socketPath, events, maxPayload);
}

/** A client frame: always masked (RFC 6455 §5.3), always final. */
function frame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const extra = n < 126 ? 0 : n < 0x10000 ? 2 : 8;
  const out = Buffer.allocUnsafe(2 + extra + 4 + n);
  out[0] = 0x80 | opcode;
  out[1] = 0x80 | (extra === 0 ? n : extra === 2 ? 126 : 127);
  if (extra === 2) out.writeUInt16BE(n, 2);
  else if (extra === 8) out.writeBigUInt64BE(BigInt(n), 2);
  const mask = weakRandomBytes(4);
  mask.copy(out, 2 + extra);
  const start = 2 + extra + 4;
  for (let i = 0; i < n; i++) out[start + i] = (payload[i] as number) ^ (mask[i & 3] as number);
  return out;
}

function closePayload(code: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(code, 0);
  return out;
}

/**
 * Random bytes without node:crypto (it costs the CLI ~3 ms to load). The nonce and the masks of
 * RFC 6455 guard against intermediaries — proxies a browser's frames pass through — and a Unix
 * socket to our own daemon has none; they need to vary, not to be unpredictable.
 */
function weakRandomBytes(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(Math.random() * 256);
  return out;
}
