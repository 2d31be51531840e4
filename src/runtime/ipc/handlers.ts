// The shape of a method handler: what the daemon's services (and the engine) provide per method.
import type { EventOf, MethodName, ParsedParamsOf, ResultOf } from '../../wire/index.js';

export interface HandlerContext<M extends MethodName = MethodName> {
  /** Aborted when the client cancels the request, disconnects, or the daemon stops. */
  signal: AbortSignal;
  /** Sends one stream item to the client (ignored once the request is over). */
  push(data: EventOf<M>): void;
}

/** Handles one method: receives params already checked against the registry's schema. */
export type Handler<M extends MethodName> = (
  params: ParsedParamsOf<M>,
  ctx: HandlerContext<M>,
) => Promise<ResultOf<M>>;

/** The handlers a daemon serves; a registered method without a handler is UNKNOWN_METHOD. */
export type Handlers = { [M in MethodName]?: Handler<M> };
