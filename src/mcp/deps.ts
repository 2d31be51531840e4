// What the MCP server needs from the outside, as one typed argument: the daemon, the project, the
// runbook commands and a shell. The CLI wires the real ones; specs may pass fakes.
import type { CommandDef } from '../runbook/index.js';
import type { ShellRequest, ShellResult } from './shell.js';

/** One daemon request: resolves with the result, rejects with an error carrying `code` and `message`. */
export type DaemonCall = (
  method: string,
  params: unknown,
  options?: { timeoutMs?: number },
) => Promise<unknown>;

export interface OjMcpDeps {
  call: DaemonCall;
  /** The project the tools act on (absolute); throws when there is none. */
  projectRoot: () => string;
  /** The state dir of the daemon, for the environment of shell commands. */
  stateDir: () => string;
  /** The project's runbook commands; throws listing the problems when the runbooks are invalid. */
  loadCommands: () => readonly CommandDef[];
  runShell: (request: ShellRequest) => Promise<ShellResult>;
  /** The environment shell commands start from (OJ_PROJECT, OJ_STATE_DIR, PATH are set on top). */
  env: NodeJS.ProcessEnv;
  /** The PATH shell commands get (so nested `oj …` calls reach the same daemon). */
  shellPath: (stateDir: string) => string;
  /** Aborted when the server shuts down: running shell commands are killed. */
  signal?: AbortSignal;
  /** Diagnostics; never stdout, which carries MCP frames. */
  log?: (line: string) => void;
  version: string;
}
