// Claude Code hooks for the fake agent: reads `--settings` (a file or inline JSON), fires every
// matching command with the real stdin payload, and reads back block / permission verdicts.
// A failing or slow hook is traced and otherwise ignored, as Claude does.
import { existsSync, readFileSync } from 'node:fs';
import * as z from 'zod';
import { FakeAgentError } from './errors.js';
import { runShell } from './exec.js';
import type { Trace } from './trace.js';

export type HookEvent =
  | 'SessionStart'
  | 'UserPromptSubmit'
  | 'PreToolUse'
  | 'PostToolUse'
  | 'PermissionRequest'
  | 'Notification'
  | 'Stop';

const DEFAULT_HOOK_TIMEOUT_S = 60; // Claude's default per command

const commandSchema = z.object({
  type: z.literal('command'),
  command: z.string().min(1),
  timeout: z.number().positive().optional(),
});
const groupSchema = z.object({ matcher: z.string().optional(), hooks: z.array(commandSchema) });
const settingsSchema = z.object({
  hooks: z.record(z.string(), z.array(groupSchema)).optional(),
});
export type HookSettings = z.output<typeof settingsSchema>;

/** Reads `--settings <file|json>`; no argument means no hooks. */
export function loadSettings(arg: string | undefined): HookSettings {
  if (arg === undefined) return {};
  const inline = arg.trimStart().startsWith('{');
  const where = inline ? 'the inline --settings JSON' : `settings file "${arg}"`;
  if (!inline && !existsSync(arg))
    throw new FakeAgentError('BAD_SETTINGS', `${where} does not exist; pass a readable file`);
  let doc: unknown;
  try {
    doc = JSON.parse(inline ? arg : readFileSync(arg, 'utf8'));
  } catch (err) {
    throw new FakeAgentError('BAD_SETTINGS', `${where} is not valid JSON: ${String(err)}`, {
      cause: err,
    });
  }
  const parsed = settingsSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    throw new FakeAgentError('BAD_SETTINGS', `${where}: ${path}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** What the hooks of one event decided, beyond their exit codes. */
export interface HookVerdict {
  /** A hook blocked (exit 2, or `decision: "block"`); the reason goes back to the model. */
  block?: { reason: string };
  /** PreToolUse / PermissionRequest answered the permission question itself. */
  permission?: 'allow' | 'deny';
}

export interface HookRunnerDeps {
  settings: HookSettings;
  cwd: string;
  trace: Trace;
  /** Fields every payload carries, read at fire time (permission mode can change). */
  base: () => Record<string, unknown>;
}

export class HookRunner {
  constructor(private readonly deps: HookRunnerDeps) {}

  /**
   * Fires every `event` hook whose matcher accepts `matchOn` (tool name, notification type or
   * session source), one after another so the trace order is deterministic.
   */
  async fire(
    event: HookEvent,
    fields: Record<string, unknown>,
    matchOn?: string,
  ): Promise<HookVerdict> {
    const groups = this.deps.settings.hooks?.[event] ?? [];
    const payload = JSON.stringify({ ...this.deps.base(), hook_event_name: event, ...fields });
    const verdict: HookVerdict = {};
    for (const group of groups) {
      if (!matches(group.matcher, matchOn)) continue;
      for (const hook of group.hooks) {
        const result = await runShell(hook.command, {
          cwd: this.deps.cwd,
          env: { ...process.env, CLAUDE_PROJECT_DIR: this.deps.cwd },
          input: payload,
          timeoutMs: (hook.timeout ?? DEFAULT_HOOK_TIMEOUT_S) * 1000,
        });
        this.deps.trace.write({
          type: 'hook',
          event,
          command: hook.command,
          code: result.code,
          stdout: result.stdout,
          stderr: result.stderr,
          timedOut: result.timedOut,
        });
        readVerdict(result.code, result.stdout, result.stderr, verdict);
      }
    }
    return verdict;
  }
}

/** Claude's matcher: absent, "" or "*" match all; otherwise an anchored regex (or exact name). */
function matches(matcher: string | undefined, value: string | undefined): boolean {
  if (matcher === undefined || matcher === '' || matcher === '*' || value === undefined)
    return true;
  try {
    return new RegExp(`^(?:${matcher})$`).test(value);
  } catch {
    return matcher === value;
  }
}

function readVerdict(code: number | null, stdout: string, stderr: string, into: HookVerdict) {
  if (code === 2) {
    into.block ??= { reason: stderr.trim() || 'blocked by hook' };
    return;
  }
  if (code !== 0 || !stdout.trim().startsWith('{')) return;
  let out: Record<string, unknown>;
  try {
    out = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    return;
  }
  if (out.decision === 'block')
    into.block ??= { reason: typeof out.reason === 'string' ? out.reason : 'blocked by hook' };
  const specific = out.hookSpecificOutput as Record<string, unknown> | undefined;
  const decision = specific?.permissionDecision;
  if (decision === 'allow') into.permission = 'allow';
  if (decision === 'deny') {
    into.permission = 'deny';
    const reason = specific?.permissionDecisionReason;
    into.block ??= { reason: typeof reason === 'string' ? reason : 'denied by hook' };
  }
  const behavior = (specific?.decision as Record<string, unknown> | undefined)?.behavior;
  if (behavior === 'allow' || behavior === 'deny') into.permission = behavior;
}
