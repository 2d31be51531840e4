// Steps that misbehave on purpose: crash (exit code or signal, maybe after partial output), flood
// (N bytes of output for ring-buffer and back-pressure tests), and the text of API errors.
import type { AgentContext } from './context.js';
import { workingPanel } from './panels.js';
import type { ErrorCategory, StepOf } from './steps.schema.js';

const ERROR_TEXT: Record<ErrorCategory, string> = {
  unauthorized: 'Invalid API key · Please run /login',
  out_of_credits: 'Credit balance is too low',
  rate_limited: 'API Error: 429 rate_limit_error · Claude usage limit reached',
  no_internet: 'API Error: Connection error.',
  server_error: 'API Error: 500 Internal server error',
  other: 'API Error: something went wrong',
};

export function errorText(category: ErrorCategory): string {
  return ERROR_TEXT[category];
}

/** Ends the process the hard way: no terminal restore, no result; the trace still says how. */
export function crash(ctx: AgentContext, spec: StepOf<'crash'>['crash']): never {
  if (spec.output) ctx.writeOut(spec.output);
  if ('exit_code' in spec) {
    ctx.trace.write({ type: 'exit', code: spec.exit_code });
    process.exit(spec.exit_code);
  }
  ctx.trace.write({ type: 'exit', code: null, signal: spec.signal });
  // Our own handlers would turn SIGTERM/SIGHUP into a clean exit; a crash takes the default action.
  process.removeAllListeners(spec.signal);
  // Nothing else may run until the signal lands. Sent again each round: V8's SIGSEGV trap handler
  // swallows the first one when it is not a real fault, then restores the default action.
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    process.kill(process.pid, spec.signal);
    Atomics.wait(pause, 0, 0, 50);
  }
}

const FLOOD_LINE = 64; // bytes per flood line, "\r\n" included
const FLOOD_CHUNK_LINES = 1024; // lines per write

/** Writes exactly `bytes` bytes of numbered lines above the panel. */
export async function flood(ctx: AgentContext, bytes: number): Promise<void> {
  ctx.screen.panel([]);
  let left = bytes;
  let line = 0;
  while (left > 0) {
    let chunk = '';
    for (let i = 0; i < FLOOD_CHUNK_LINES && left > 0; i++) {
      const full = `flood ${String(line++).padStart(8, '0')} `.padEnd(FLOOD_LINE - 2, '.') + '\r\n';
      const part = full.slice(0, Math.min(left, FLOOD_LINE));
      chunk += part;
      left -= part.length;
    }
    ctx.writeOut(chunk);
    // Let signals and input in between chunks, as a real busy TUI would.
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (bytes % FLOOD_LINE !== 0) ctx.writeOut('\r\n');
  ctx.screen.panel(workingPanel());
}
