// One client connection of the IPC server: sends `hello`, reads request/cancel frames, validates
// params against the method registry, runs handlers with an AbortSignal and answers every frame.
import type { RawData, WebSocket } from 'ws';
import { suggest } from '../../runbook/index.js';
import { ClientFrameSchema, METHODS } from '../../wire/index.js';
import type {
  HelloFrame,
  MethodName,
  RequestFrame,
  ServerFrame,
  WireError,
} from '../../wire/index.js';
import type { Log } from '../log.js';
import { formatIssues, IpcError, toWireError } from './errors.js';
import type { HandlerContext, Handlers } from './handlers.js';

/** A client that stops reading while we stream to it is dropped rather than buffered without end. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export interface ConnectionDeps {
  handlers: Handlers;
  hello: HelloFrame;
  log: Log;
  /** False once the daemon is stopping: new requests get SHUTTING_DOWN. */
  isAccepting(): boolean;
}

/** Serves one WebSocket until it closes; every in-flight handler is aborted when it does. */
export function serveConnection(ws: WebSocket, label: string, deps: ConnectionDeps): void {
  const { log } = deps;
  const inFlight = new Map<number, AbortController>();
  const methodNames = Object.keys(deps.handlers).sort();

  const send = (frame: ServerFrame): void => {
    if (ws.readyState !== ws.OPEN) return;
    let text: string;
    try {
      text = JSON.stringify(frame);
    } catch (err) {
      if (frame.type !== 'response') return;
      const message = `the result of request ${frame.id} could not be serialised: ${(err as Error).message}`;
      log('error', `${label}: ${message}`);
      text = JSON.stringify({ ...frame, ok: false, error: { code: 'INTERNAL', message } });
    }
    ws.send(text);
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      log('warn', `${label}: client is not reading (${ws.bufferedAmount} bytes queued); closing`);
      ws.close(1013, 'client too slow');
    }
  };
  const fail = (id: number, error: WireError): void =>
    send({ type: 'response', id, ok: false, error });
  const badFrame = (message: string): void => {
    log('warn', `${label}: bad frame: ${message}`);
    send({ type: 'error', error: { code: 'BAD_FRAME', message } });
  };

  const dispatch = async (frame: RequestFrame): Promise<void> => {
    const { id, method } = frame;
    if (!deps.isAccepting())
      return fail(id, {
        code: 'SHUTTING_DOWN',
        message: 'ojd is stopping; try again when it is back',
      });
    const handler = deps.handlers[method as MethodName] as
      ((params: unknown, ctx: HandlerContext) => Promise<unknown>) | undefined;
    if (!handler) {
      const close = suggest(method, methodNames);
      const hint = close ? `; did you mean "${close}"?` : ` (methods: ${methodNames.join(', ')})`;
      return fail(id, { code: 'UNKNOWN_METHOD', message: `unknown method "${method}"${hint}` });
    }
    const schema = METHODS[method as MethodName].params;
    const parsed = schema.safeParse(frame.params ?? {});
    if (!parsed.success) {
      const words = formatIssues(parsed.error.issues);
      return fail(id, { code: 'BAD_PARAMS', message: `bad params for "${method}": ${words}` });
    }
    const controller = new AbortController();
    inFlight.set(id, controller);
    const ctx: HandlerContext = {
      signal: controller.signal,
      push: (data) => {
        if (inFlight.get(id) === controller) send({ type: 'event', id, data });
      },
    };
    try {
      const result = await handler(parsed.data, ctx);
      send({ type: 'response', id, ok: true, result });
    } catch (err) {
      const error = toWireError(err, method, controller.signal);
      if (error.code === 'INTERNAL')
        log('error', `${label}: ${error.message}\n${(err as Error)?.stack ?? String(err)}`);
      fail(id, error);
    } finally {
      if (inFlight.get(id) === controller) inFlight.delete(id);
    }
  };

  const onMessage = (data: RawData, isBinary: boolean): void => {
    if (isBinary) return badFrame('binary frames are not accepted; send JSON text frames');
    let json: unknown;
    try {
      json = JSON.parse(rawToString(data));
    } catch (err) {
      return badFrame(`frame is not JSON (${(err as Error).message})`);
    }
    const parsed = ClientFrameSchema.safeParse(json);
    if (!parsed.success) {
      const words = formatIssues(parsed.error.issues).replaceAll('params:', 'frame:');
      const id = usableId(json);
      if (id !== undefined && !inFlight.has(id))
        return fail(id, { code: 'BAD_FRAME', message: `bad request frame: ${words}` });
      return badFrame(`not a request or cancel frame: ${words}`);
    }
    const frame = parsed.data;
    if (frame.type === 'cancel') {
      inFlight.get(frame.id)?.abort(new IpcError('CANCELLED', 'cancelled by the client'));
      return; // the handler's own response (CANCELLED, or its result) ends the request
    }
    if (inFlight.has(frame.id)) {
      log('warn', `${label}: duplicate request id ${frame.id}`);
      return send({
        type: 'error',
        error: { code: 'DUPLICATE_ID', message: `request id ${frame.id} is already in flight` },
      });
    }
    void dispatch(frame);
  };

  ws.on('message', onMessage);
  ws.on('error', (err: Error & { code?: string }) => {
    // ws closes the connection itself (1009 for an oversized frame, 1002 for protocol errors).
    log('warn', `${label}: ${err.message}${err.code ? ` (${err.code})` : ''}; connection closed`);
  });
  ws.on('close', () => {
    for (const controller of inFlight.values())
      controller.abort(new IpcError('CANCELLED', 'the client disconnected'));
    inFlight.clear();
  });
  send(deps.hello);
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** The id of a malformed *request*, so its error can answer that request. */
function usableId(json: unknown): number | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { type, id } = json as { type?: unknown; id?: unknown };
  if (type !== 'request') return undefined;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}
