// What every part of a running fake agent shares: its scenario, collaborators (log, hooks, trace,
// screen, input) and the little mutable session state (allowed tools, ignored signals, state).
import type { HookRunner } from './hooks.js';
import type { Input } from './input.js';
import type { PrintOutput } from './print-output.js';
import type { Scenario } from './scenario.js';
import type { Screen } from './screen.js';
import type { SessionLog } from './session-log.js';
import type { AgentState, Trace } from './trace.js';

export interface AgentContext {
  scenario: Scenario;
  cwd: string;
  env: NodeJS.ProcessEnv;
  sessionId: string;
  /** `default`, or `bypassPermissions` with --dangerously-skip-permissions, or --permission-mode. */
  permissionMode: string;
  log: SessionLog;
  hooks: HookRunner;
  trace: Trace;
  screen: Screen;
  input: Input;
  /** Set in print mode (-p): no UI, dialogs cannot be answered, the result goes to stdout. */
  printer: PrintOutput | undefined;
  /** Tools answered "Yes, and don't ask again" this session. */
  allowedTools: Set<string>;
  /** Signals (and "ESC") a running `hang` step ignores. */
  ignoring: Set<string>;
  /** The last thing said, which print mode reports as its result. */
  lastText: string;
  /** Print mode: set by an `error` step; the run then exits 1. */
  failure: string | undefined;
  /** Aborts the running turn (Esc); undefined between turns. */
  interrupt: (() => void) | undefined;
  setState(state: AgentState): void;
  /** Writes straight to stdout, bypassing the screen (crash output). */
  writeOut(data: string): void;
  /** Traces the exit, restores the terminal and ends the process. */
  exit(code: number): never;
}

/** The error a turn's abort signal carries when the user pressed Esc. */
export class InterruptError extends Error {
  constructor() {
    super('interrupted by the user (Esc)');
    this.name = 'InterruptError';
  }
}

export function isInterrupt(err: unknown): boolean {
  return err instanceof InterruptError;
}
