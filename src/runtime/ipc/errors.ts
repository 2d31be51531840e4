// Errors of the IPC server, and how any error a handler throws becomes `{ code, message }`.
import type { z } from 'zod';
import { OjError } from '../../errors/index.js';
import type { WireError } from '../../wire/index.js';

export type IpcErrorCode =
  'SOCKET_PATH_TOO_LONG' | 'SOCKET_IN_USE' | 'SOCKET_INSECURE' | 'NO_SCHEMA' | 'CANCELLED';

export class IpcError extends OjError {
  declare readonly code: IpcErrorCode;

  constructor(code: IpcErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * The wire form of what a handler threw: an `OjError` keeps its code and message; an abort after
 * cancel/disconnect is CANCELLED; anything else is INTERNAL with its message (the caller logs the
 * stack).
 */
export function toWireError(err: unknown, method: string, signal: AbortSignal): WireError {
  if (err instanceof OjError) return err.toWire();
  if (signal.aborted)
    return {
      code: 'CANCELLED',
      message: `request "${method}" was cancelled (${reasonOf(signal)})`,
    };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message: `"${method}" failed inside ojd: ${message}` };
}

/** Zod issues in words, one per `;`: `kill: expected boolean, received string`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const where = issue.path.length ? issue.path.map(String).join('.') : 'params';
      return `${where}: ${issue.message.replace(/^Invalid input: /, '')}`;
    })
    .join('; ');
}

function reasonOf(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : String(reason);
}
