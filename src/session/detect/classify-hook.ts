// Tier 1: turns a Claude Code hook call (event name + stdin payload) into an emission
// (notes/agents.md §1 "Claude Code hooks"). Pure; a malformed payload is ignored, never thrown.
import * as z from 'zod';
import { PLAN_TOOL, QUESTION_TOOL, toPermissionPrompt, toToolPrompt } from './prompts.js';
import type { Emission } from './types.js';

const ToolPayloadSchema = z.looseObject({
  tool_name: z.string(),
  tool_input: z.unknown().optional(),
});
const StopPayloadSchema = z.looseObject({ last_assistant_message: z.string().optional() });
const NotificationPayloadSchema = z.looseObject({
  notification_type: z.string().optional(),
  message: z.string().optional(),
});
const AnyPayloadSchema = z.looseObject({});

// "Claude needs your permission to use Bash": the notification names the tool only in prose.
const PERMISSION_TOOL_PATTERN = /permission to use (\S+)/;

/**
 * Pure. Stop → idle (with the last message when the payload has one); UserPromptSubmit → working;
 * PreToolUse → prompt(question) for AskUserQuestion, prompt(plan) for ExitPlanMode, else working;
 * PermissionRequest → prompt(permission) (question/plan when it is about those tools); Notification
 * permission_prompt → prompt(permission) and idle_prompt → idle, as late backups. PostToolUse (it can
 * land after the turn ended), SubagentStop (not the main agent) and the rest → undefined.
 */
export function classifyHook(event: string, payload: unknown): Emission | undefined {
  const cause = `hook:${event}`;
  switch (event) {
    case 'Stop': {
      const p = StopPayloadSchema.safeParse(payload);
      if (!p.success) return undefined;
      const last = p.data.last_assistant_message;
      return { state: 'idle', tier: 1, cause, ...(last ? { lastMessage: last } : {}) };
    }
    case 'UserPromptSubmit':
      return AnyPayloadSchema.safeParse(payload).success
        ? { state: 'working', tier: 1, cause }
        : undefined;
    case 'PreToolUse': {
      const p = ToolPayloadSchema.safeParse(payload);
      if (!p.success) return undefined;
      const { tool_name: tool, tool_input: input } = p.data;
      if (tool === QUESTION_TOOL || tool === PLAN_TOOL) {
        return {
          state: 'prompt',
          tier: 1,
          cause: `${cause}:${tool}`,
          prompt: toToolPrompt(tool, input),
        };
      }
      // EnterPlanMode and every other tool: the model is acting; a permission dialog, if any,
      // announces itself through PermissionRequest.
      return { state: 'working', tier: 1, cause: `${cause}:${tool}` };
    }
    case 'PermissionRequest': {
      // Payloads drift: AskUserQuestion has come through here, so route by tool like PreToolUse.
      const p = ToolPayloadSchema.safeParse(payload);
      if (!p.success) return undefined;
      const { tool_name: tool, tool_input: input } = p.data;
      return {
        state: 'prompt',
        tier: 1,
        cause: `${cause}:${tool}`,
        prompt: toToolPrompt(tool, input),
      };
    }
    case 'Notification':
      return classifyNotification(payload);
    default:
      return undefined;
  }
}

// Notifications arrive late (~8 s for permission, ~60 s for idle): backups for a missed hook only.
function classifyNotification(payload: unknown): Emission | undefined {
  const p = NotificationPayloadSchema.safeParse(payload);
  if (!p.success) return undefined;
  const type = p.data.notification_type;
  const cause = `hook:Notification:${type ?? ''}`;
  if (type === 'idle_prompt') return { state: 'idle', tier: 1, cause };
  if (type !== 'permission_prompt') return undefined;
  const tool = PERMISSION_TOOL_PATTERN.exec(p.data.message ?? '')?.[1];
  const prompt =
    tool === undefined ? toPermissionPrompt(undefined, undefined) : toToolPrompt(tool, undefined);
  return { state: 'prompt', tier: 1, cause, prompt };
}
