// Tier 2: turns one entry of Claude Code's session log (JSONL) into an emission (notes/agents.md §1
// "Session log"). Esc-interrupts and denials count as tier 1: no hook fires for them. Pure.
import * as z from 'zod';
import { toErrorInfo } from './error-category.js';
import { PLAN_TOOL, QUESTION_TOOL, toPlanPrompt, toQuestionPrompt } from './prompts.js';
import type { Emission } from './types.js';

const EntrySchema = z.looseObject({
  type: z.string(),
  isMeta: z.boolean().optional(),
  isSidechain: z.boolean().optional(),
  // A /compact summary is written as a user entry, but no model turn follows it.
  isCompactSummary: z.boolean().optional(),
  isVisibleInTranscriptOnly: z.boolean().optional(),
  isApiErrorMessage: z.boolean().optional(),
  error: z.unknown().optional(),
  toolUseResult: z.unknown().optional(),
  message: z.looseObject({ content: z.union([z.string(), z.array(z.unknown())]) }).optional(),
});
type Entry = z.infer<typeof EntrySchema>;

const TextBlockSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
const ToolUseBlockSchema = z.looseObject({
  type: z.literal('tool_use'),
  name: z.string(),
  input: z.unknown().optional(),
});
const ToolResultBlockSchema = z.looseObject({
  type: z.literal('tool_result'),
  content: z.unknown().optional(),
  is_error: z.boolean().optional(),
});
const ErrorObjectSchema = z.looseObject({
  message: z.string().optional(),
  type: z.string().optional(),
});

/**
 * Bookkeeping, not conversation. `system` includes the api_error entries written while Claude retries
 * on its own, so their `error` field must not end the turn.
 */
const IGNORED_TYPES = new Set([
  'file-history-snapshot',
  'progress',
  'system',
  'queue-operation',
  'summary',
]);
/** User text that is not a prompt to the model: local slash commands, their output, `!` shell mode. */
const NOT_A_PROMPT_PREFIXES = ['<command-name>', '<local-command-', '<bash-'];
const INTERRUPT_PREFIX = '[Request interrupted by user';
/** What a tool_result says when the user denied the call (current and Esc-at-the-dialog wording). */
const DENIAL_PATTERN =
  /doesn't want to proceed with this tool use|doesn't want to take this action right now/i;
const OLD_DENIAL_RESULT = 'User rejected tool use';

/**
 * Pure. assistant tool_use/thinking → working; AskUserQuestion → prompt(question); ExitPlanMode →
 * prompt(plan); text only → idle, `tentative` (a tool_use line of the same reply may follow); user
 * prompt or tool_result → working; `[Request interrupted by user…` or a denied tool → idle at tier 1;
 * an entry with `error` → idle with the error. Meta, sidechain, local-command and bookkeeping
 * entries (file-history-snapshot, progress, system, summary…) → undefined, as does anything malformed.
 */
export function classifyClaudeLogEntry(entry: unknown): Emission | undefined {
  const parsed = EntrySchema.safeParse(entry);
  if (!parsed.success) return undefined;
  const e = parsed.data;
  if (IGNORED_TYPES.has(e.type)) return undefined;
  if (e.isMeta || e.isSidechain || e.isCompactSummary || e.isVisibleInTranscriptOnly)
    return undefined;
  if (isErrorEntry(e)) return classifyError(e);
  if (e.message === undefined) return undefined;
  if (e.type === 'user') return classifyUser(e, e.message.content);
  if (e.type === 'assistant') return classifyAssistant(e.message.content);
  return undefined;
}

function isErrorEntry(e: Entry): boolean {
  return (
    (e.error !== undefined && e.error !== null && e.error !== false) || e.isApiErrorMessage === true
  );
}

function classifyError(e: Entry): Emission {
  let code = '';
  if (typeof e.error === 'string') code = e.error;
  else {
    const obj = ErrorObjectSchema.safeParse(e.error);
    if (obj.success) code = [obj.data.type, obj.data.message].filter(Boolean).join(': ');
  }
  const message = e.message === undefined ? '' : texts(e.message.content).join('\n');
  return { state: 'idle', tier: 2, cause: 'log:error', error: toErrorInfo(message, code) };
}

function classifyUser(e: Entry, content: string | unknown[]): Emission | undefined {
  const blocks = typeof content === 'string' ? [{ type: 'text', text: content }] : content;
  const text = texts(blocks);
  if (text.some((t) => t.trimStart().startsWith(INTERRUPT_PREFIX))) {
    return { state: 'idle', tier: 1, cause: 'log:interrupted' };
  }
  const results = blocks.flatMap((b) => {
    const r = ToolResultBlockSchema.safeParse(b);
    return r.success ? [r.data] : [];
  });
  const denied =
    results.some((r) => r.is_error === true && DENIAL_PATTERN.test(texts(r.content).join('\n'))) ||
    (typeof e.toolUseResult === 'string' && e.toolUseResult.startsWith(OLD_DENIAL_RESULT));
  if (denied) return { state: 'idle', tier: 1, cause: 'log:denied' };
  if (results.length > 0) return { state: 'working', tier: 2, cause: 'log:tool-result' };
  const first = text[0]?.trimStart();
  if (first !== undefined && NOT_A_PROMPT_PREFIXES.some((p) => first.startsWith(p)))
    return undefined;
  if (blocks.length === 0) return undefined;
  return { state: 'working', tier: 2, cause: 'log:user-prompt' };
}

function classifyAssistant(content: string | unknown[]): Emission | undefined {
  const blocks = typeof content === 'string' ? [{ type: 'text', text: content }] : content;
  for (const b of blocks) {
    const use = ToolUseBlockSchema.safeParse(b);
    if (!use.success) continue;
    if (use.data.name === QUESTION_TOOL) {
      return {
        state: 'prompt',
        tier: 2,
        cause: 'log:question',
        prompt: toQuestionPrompt(use.data.input),
      };
    }
    if (use.data.name === PLAN_TOOL) {
      return { state: 'prompt', tier: 2, cause: 'log:plan', prompt: toPlanPrompt(use.data.input) };
    }
    return { state: 'working', tier: 2, cause: 'log:tool-use' };
  }
  if (blocks.some((b) => blockType(b) === 'thinking' || blockType(b) === 'redacted_thinking')) {
    return { state: 'working', tier: 2, cause: 'log:thinking' };
  }
  const text = texts(blocks);
  if (text.length === 0) return undefined;
  const message = text.join('\n').trim();
  return {
    state: 'idle',
    tier: 2,
    cause: 'log:assistant-text',
    tentative: true,
    ...(message === '' ? {} : { lastMessage: message }),
  };
}

/** The text of a string, or of the text blocks in a block list (tool_result content is either). */
function texts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((b: unknown) => {
    const t = TextBlockSchema.safeParse(b);
    return t.success ? [t.data.text] : [];
  });
}

function blockType(block: unknown): unknown {
  return typeof block === 'object' && block !== null
    ? (block as { type?: unknown }).type
    : undefined;
}
