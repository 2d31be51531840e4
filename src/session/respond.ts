// How an answer to a dialog becomes keystrokes (agents.md §2 "Respond encoding"): option numbers,
// never raw `y`, and an Enter apart from any typed text. Pure: returns the writes and pauses as data.
import type { PromptInfo, ReplyErrorCode } from './protocol.js';

/** One step of typing into the PTY: bytes to write, or a pause (ms) before the next write. */
export type InputStep = { write: string } | { pause: number };

export interface RespondRequest {
  accept?: boolean;
  option?: number;
  text?: string;
  answers?: { option?: number; text?: string }[];
}

export type RespondPlan =
  | { ok: true; steps: InputStep[]; option?: number; text?: string }
  | { ok: false; code: ReplyErrorCode; reason: string };

// Claude's plan dialog: 1 clear context + auto-accept, 2 auto-accept edits, 3 manual, 4 revise.
const PLAN_REVISE_OPTION = 4;

/**
 * The keystrokes that answer `prompt` as `req` asks (options are 1-based; accept:true = 1,
 * accept:false = the "No" option). `pauseFor(text)` is the pause after typing `text`. Pure.
 */
export function planResponse(
  prompt: PromptInfo,
  req: RespondRequest,
  pauseFor: (text: string) => number,
): RespondPlan {
  const typed = (text: string): InputStep[] => [{ write: text }, { pause: pauseFor(text) }];
  const single = req.answers?.length === 1 ? req.answers[0] : undefined;
  if (single?.option !== undefined)
    return planResponse(prompt, { option: single.option }, pauseFor);
  if (req.answers) {
    if (prompt.kind !== 'question')
      return bad(`"answers" is for question prompts; this is a ${prompt.kind} prompt`);
    const steps: InputStep[] = [];
    for (const [i, answer] of req.answers.entries()) {
      if (answer.option !== undefined) {
        const err = checkRange(optionsOf(prompt, i), answer.option, prompt.kind);
        if (err) return err;
        steps.push(...typed(String(answer.option)));
      } else if (answer.text !== undefined) steps.push(...typed(answer.text));
      else return bad(`answer ${i + 1} needs "option" or "text"`);
    }
    return { ok: true, steps: [...steps, { write: '\r' }] };
  }
  if (req.option !== undefined) {
    const err = checkRange(prompt.options, req.option, prompt.kind);
    if (err) return err;
    if (prompt.kind === 'plan' && req.text !== undefined && req.option === reviseOption(prompt))
      return revise(prompt, req.text, pauseFor);
    return { ok: true, steps: [{ write: `${req.option}\r` }], option: req.option };
  }
  if (req.accept === true) return { ok: true, steps: [{ write: '1\r' }], option: 1 };
  if (req.accept === false) {
    const no = prompt.options.findIndex((o) => /^no\b/i.test(labelOf(o)));
    if (no >= 0) return { ok: true, steps: [{ write: `${no + 1}\r` }], option: no + 1 };
    if (!prompt.ready)
      return {
        ok: false,
        code: 'NOT_READY',
        reason: `the ${prompt.kind} prompt's options are not on screen yet; retry shortly or pass an option number`,
      };
    return bad(
      `the ${prompt.kind} prompt has no "No" option (${listOptions(prompt.options)}); pass an option number${prompt.kind === 'plan' ? ' or text to revise the plan' : ''}`,
    );
  }
  if (req.text !== undefined) {
    if (prompt.kind === 'plan') return revise(prompt, req.text, pauseFor);
    return { ok: true, steps: [...typed(req.text), { write: '\r' }], text: req.text };
  }
  return bad('respond needs one of "accept", "option", "text" or "answers"');
}

/** Plan revision: pick the free-text option, pause, then type the text and Enter apart. */
function revise(prompt: PromptInfo, text: string, pauseFor: (text: string) => number): RespondPlan {
  const option = reviseOption(prompt);
  const typed = (t: string): InputStep[] => [{ write: t }, { pause: pauseFor(t) }];
  return {
    ok: true,
    steps: [{ write: `${option}\r` }, { pause: pauseFor('') }, ...typed(text), { write: '\r' }],
    option,
    text,
  };
}

function reviseOption(prompt: PromptInfo): number {
  return prompt.ready && prompt.options.length >= PLAN_REVISE_OPTION
    ? prompt.options.length
    : PLAN_REVISE_OPTION;
}

/** The options of question `i` when known (several questions), else the prompt's options. */
function optionsOf(prompt: PromptInfo, i: number): string[] {
  const q = prompt.questions?.[i];
  // A question's own options plus "Type something." and "Chat about this".
  return q ? [...q.options, 'Type something.', 'Chat about this'] : prompt.options;
}

function checkRange(options: string[], option: number, kind: string): RespondPlan | undefined {
  if (options.length === 0 || option <= options.length) return undefined; // unknown: trust the caller
  return bad(
    `option ${option} is out of range: the ${kind} prompt has ${options.length} options (${listOptions(options)})`,
  );
}

function labelOf(option: string): string {
  return option.replace(/^\s*\d+[.)]\s*/, '').trim();
}

function listOptions(options: string[]): string {
  return options.map((o, i) => `${i + 1}. ${labelOf(o)}`).join(', ');
}

function bad(reason: string): RespondPlan {
  return { ok: false, code: 'BAD_REQUEST', reason };
}
