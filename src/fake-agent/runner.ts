// Runs a turn's steps in order and says how the turn ended: normally (Stop hook fires), paused at an
// `idle` step with steps left for the next message, or quietly (denied, API error, interrupted —
// no Stop hook, as in Claude). Every step is traced with its path and result.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { delay, keepAlive, pollUntil } from './clock.js';
import type { AgentContext } from './context.js';
import { isInterrupt } from './context.js';
import { askQuestions, choose } from './dialogs.js';
import { crash, errorText, flood } from './effects.js';
import { planPanel } from './panels.js';
import { REJECTED } from './session-log.js';
import type { Step, StepOf } from './steps.schema.js';
import { askPermission, runTool } from './tools.js';
import { toToolCall } from './tool-steps.js';
import type { StepResult } from './trace.js';

/** Steps still to run: a turn from its start, or the rest after an `idle` step. */
export interface StepCursor {
  turn: number;
  steps: readonly Step[];
  from: number;
  /** Trace path of the list, e.g. `turn[1].steps` or `turn[1].steps[2].on_deny`. */
  prefix: string;
}

export type TurnEnd = { kind: 'stop' } | { kind: 'pause'; rest: StepCursor } | { kind: 'quiet' };

interface StepOutcome {
  result: StepResult;
  /** The user said no: run `on_deny` instead of the rest, else end the turn (as an interrupt
   * unless the user gave feedback, which the model takes in and then stops normally). */
  denied?: { onDeny: readonly Step[] | undefined; logInterrupt: boolean };
  /** The turn ends now without a Stop hook (API error). */
  quiet?: boolean;
}

const BARRIER_POLL_MS = 10; // how often a barrier looks for its file

export async function runSteps(
  ctx: AgentContext,
  cursor: StepCursor,
  signal: AbortSignal,
): Promise<TurnEnd> {
  const { steps, turn, prefix } = cursor;
  for (let i = cursor.from; i < steps.length; i++) {
    const step = steps[i] as Step;
    const path = `${prefix}[${i}]`;
    signal.throwIfAborted();
    if (ctx.scenario.timing.step_ms) await delay(ctx.scenario.timing.step_ms, signal);
    if (step.kind === 'idle') {
      ctx.trace.write({ type: 'step', turn, path, kind: 'idle', result: { status: 'ok' } });
      const rest = { ...cursor, from: i + 1 };
      return i + 1 < steps.length ? { kind: 'pause', rest } : { kind: 'stop' };
    }
    let outcome: StepOutcome;
    try {
      outcome = await runStep(ctx, step, { turn, path }, signal);
    } catch (err) {
      if (isInterrupt(err)) {
        const result: StepResult = { status: 'interrupted' };
        ctx.trace.write({ type: 'step', turn, path, kind: step.kind, result });
      }
      throw err;
    }
    ctx.trace.write({ type: 'step', turn, path, kind: step.kind, result: outcome.result });
    if (outcome.quiet) return { kind: 'quiet' };
    if (outcome.denied) {
      const { onDeny, logInterrupt } = outcome.denied;
      if (onDeny) {
        const next = { turn, steps: onDeny, from: 0, prefix: `${path}.on_deny` };
        return runSteps(ctx, next, signal);
      }
      if (!logInterrupt) return { kind: 'stop' };
      ctx.log.interrupted(true);
      return { kind: 'quiet' };
    }
  }
  return { kind: 'stop' };
}

async function runStep(
  ctx: AgentContext,
  step: Exclude<Step, { kind: 'idle' }>,
  where: { turn: number; path: string },
  signal: AbortSignal,
): Promise<StepOutcome> {
  switch (step.kind) {
    case 'say':
      ctx.log.assistantText(step.say);
      ctx.screen.transcript(step.say.split('\n').map((line, i) => `${i ? '  ' : '⏺ '}${line}`));
      ctx.lastText = step.say;
      return { result: { status: 'ok' } };
    case 'write':
    case 'edit':
    case 'run':
    case 'commit':
    case 'done':
    case 'prompt': {
      const outcome = await runTool(ctx, toToolCall(ctx, step), signal);
      if (outcome.kind !== 'denied') return { result: outcome.result };
      return { result: outcome.result, denied: { onDeny: step.on_deny, logInterrupt: true } };
    }
    case 'ask':
      return ask(ctx, step);
    case 'plan':
      return plan(ctx, step);
    case 'error': {
      const text = step.message ?? errorText(step.error);
      ctx.log.apiError(step.error, text);
      ctx.screen.transcript([`  ⎿  ${text}`]);
      if (ctx.printer) ctx.failure = text;
      return { result: { status: 'ok', category: step.error }, quiet: true };
    }
    case 'hang': {
      ctx.trace.write({ type: 'step', ...where, kind: 'hang', result: { status: 'started' } });
      const ignore = step.hang.ignore ?? [];
      for (const name of ignore) ctx.ignoring.add(name);
      keepAlive(); // a hang outlives a closed stdin; only a signal ends it
      // Never resolves; Esc interrupts it unless "ESC" is ignored too.
      await new Promise<never>((_, reject) => {
        if (!ignore.includes('ESC'))
          signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
      throw new Error('unreachable: a hang never finishes');
    }
    case 'crash':
      ctx.trace.write({ type: 'step', ...where, kind: 'crash', result: { status: 'started' } });
      return crash(ctx, step.crash);
    case 'flood':
      await flood(ctx, step.flood);
      return { result: { status: 'ok', bytes: step.flood } };
    case 'sleep':
      await delay(step.sleep, signal);
      return { result: { status: 'ok' } };
    case 'barrier': {
      const file = resolve(ctx.cwd, step.barrier);
      await pollUntil(() => existsSync(file), BARRIER_POLL_MS, signal);
      return { result: { status: 'ok', file } };
    }
    case 'clear':
      ctx.log.clear();
      ctx.screen.transcript(['(no content)']);
      await ctx.hooks.fire('SessionStart', { source: 'clear' }, 'clear');
      return { result: { status: 'ok' } };
    case 'exit': {
      const code = step.exit.code ?? 0;
      ctx.trace.write({ type: 'step', ...where, kind: 'exit', result: { status: 'ok', code } });
      if (ctx.printer) ctx.printer.result(ctx, code === 0);
      return ctx.exit(code);
    }
  }
}

async function ask(ctx: AgentContext, step: StepOf<'ask'>): Promise<StepOutcome> {
  const questions = (
    typeof step.ask === 'string'
      ? [{ question: step.ask, header: step.header, options: step.options ?? ['Yes', 'No'] }]
      : step.ask
  ).map((q) => ({
    question: q.question,
    header: q.header ?? 'Question',
    options: q.options.map((o) => (typeof o === 'string' ? { label: o } : o)),
  }));
  const input = {
    questions: questions.map((q) => ({ ...q, multiSelect: false })),
  };
  const id = ctx.log.toolUse('AskUserQuestion', input);
  ctx.screen.transcript([`⏺ AskUserQuestion(${questions[0]?.question ?? ''})`]);
  const fields = { tool_name: 'AskUserQuestion', tool_input: input, tool_use_id: id };
  await ctx.hooks.fire('PreToolUse', fields, 'AskUserQuestion');
  await ctx.hooks.fire('PermissionRequest', fields, 'AskUserQuestion');
  let answers: string[] | 'declined';
  if (step.answers) {
    answers = questions.map((q, i) => {
      const a = step.answers?.[i] ?? 1;
      return typeof a === 'number' ? (q.options[a - 1]?.label ?? String(a)) : a;
    });
  } else if (ctx.printer) answers = 'declined';
  else answers = await askQuestions(ctx, questions);
  ctx.trace.write({
    type: 'answer',
    dialog: 'question',
    accepted: answers !== 'declined',
    ...(answers !== 'declined' ? { answers } : {}),
  });
  if (answers === 'declined') {
    ctx.log.toolResult(id, REJECTED, true, 'User rejected tool use');
    return { result: { status: 'denied' }, denied: { onDeny: step.on_deny, logInterrupt: true } };
  }
  ctx.screen.transcript(questions.map((q, i) => `  ⎿  · ${q.question} → ${answers[i] ?? ''}`));
  const pairs = questions.map((q, i) => `"${q.question}"="${answers[i] ?? ''}"`).join(', ');
  const byQuestion = Object.fromEntries(questions.map((q, i) => [q.question, answers[i] ?? '']));
  ctx.log.toolResult(
    id,
    `User has answered your questions: ${pairs}. You can now continue with the user's answers in mind.`,
    false,
    { questions: input.questions, answers: byQuestion },
  );
  await ctx.hooks.fire('PostToolUse', { ...fields, tool_response: byQuestion }, 'AskUserQuestion');
  return { result: { status: 'ok', answers } };
}

async function plan(ctx: AgentContext, step: StepOf<'plan'>): Promise<StepOutcome> {
  const input = { plan: step.plan };
  const id = ctx.log.toolUse('ExitPlanMode', input);
  ctx.screen.transcript(['⏺ ExitPlanMode']);
  const fields = { tool_name: 'ExitPlanMode', tool_input: input, tool_use_id: id };
  await ctx.hooks.fire('PreToolUse', fields, 'ExitPlanMode');
  let option: number | undefined;
  let feedback: string | undefined;
  if (ctx.printer) {
    option = (await askPermission(ctx, { name: 'ExitPlanMode', input, detail: step.plan }, id))
      ? 1
      : undefined;
  } else {
    await ctx.hooks.fire('PermissionRequest', fields, 'ExitPlanMode');
    const choice = await choose(ctx, {
      count: 4,
      textOption: 4,
      render: (cursor, typed) => planPanel(step.plan, cursor, typed, ctx.screen.width),
    });
    if (choice !== 'escape') ({ option, text: feedback } = choice);
  }
  const approved = option !== undefined && option <= 3;
  ctx.trace.write({
    type: 'answer',
    dialog: 'plan',
    accepted: approved,
    ...(option ? { option } : {}),
    ...(feedback ? { text: feedback } : {}),
  });
  if (approved) {
    ctx.screen.transcript(["  ⎿  User approved Claude's plan"]);
    ctx.log.toolResult(id, 'User has approved your plan. You can now start coding.', false, {
      plan: step.plan,
    });
    return { result: { status: 'ok', option } };
  }
  ctx.screen.transcript([`  ⎿  User rejected Claude's plan${feedback ? `: ${feedback}` : ''}`]);
  const said = feedback ? ` the user said:\n${feedback}` : '';
  ctx.log.toolResult(id, `${REJECTED}${said}`, true, 'User rejected tool use');
  // Feedback ("tell Claude what to change") keeps the turn going; Esc ends it as an interrupt.
  return {
    result: { status: 'denied', ...(feedback ? { feedback } : {}) },
    denied: { onDeny: step.on_deny, logInterrupt: !feedback },
  };
}
