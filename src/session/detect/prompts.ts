// Builds PromptInfo for the dialogs a tool call opens (AskUserQuestion, ExitPlanMode, a permission
// check), from the tool's input as hooks and the session log carry it. Pure; never throws.
import * as z from 'zod';
import { summarizeToolInput, truncate } from './text.js';
import type { PromptInfo } from './types.js';

/** Claude's tool names for the dialogs that are not plain permission checks. */
export const QUESTION_TOOL = 'AskUserQuestion';
export const PLAN_TOOL = 'ExitPlanMode';

const OptionSchema = z.union([
  z.string(),
  z.looseObject({ label: z.string(), description: z.string().optional() }),
]);
const QuestionSchema = z.looseObject({
  question: z.string(),
  header: z.string().optional(),
  options: z.array(OptionSchema).optional(),
  multiSelect: z.boolean().optional(),
});
const QuestionInputSchema = z.looseObject({ questions: z.array(QuestionSchema).min(1) });

type Question = NonNullable<PromptInfo['questions']>[number];

/**
 * A question prompt from AskUserQuestion's input (`questions[{question, header, options[{label}],
 * multiSelect}]`). `options` are the first question's labels; ready once there are any. A malformed
 * input still gives a question prompt, just without its questions.
 */
export function toQuestionPrompt(input: unknown): PromptInfo {
  const parsed = QuestionInputSchema.safeParse(input);
  if (!parsed.success) return { kind: 'question', options: [], ready: false };
  const questions = parsed.data.questions.map((q): Question => {
    const question: Question = {
      question: q.question,
      options: (q.options ?? []).map((o) => (typeof o === 'string' ? o : o.label)),
    };
    if (q.header !== undefined) question.header = q.header;
    if (q.multiSelect !== undefined) question.multiSelect = q.multiSelect;
    return question;
  });
  const first = questions[0];
  const options = first?.options ?? [];
  return {
    kind: 'question',
    input: truncate(first?.question ?? ''),
    options,
    questions,
    ready: options.length > 0,
  };
}

/** A plan prompt from ExitPlanMode's input; its options are only known from the screen. */
export function toPlanPrompt(input: unknown): PromptInfo {
  const plan = summarizeToolInput(input);
  return {
    kind: 'plan',
    ...(plan === undefined ? {} : { input: plan }),
    options: [],
    ready: false,
  };
}

/** A permission prompt for `tool`; its options are only known from the screen. */
export function toPermissionPrompt(tool: string | undefined, input: unknown): PromptInfo {
  const summary = summarizeToolInput(input);
  return {
    kind: 'permission',
    ...(tool === undefined ? {} : { tool }),
    ...(summary === undefined ? {} : { input: summary }),
    options: [],
    ready: false,
  };
}

/** The dialog a tool call opens: question and plan tools open their own, anything else a permission check. */
export function toToolPrompt(tool: string, input: unknown): PromptInfo {
  if (tool === QUESTION_TOOL) return toQuestionPrompt(input);
  if (tool === PLAN_TOOL) return toPlanPrompt(input);
  return toPermissionPrompt(tool, input);
}
