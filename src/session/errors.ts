// Errors of the session host and its client: a reply error code from the host (agents.md §2) or a
// transport/spawn problem seen by the caller.
import { OjError } from '../errors/index.js';
import type { ReplyErrorCode } from './protocol.js';

/** Codes a SessionError carries: the host's reply codes plus the caller's own. */
export type SessionErrorCode =
  | ReplyErrorCode
  | 'TIMEOUT' // no reply (or no hello) within the deadline
  | 'CLOSED' // the connection closed with the request in flight
  | 'ABORTED' // the caller's AbortSignal fired
  | 'PROTOCOL' // the host spoke another protocol version or sent a frame that does not parse
  | 'SPAWN_FAILED' // the host could not start (or could not start its agent)
  | 'NOT_FOUND' // the agent's program is not on PATH
  | 'BAD_SPEC'; // the spawn spec is invalid

export class SessionError extends OjError {
  declare readonly code: SessionErrorCode;

  constructor(code: SessionErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The message of any thrown value. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
