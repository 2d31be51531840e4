// One tool call as Claude makes it: tool_use in the log, PreToolUse hook, the permission dialog
// when asked (PermissionRequest hook at once, Notification after its delay), the real effect, the
// tool_result entry and PostToolUse. Used by write, edit, run, commit, done and prompt steps.
import { schedule } from './clock.js';
import type { AgentContext } from './context.js';
import { isInterrupt } from './context.js';
import { choose } from './dialogs.js';
import { permissionPanel } from './panels.js';
import { REJECTED } from './session-log.js';
import type { StepResult } from './trace.js';

export interface ToolCall {
  name: string;
  input: Record<string, unknown>;
  /** Transcript title, e.g. `Bash(npm test)`. */
  title: string;
  /** What the permission dialog shows under its header. */
  detail: string;
  permission: 'ask' | 'allow' | undefined;
  execute(signal: AbortSignal): Promise<ToolRun>;
}

export interface ToolRun {
  content: string;
  isError: boolean;
  toolUseResult: unknown;
  result: StepResult;
}

export type ToolOutcome =
  | { kind: 'ran'; result: StepResult }
  | { kind: 'denied'; result: StepResult }
  | { kind: 'blocked'; result: StepResult };

const OUTPUT_LINES_SHOWN = 4; // transcript lines of tool output, as Claude folds long output

export async function runTool(
  ctx: AgentContext,
  call: ToolCall,
  signal: AbortSignal,
): Promise<ToolOutcome> {
  const id = ctx.log.toolUse(call.name, call.input);
  ctx.screen.transcript([`⏺ ${call.title}`]);
  const toolFields = { tool_name: call.name, tool_input: call.input, tool_use_id: id };
  const pre = await ctx.hooks.fire('PreToolUse', toolFields, call.name);
  if (pre.block) {
    ctx.log.toolResult(id, pre.block.reason, true, `Error: ${pre.block.reason}`);
    ctx.screen.transcript([`  ⎿  Blocked by hook: ${pre.block.reason}`]);
    return { kind: 'blocked', result: { status: 'blocked', reason: pre.block.reason } };
  }
  const ask =
    call.permission === 'ask' &&
    pre.permission !== 'allow' &&
    ctx.permissionMode !== 'bypassPermissions' &&
    !ctx.allowedTools.has(call.name);
  if (ask && !(await askPermission(ctx, call, id))) {
    ctx.log.toolResult(id, REJECTED, true, 'User rejected tool use');
    ctx.screen.transcript(['  ⎿  User rejected this tool use']);
    return { kind: 'denied', result: { status: 'denied' } };
  }
  let run: ToolRun;
  try {
    run = await call.execute(signal);
  } catch (err) {
    if (isInterrupt(err)) ctx.log.toolResult(id, 'Interrupted by user', true, 'Interrupted');
    throw err;
  }
  ctx.log.toolResult(id, run.content, run.isError, run.toolUseResult);
  const shown = run.content.split('\n').filter(Boolean).slice(0, OUTPUT_LINES_SHOWN);
  ctx.screen.transcript(shown.map((line, i) => `${i === 0 ? '  ⎿  ' : '     '}${line}`));
  await ctx.hooks.fire(
    'PostToolUse',
    { ...toolFields, tool_response: run.toolUseResult },
    call.name,
  );
  return { kind: 'ran', result: run.result };
}

/** The permission dialog for `call`; true when the user (or a hook) allowed it. */
export async function askPermission(
  ctx: AgentContext,
  call: Pick<ToolCall, 'name' | 'input' | 'detail'>,
  toolUseId: string,
): Promise<boolean> {
  const fields = { tool_name: call.name, tool_input: call.input, tool_use_id: toolUseId };
  const verdict = await ctx.hooks.fire('PermissionRequest', fields, call.name);
  if (verdict.permission) return verdict.permission === 'allow';
  if (ctx.printer) {
    ctx.trace.write({ type: 'answer', dialog: 'permission', accepted: false, text: 'print mode' });
    return false; // print mode cannot ask: the tool is denied, as `claude -p` does
  }
  const cancelNotification = schedule(ctx.scenario.timing.permission_notification_ms, () => {
    void ctx.hooks.fire(
      'Notification',
      {
        message: `Claude needs your permission to use ${call.name}`,
        notification_type: 'permission_prompt',
      },
      'permission_prompt',
    );
  });
  const choice = await choose(ctx, {
    count: 3,
    render: (cursor) => permissionPanel(call.name, call.detail, cursor, ctx.screen.width),
  });
  cancelNotification();
  const option = choice === 'escape' ? undefined : choice.option;
  const accepted = option === 1 || option === 2;
  ctx.trace.write({
    type: 'answer',
    dialog: 'permission',
    accepted,
    ...(option ? { option } : { text: 'escape' }),
  });
  if (option === 2) ctx.allowedTools.add(call.name);
  return accepted;
}
