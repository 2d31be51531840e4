// The Claude Code session log (JSONL) the fake agent writes, in the real shapes: user and assistant
// entries chained by parentUuid, one line per assistant content block sharing `message.id`, tool
// results as user entries with `toolUseResult`, API errors with a top-level `error`.
import { appendFileSync, existsSync, mkdirSync, readFileSync, truncateSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FakeClock } from './clock.js';
import { IdSource } from './clock.js';

export const INTERRUPTED = '[Request interrupted by user]';
export const INTERRUPTED_FOR_TOOL = '[Request interrupted by user for tool use]';
export const REJECTED =
  "The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it was a file edit, the new_string was NOT written to the file). STOP what you are doing and wait for the user to tell you how to proceed.";

export type LogEntry = Record<string, unknown> & { type: string; uuid: string };

/** `${CLAUDE_CONFIG_DIR:-~/.claude}/projects/<cwd with "/" and "." as "-">/<id>.jsonl` */
export function sessionLogPath(env: NodeJS.ProcessEnv, cwd: string, sessionId: string): string {
  const configDir = env.CLAUDE_CONFIG_DIR || join(homedir(), '.claude');
  return join(configDir, 'projects', cwd.replace(/[/.]/g, '-'), `${sessionId}.jsonl`);
}

export interface SessionLogDeps {
  path: string;
  sessionId: string;
  cwd: string;
  version: string;
  model: string;
  clock: FakeClock;
  /** Told of every entry written (print mode's stream-json echoes them). */
  onEntry?: (entry: LogEntry) => void;
}

export class SessionLog {
  private ids: IdSource;
  private parent: string | null = null;
  private replyId: string | undefined;
  readonly path: string;

  /** Opens the log; with `resume`, continues the chain and clock from the existing file. */
  constructor(
    private readonly deps: SessionLogDeps,
    resume = false,
  ) {
    this.path = deps.path;
    mkdirSync(dirname(this.path), { recursive: true });
    let lines = 0;
    if (resume && existsSync(this.path)) {
      for (const line of readFileSync(this.path, 'utf8').split('\n')) {
        const entry = parseLine(line);
        if (!entry) continue;
        lines++;
        if (typeof entry.uuid === 'string') this.parent = entry.uuid;
        if (typeof entry.timestamp === 'string') deps.clock.advancePast(entry.timestamp);
      }
    }
    // Seeded by the line count so a resumed run never re-derives an id the last run wrote.
    this.ids = new IdSource(`${deps.sessionId}:${lines}`);
  }

  /** A user prompt (string content), e.g. the text typed at the `❯` prompt. */
  user(content: string, extra: Record<string, unknown> = {}): LogEntry {
    return this.append('user', { message: { role: 'user', content }, ...extra });
  }

  /** The user pressed Esc (or denied a tool): the entry oj reads as "back to idle". */
  interrupted(forTool: boolean): LogEntry {
    const text = forTool ? INTERRUPTED_FOR_TOOL : INTERRUPTED;
    return this.append('user', { message: { role: 'user', content: [{ type: 'text', text }] } });
  }

  assistantText(text: string): LogEntry {
    return this.assistant({ type: 'text', text });
  }

  /** Logs a tool_use block; returns its `toolu_…` id. */
  toolUse(name: string, input: Record<string, unknown>): string {
    const id = this.ids.prefixed('toolu');
    this.assistant({ type: 'tool_use', id, name, input });
    return id;
  }

  toolResult(toolUseId: string, content: string, isError: boolean, toolUseResult: unknown): void {
    this.append('user', {
      message: {
        role: 'user',
        content: [{ tool_use_id: toolUseId, type: 'tool_result', content, is_error: isError }],
      },
      toolUseResult,
    });
  }

  /** An API error as Claude logs it: a synthetic assistant line with a top-level `error`. */
  apiError(category: string, text: string): void {
    this.append('assistant', {
      message: this.message({ type: 'text', text }, '<synthetic>'),
      error: category,
      isApiErrorMessage: true,
    });
    this.replyId = undefined;
  }

  /** `/clear`: empties the file and starts a new chain. */
  clear(): void {
    if (existsSync(this.path)) truncateSync(this.path, 0);
    this.parent = null;
    this.replyId = undefined;
  }

  private assistant(block: Record<string, unknown>): LogEntry {
    this.replyId ??= this.ids.prefixed('msg');
    return this.append('assistant', {
      message: this.message(block, this.deps.model),
      requestId: `req_${this.replyId.slice(4)}`,
    });
  }

  private message(block: Record<string, unknown>, model: string): Record<string, unknown> {
    return {
      id: this.replyId ?? this.ids.prefixed('msg'),
      type: 'message',
      role: 'assistant',
      model,
      content: [block],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 10 },
    };
  }

  private append(type: 'user' | 'assistant', fields: Record<string, unknown>): LogEntry {
    // Any user entry ends the assistant reply: the next assistant line starts a new message.id.
    if (type === 'user') this.replyId = undefined;
    const entry: LogEntry = {
      parentUuid: this.parent,
      isSidechain: false,
      userType: 'external',
      cwd: this.deps.cwd,
      sessionId: this.deps.sessionId,
      version: this.deps.version,
      type,
      ...fields,
      uuid: this.ids.uuid(),
      timestamp: this.deps.clock.tick(),
    };
    this.parent = entry.uuid;
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
    this.deps.onEntry?.(entry);
    return entry;
  }
}

function parseLine(line: string): Record<string, unknown> | undefined {
  if (!line.trim()) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined; // a torn tail from a crashed run
  }
}
