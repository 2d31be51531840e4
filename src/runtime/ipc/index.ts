// The IPC server's front door: the WebSocket-over-Unix-socket server and the handler types.
export { startIpcServer, DEFAULT_MAX_FRAME_BYTES } from './server.js';
export type { IpcServer, IpcServerOptions } from './server.js';
export type { Handler, HandlerContext, Handlers } from './handlers.js';
export { IpcError } from './errors.js';
export type { IpcErrorCode } from './errors.js';
