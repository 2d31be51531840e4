// Screen heuristics on hand-written Claude Code 2.1.x screens, and the idle pattern for other agents.
import { describe, expect, it } from 'vitest';
import { classifyScreen } from './classify-screen.js';
import * as screens from './screen.fixtures.js';

describe('classifyScreen for claude', () => {
  it.each([
    ['an empty input box between rules', screens.IDLE_EMPTY],
    ['a draft in the input box', screens.IDLE_WITH_DRAFT],
    ['the input box recognised by its footer', screens.IDLE_FOOTER_ONLY],
  ])('reports idle for %s', (_what, lines) => {
    expect(classifyScreen(lines, 'claude')).toEqual({
      state: 'idle',
      tier: 4,
      cause: 'screen:idle',
    });
  });

  it.each([
    ['a turn in progress (spinner above the box)', screens.WORKING],
    ['a transcript line with the prompt mark outside the box', screens.TRANSCRIPT_ONLY],
    ['one setup phrase in ordinary output', screens.ONE_SETUP_PHRASE],
    ['an empty screen', []],
  ])('reports nothing for %s', (_what, lines) => {
    expect(classifyScreen(lines, 'claude')).toBeUndefined();
  });

  it('reads a Bash permission dialog: tool, command and options', () => {
    expect(classifyScreen(screens.PERMISSION_BASH, 'claude')).toEqual({
      state: 'prompt',
      tier: 4,
      cause: 'screen:permission',
      prompt: {
        kind: 'permission',
        tool: 'Bash',
        input: 'npm test\nRun the test suite',
        options: [
          'Yes',
          "Yes, and don't ask again for npm test commands in /work/app",
          'No, and tell Claude what to do differently (esc)',
        ],
        ready: true,
      },
    });
  });

  it('reads an Edit permission dialog with the cursor on option 2', () => {
    expect(classifyScreen(screens.PERMISSION_EDIT, 'claude')?.prompt).toEqual({
      kind: 'permission',
      tool: 'Edit',
      input: 'src/parser.ts',
      options: [
        'Yes',
        'Yes, allow all edits during this session (shift+tab)',
        'No, and tell Claude what to do differently (esc)',
      ],
      ready: true,
    });
  });

  it('ignores a permission question with no options drawn (it may be the agent’s own text)', () => {
    expect(classifyScreen(screens.PERMISSION_NO_CURSOR, 'claude')).toBeUndefined();
  });

  it('reads a plan dialog: the plan as input and the four options, not the plan’s own list', () => {
    expect(classifyScreen(screens.PLAN, 'claude')).toEqual({
      state: 'prompt',
      tier: 4,
      cause: 'screen:plan',
      prompt: {
        kind: 'plan',
        input: '# Parser plan\n1. Write the tokenizer\n2. Add tests for nested lists',
        options: [
          'Yes, clear context and auto-accept edits (shift+tab)',
          'Yes, auto-accept edits',
          'Yes, manually approve edits',
          'Type here to tell Claude what to change',
        ],
        ready: true,
      },
    });
  });

  it('reads a question dialog: header, question, labels, and every numbered option', () => {
    expect(classifyScreen(screens.QUESTION, 'claude')).toEqual({
      state: 'prompt',
      tier: 4,
      cause: 'screen:question',
      prompt: {
        kind: 'question',
        input: 'Which framework should we use?',
        options: ['React', 'Vue', 'Type something.', 'Chat about this'],
        questions: [
          {
            header: 'Framework',
            question: 'Which framework should we use?',
            options: ['React', 'Vue'],
            multiSelect: false,
          },
        ],
        ready: true,
      },
    });
  });

  it('reads a multi-select question on its second tab', () => {
    expect(classifyScreen(screens.QUESTION_MULTI, 'claude')?.prompt).toEqual({
      kind: 'question',
      input: 'Which extras do you want?',
      options: ['Router', 'Store', 'Type something.', 'Chat about this'],
      questions: [
        {
          header: 'Extras',
          question: 'Which extras do you want?',
          options: ['Router', 'Store'],
          multiSelect: true,
        },
      ],
      ready: true,
    });
  });

  it.each([
    ['trust', screens.TRUST, ['Yes, proceed', 'No, exit']],
    [
      'theme',
      screens.THEME,
      [
        'Dark mode ✔',
        'Light mode',
        'Dark mode (colorblind-friendly)',
        'Light mode (colorblind-friendly)',
      ],
    ],
    [
      'login',
      screens.LOGIN,
      [
        'Claude account with subscription · Pro, Max, Team, or Enterprise',
        'Anthropic Console account · API usage billing',
        '3rd-party platform · Amazon Bedrock, Microsoft Foundry, or Vertex AI',
      ],
    ],
    [
      'terminal_setup',
      screens.TERMINAL_SETUP,
      ['Yes, use recommended settings', 'No, maybe later with /terminal-setup'],
    ],
    ['security_notes', screens.SECURITY_NOTES, []],
  ])('reads the %s start-up dialog', (subtype, lines, options) => {
    expect(classifyScreen(lines, 'claude')).toEqual({
      state: 'prompt',
      tier: 4,
      cause: `screen:${subtype}`,
      prompt: { kind: 'setup', subtype, options, ready: true },
    });
  });

  it('prefers idle to a setup dialog when the transcript quotes two setup phrases', () => {
    const lines = [...screens.IDLE_EMPTY];
    lines.splice(4, 0, '⏺ The theme picker says "Choose the text style" and offers Dark mode.');
    expect(classifyScreen(lines, 'claude')?.state).toBe('idle');
  });
});

describe('classifyScreen for other agents', () => {
  const codexIdle = [
    '>_ OpenAI Codex (v0.46.0)',
    '',
    '› Summarize recent commits',
    '',
    '  ⏎ send   ⌃J newline',
  ];

  it.each([
    ['codex', /⏎ send/],
    ['generic', /^\$ $|⏎ send/m],
    ['generic', /⏎ send/g],
  ] as const)('reports idle for %s when a line matches %s', (driver, idlePattern) => {
    expect(classifyScreen(codexIdle, driver, { idlePattern })).toEqual({
      state: 'idle',
      tier: 4,
      cause: 'screen:idle-pattern',
    });
  });

  it('matches a global pattern on every call, not every other one', () => {
    const idlePattern = /⏎ send/g;
    expect(classifyScreen(codexIdle, 'generic', { idlePattern })).toBeDefined();
    expect(classifyScreen(codexIdle, 'generic', { idlePattern })).toBeDefined();
  });

  it.each([
    ['no pattern', undefined],
    ['a pattern that does not match', { idlePattern: /\$ $/ }],
  ])('reports nothing with %s', (_what, opts) => {
    expect(classifyScreen(codexIdle, 'generic', opts)).toBeUndefined();
  });

  it('does not read Claude dialogs on a generic screen', () => {
    expect(classifyScreen(screens.PERMISSION_BASH, 'generic')).toBeUndefined();
  });
});
