// The wire protocol's front door: frames and the method registry shared by the daemon and the CLI.
// The daemon imports values (it validates with zod); the CLI must use `import type` only, so that
// zod never loads on its start-up path.
export {
  PROTOCOL_VERSION,
  PROTOCOL_ERROR_CODES,
  ClientFrameSchema,
  HelloFrameSchema,
  ServerFrameSchema,
} from './frames.js';
export type {
  CancelFrame,
  ClientFrame,
  ErrorFrame,
  EventFrame,
  HelloFrame,
  ProtocolErrorCode,
  RequestFrame,
  ResponseFrame,
  ServerFrame,
  WireError,
} from './frames.js';
export { METHODS, defineMethod } from './methods.js';
// Zod-free: the CLI imports them from items.ts itself, which keeps zod off its start-up path.
export { MAX_ITEMS_PER_REQUEST, parseQueueItems } from './items.js';
export type { QueueItemInput } from './items.js';
export type {
  DaemonStatus,
  EventOf,
  MethodDef,
  MethodName,
  Methods,
  ParamsOf,
  ParsedParamsOf,
  ResultOf,
} from './methods.js';
