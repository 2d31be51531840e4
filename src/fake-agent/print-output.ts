// Print mode's stdout (`-p`): the last reply as text, one `result` object (json), or stream-json —
// `system/init`, every assistant/user log entry as it is written, then `result{subtype, result,
// num_turns, …}` — the shapes `claude -p --output-format …` prints.
import { deriveUuid } from './clock.js';
import type { AgentContext } from './context.js';
import type { LogEntry } from './session-log.js';

export const OUTPUT_FORMATS = ['text', 'json', 'stream-json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export class PrintOutput {
  private turns = 0;
  private done = false;

  constructor(
    private readonly format: OutputFormat,
    private readonly write: (line: string) => void,
  ) {}

  init(ctx: AgentContext): void {
    if (this.format !== 'stream-json') return;
    this.line({
      type: 'system',
      subtype: 'init',
      cwd: ctx.cwd,
      session_id: ctx.sessionId,
      tools: ['Bash', 'Edit', 'Write', 'Read', 'AskUserQuestion', 'ExitPlanMode'],
      mcp_servers: [],
      model: ctx.scenario.agent.model,
      permissionMode: ctx.permissionMode,
      apiKeySource: 'none',
      uuid: deriveUuid(ctx.sessionId, 'init'),
    });
  }

  /** Echoes a reply or tool-result log entry (stream-json only; the prompt itself is not echoed). */
  entry(sessionId: string, entry: LogEntry): void {
    if (this.format !== 'stream-json' || this.done) return;
    const content = (entry.message as { content?: unknown } | undefined)?.content;
    if (entry.type === 'user' && typeof content === 'string') return;
    this.line({
      type: entry.type,
      message: entry.message,
      parent_tool_use_id: null,
      session_id: sessionId,
      uuid: entry.uuid,
    });
  }

  countTurn(): void {
    this.turns++;
  }

  /** The closing result; `ok` false is an error result (the process then exits 1). */
  result(ctx: AgentContext, ok: boolean): void {
    if (this.done) return;
    this.done = true;
    const text = ok ? ctx.lastText : (ctx.failure ?? ctx.lastText);
    if (this.format === 'text') {
      this.write(`${text}\n`);
      return;
    }
    this.line({
      type: 'result',
      subtype: ok ? 'success' : 'error_during_execution',
      is_error: !ok,
      duration_ms: 0,
      duration_api_ms: 0,
      num_turns: Math.max(1, this.turns),
      result: text,
      session_id: ctx.sessionId,
      total_cost_usd: 0,
      usage: { input_tokens: 0, output_tokens: 0 },
    });
  }

  private line(value: Record<string, unknown>): void {
    this.write(`${JSON.stringify(value)}\n`);
  }
}
