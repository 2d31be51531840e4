// The frames of the CLI ↔ daemon protocol (WebSocket text frames over the daemon's Unix socket),
// defined once as zod schemas: the daemon validates with them, the CLI takes only their types.
import { z } from 'zod';

/** Bumped on any incompatible change to the frames below; sent in `hello`. */
export const PROTOCOL_VERSION = 1 as const;

/** A request id chosen by the client, unique among its in-flight requests. */
const RequestId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** An error as it crosses the wire (DESIGN.md / STYLE.md: errors cross as `{ code, message }`). */
export const WireErrorSchema = z.object({ code: z.string(), message: z.string() });

/** The codes the protocol itself produces; handlers add their own `OjError` codes. */
export const PROTOCOL_ERROR_CODES = [
  'BAD_FRAME', // not JSON, not a known frame, or a binary frame
  'DUPLICATE_ID', // a request reused the id of one still in flight
  'UNKNOWN_METHOD',
  'BAD_PARAMS',
  'CANCELLED', // the client cancelled the request, or disconnected
  'SHUTTING_DOWN', // the daemon is stopping and accepts no new requests
  'INTERNAL', // a handler failed unexpectedly (the daemon logs the stack)
] as const;

// ---- server → client ----

/** Sent once, first, on every connection; the client checks `protocol` and `version`. */
export const HelloFrameSchema = z.object({
  type: z.literal('hello'),
  protocol: z.number().int(),
  version: z.string(),
  pid: z.number().int(),
  startedAt: z.number(), // epoch ms
});

export const ResponseFrameSchema = z.discriminatedUnion('ok', [
  z.object({
    type: z.literal('response'),
    id: RequestId,
    ok: z.literal(true),
    result: z.unknown(),
  }),
  z.object({
    type: z.literal('response'),
    id: RequestId,
    ok: z.literal(false),
    error: WireErrorSchema,
  }),
]);

/** One item of a streaming request (`logs -f`, `events -f`, `pipeline wait`); a response ends it. */
export const EventFrameSchema = z.object({
  type: z.literal('event'),
  id: RequestId,
  data: z.unknown(),
});

/** A problem with a frame that has no usable request id (not JSON, no id, duplicate id). */
export const ErrorFrameSchema = z.object({ type: z.literal('error'), error: WireErrorSchema });

export const ServerFrameSchema = z.union([
  HelloFrameSchema,
  ResponseFrameSchema,
  EventFrameSchema,
  ErrorFrameSchema,
]);

// ---- client → server ----

export const RequestFrameSchema = z.object({
  type: z.literal('request'),
  id: RequestId,
  method: z.string().min(1),
  params: z.unknown().optional(),
});

/** Stops a streaming (or any in-flight) request; the server aborts the handler's signal. */
export const CancelFrameSchema = z.object({ type: z.literal('cancel'), id: RequestId });

export const ClientFrameSchema = z.discriminatedUnion('type', [
  RequestFrameSchema,
  CancelFrameSchema,
]);

export type WireError = z.infer<typeof WireErrorSchema>;
export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];
export type HelloFrame = z.infer<typeof HelloFrameSchema>;
export type ResponseFrame = z.infer<typeof ResponseFrameSchema>;
export type EventFrame = z.infer<typeof EventFrameSchema>;
export type ErrorFrame = z.infer<typeof ErrorFrameSchema>;
export type ServerFrame = z.infer<typeof ServerFrameSchema>;
export type RequestFrame = z.infer<typeof RequestFrameSchema>;
export type CancelFrame = z.infer<typeof CancelFrameSchema>;
export type ClientFrame = z.infer<typeof ClientFrameSchema>;
