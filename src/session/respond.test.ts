import { describe, expect, it } from 'vitest';
import { planResponse } from './respond.js';
import type { InputStep, RespondRequest } from './respond.js';
import type { PromptInfo } from './protocol.js';

const pause = (text: string): number => 10 + text.length;

const permission: PromptInfo = {
  kind: 'permission',
  tool: 'Bash',
  options: ['Yes', "Yes, and don't ask again for npm test", 'No'],
  ready: true,
};
const setup: PromptInfo = {
  kind: 'setup',
  subtype: 'trust',
  options: ['Yes, proceed', 'No, exit'],
  ready: true,
};
const plan: PromptInfo = {
  kind: 'plan',
  options: [
    'Yes, clear context',
    'Yes, auto-accept edits',
    'Yes, manually approve',
    'No, keep planning',
  ],
  ready: true,
};
const question: PromptInfo = {
  kind: 'question',
  options: ['Red', 'Blue', 'Type something.', 'Chat about this'],
  questions: [
    { question: 'Colour?', options: ['Red', 'Blue'] },
    { question: 'Size?', options: ['S', 'M', 'L'] },
  ],
  ready: true,
};
const unready: PromptInfo = { kind: 'permission', options: [], ready: false };

function writes(steps: InputStep[]): string[] {
  return steps.map((s) => ('write' in s ? s.write : `<pause ${s.pause}>`));
}

describe('planResponse', () => {
  it.each<[string, PromptInfo, RespondRequest, string[]]>([
    ['accept = option 1', permission, { accept: true }, ['1\r']],
    ['reject = the "No" option', permission, { accept: false }, ['3\r']],
    ['an option number', permission, { option: 2 }, ['2\r']],
    ['setup reject', setup, { accept: false }, ['2\r']],
    ['plan option', plan, { option: 2 }, ['2\r']],
    ['plan reject = "No, keep planning"', plan, { accept: false }, ['4\r']],
    [
      'plan text = revise, pause, text, pause, Enter',
      plan,
      { text: 'smaller steps' },
      ['4\r', '<pause 10>', 'smaller steps', '<pause 23>', '\r'],
    ],
    ['one question option', question, { option: 2 }, ['2\r']],
    ['one answer is like an option', question, { answers: [{ option: 1 }] }, ['1\r']],
    [
      'several answers: digits apart, then Enter',
      question,
      { answers: [{ option: 2 }, { option: 3 }] },
      ['2', '<pause 11>', '3', '<pause 11>', '\r'],
    ],
    ['free text, then Enter apart', question, { text: 'green' }, ['green', '<pause 15>', '\r']],
  ])('%s', (_name, prompt, req, expected) => {
    const plan = planResponse(prompt, req, pause);
    expect(plan.ok && writes(plan.steps)).toEqual(expected);
  });

  it('refuses an option the dialog does not have, listing the ones it has', () => {
    expect(planResponse(permission, { option: 4 }, pause)).toEqual({
      ok: false,
      code: 'BAD_REQUEST',
      reason: expect.stringContaining(
        "has 3 options (1. Yes, 2. Yes, and don't ask again for npm test, 3. No)",
      ),
    });
  });

  it('says NOT_READY when a "No" is asked for before the options are on screen', () => {
    expect(planResponse(unready, { accept: false }, pause)).toMatchObject({
      ok: false,
      code: 'NOT_READY',
    });
    expect(planResponse(unready, { option: 3 }, pause)).toMatchObject({ ok: true });
  });

  it('refuses answers for a prompt that is not a question, and an empty request', () => {
    expect(
      planResponse(permission, { answers: [{ option: 1 }, { option: 2 }] }, pause),
    ).toMatchObject({
      ok: false,
      code: 'BAD_REQUEST',
    });
    expect(planResponse(permission, {}, pause)).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
  });
});
