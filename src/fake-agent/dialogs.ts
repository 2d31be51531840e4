// Dialogs of the fake TUI and how keys answer them: a digit moves the `❯` cursor, Enter confirms,
// Esc cancels; an optional free-text option takes typed text. AskUserQuestion with several
// questions takes one digit per question, then Enter on the review screen (the respond encoding).
import type { AgentContext } from './context.js';
import type { Key } from './keys.js';
import { questionPanel, reviewPanel } from './panels.js';
import type { QuestionView } from './panels.js';

export type Choice = { option: number; text?: string } | 'escape';

export interface ChoiceDialog {
  count: number;
  /** The option that takes typed text (plan "tell Claude what to change"), if any. */
  textOption?: number;
  render(cursor: number, typed: string | undefined): string[];
}

/** Shows a single-choice dialog and resolves with the confirmed option. */
export function choose(ctx: AgentContext, dialog: ChoiceDialog): Promise<Choice> {
  return new Promise((resolve) => {
    let cursor = 1;
    let typed: string | undefined;
    const draw = (): void => ctx.screen.panel(dialog.render(cursor, typed));
    const done = (choice: Choice): void => {
      ctx.input.closeDialog();
      ctx.setState('working');
      resolve(choice);
    };
    const onKey = (key: Key): void => {
      if (key.kind === 'escape') return done('escape');
      if (typed !== undefined && (key.kind === 'text' || key.kind === 'paste')) typed += key.text;
      else if (key.kind === 'text' && /^\d+$/.test(key.text)) {
        for (const digit of key.text) {
          const n = Number(digit);
          if (n >= 1 && n <= dialog.count) cursor = n;
        }
        if (cursor === dialog.textOption) typed = '';
      } else if ((key.kind === 'text' || key.kind === 'paste') && dialog.textOption) {
        cursor = dialog.textOption;
        typed = key.text;
      } else if (key.kind === 'backspace' && typed !== undefined) typed = typed.slice(0, -1);
      else if (key.kind === 'up') cursor = Math.max(1, cursor - 1);
      else if (key.kind === 'down') cursor = Math.min(dialog.count, cursor + 1);
      else if (key.kind === 'enter') {
        if (cursor !== dialog.textOption) return done({ option: cursor });
        // The text option needs text: `4\r`, then `feedback\r` (how oj sends a plan revision).
        if (typed) return done({ option: cursor, text: typed });
        typed = '';
      } else return;
      draw();
    };
    ctx.setState('prompt');
    ctx.input.openDialog(onKey);
    draw();
  });
}

/** AskUserQuestion: resolves with one answer (label or typed text) per question, or declined. */
export function askQuestions(
  ctx: AgentContext,
  questions: readonly QuestionView[],
): Promise<string[] | 'declined'> {
  return new Promise((resolve) => {
    const answers: string[] = [];
    let index = 0;
    let cursor = 1;
    let typed: string | undefined;
    const several = questions.length > 1;
    const current = (): QuestionView => questions[index] as QuestionView;
    const reviewing = (): boolean => index >= questions.length;
    const draw = (): void =>
      ctx.screen.panel(
        reviewing()
          ? reviewPanel(questions, answers, 1, ctx.screen.width)
          : questionPanel(questions, index, cursor, typed, ctx.screen.width),
      );
    const finish = (result: string[] | 'declined'): void => {
      ctx.input.closeDialog();
      ctx.setState('working');
      resolve(result);
    };
    const answer = (value: string): void => {
      answers[index] = value;
      index++;
      cursor = 1;
      typed = undefined;
      if (reviewing() && !several) finish(answers);
    };
    const onKey = (key: Key): void => {
      if (key.kind === 'escape') return finish('declined');
      if (reviewing()) {
        if (key.kind === 'enter') return finish(answers);
        if (key.kind === 'text' && key.text === '2') return finish('declined');
        return;
      }
      const n = current().options.length;
      if (typed !== undefined && (key.kind === 'text' || key.kind === 'paste')) typed += key.text;
      else if (key.kind === 'text' && /^\d+$/.test(key.text)) {
        for (const digit of key.text) {
          if (reviewing()) break;
          const pick = Number(digit);
          if (pick === n + 2) return finish('declined'); // "Chat about this"
          if (pick === n + 1) typed = '';
          else if (pick >= 1 && pick <= n) {
            cursor = pick;
            // With several questions a digit answers and moves on; Enter submits at the end.
            if (several) answer(labelOf(current(), pick));
          }
        }
      } else if (key.kind === 'text' || key.kind === 'paste') typed = key.text;
      else if (key.kind === 'backspace' && typed !== undefined) typed = typed.slice(0, -1);
      else if (key.kind === 'up') cursor = Math.max(1, cursor - 1);
      else if (key.kind === 'down') cursor = Math.min(n, cursor + 1);
      else if (key.kind === 'enter') {
        if (typed === undefined) answer(labelOf(current(), cursor));
        else if (typed) answer(typed);
      } else return;
      if (index < questions.length || several) draw();
    };
    ctx.setState('prompt');
    ctx.input.openDialog(onKey);
    draw();
  });
}

function labelOf(question: QuestionView, option: number): string {
  return question.options[option - 1]?.label ?? '';
}
