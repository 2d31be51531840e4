// Errors of the MCP server's own checks (arguments a daemon request cannot express); daemon and
// runbook failures keep the error they came with.
import { OjError } from '../errors/index.js';

export type McpToolErrorCode =
  | 'BAD_ARGS' // the tool's arguments do not fit the runbook command or each other
  | 'UNKNOWN_COMMAND' // no runbook command of that name
  | 'SPAWN_FAILED'; // /bin/sh could not start

export class McpToolError extends OjError {
  declare readonly code: McpToolErrorCode;

  constructor(code: McpToolErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The message of any thrown value. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The string `code` an error carries (OjError and daemon errors do), if any. */
export function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
