// Hand-written Claude Code 2.1.x screens (rendered text, trailing spaces trimmed) for the screen
// heuristics' tests. Wording follows notes/agents.md §1 "What prompts look like on screen".

const RULE = '────────────────────────────────────────────────────────────';
const DASHES = '╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌';
const BANNER = [
  ' ▐▛███▜▌   Claude Code v2.1.29',
  '▝▜█████▛▘  Sonnet 4.5 · Claude Pro',
  '  ▘▘ ▝▝    /work/app',
  '',
];

export const IDLE_EMPTY = [
  ...BANNER,
  '❯ implement the parser',
  '',
  '⏺ Done. The parser handles nested lists and all 14 tests pass.',
  '',
  RULE,
  '❯',
  RULE,
  '  ? for shortcuts',
];

/** A draft typed into the box: still idle (the agent waits), with a different footer. */
export const IDLE_WITH_DRAFT = [
  ...BANNER,
  RULE,
  '❯ now add a test for',
  '  the empty input case',
  RULE,
  '  ⏵⏵ accept edits on (shift+tab to cycle)',
];

/** The input box without rules, recognised by its footer. */
export const IDLE_FOOTER_ONLY = [
  ...BANNER,
  '❯',
  '',
  '  ? for shortcuts                                  ◯ IDE connected',
];

/** A turn in progress: the box is drawn under the spinner, which must veto idle. */
export const WORKING = [
  ...BANNER,
  '❯ implement the parser',
  '',
  '⏺ Bash(npm test)',
  '  ⎿  Running…',
  '',
  '✶ Thinking… (esc to interrupt · 12s · ↓ 310 tokens)',
  '',
  RULE,
  '❯',
  RULE,
  '  ? for shortcuts',
];

/** A transcript line that starts with the prompt mark but sits outside the box. */
export const TRANSCRIPT_ONLY = [...BANNER, '❯ implement the parser', '', '⏺ Reading 3 files…'];

export const PERMISSION_BASH = [
  ...BANNER,
  '❯ run the tests',
  '',
  '⏺ Bash(npm test)',
  '',
  RULE,
  ' Bash command',
  '',
  '   npm test',
  '   Run the test suite',
  '',
  ' Do you want to proceed?',
  ' ❯ 1. Yes',
  "   2. Yes, and don't ask again for npm test commands in /work/app",
  '   3. No, and tell Claude what to do differently (esc)',
  '',
  ' Esc to cancel · Tab to amend',
];

export const PERMISSION_EDIT = [
  ...BANNER,
  RULE,
  ' Edit file src/parser.ts',
  DASHES,
  ' 12 -  return tokens;',
  ' 12 +  return tokens.filter(Boolean);',
  DASHES,
  ' Do you want to make this edit to parser.ts?',
  '   1. Yes',
  ' ❯ 2. Yes, allow all edits during this session (shift+tab)',
  '   3. No, and tell Claude what to do differently (esc)',
  '',
  ' Esc to cancel',
];

/** The dialog is drawn but the cursor line is not (yet): a permission prompt that is not ready. */
export const PERMISSION_NO_CURSOR = [
  ...BANNER,
  RULE,
  ' Bash command',
  '',
  '   rm -rf dist',
  '',
  ' Do you want to proceed?',
];

export const PLAN = [
  RULE,
  ' Ready to code?',
  '',
  " Here is Claude's plan:",
  DASHES,
  ' # Parser plan',
  '',
  ' 1. Write the tokenizer',
  ' 2. Add tests for nested lists',
  DASHES,
  '',
  ' Would you like to proceed?',
  '',
  ' ❯ 1. Yes, clear context and auto-accept edits (shift+tab)',
  '   2. Yes, auto-accept edits',
  '   3. Yes, manually approve edits',
  '   4. Type here to tell Claude what to change',
  '',
  ' ctrl-g to edit in Vim · ~/.claude/plans/parser-plan.md',
];

export const QUESTION = [
  ...BANNER,
  RULE,
  ' ☐ Framework',
  '',
  'Which framework should we use?',
  '',
  '❯ 1. React',
  '     Component-based UI library',
  '  2. Vue',
  '     Progressive framework',
  '  3. Type something.',
  RULE,
  '  4. Chat about this',
  '',
  'Enter to select · ↑/↓ to navigate · Esc to cancel',
];

export const QUESTION_MULTI = [
  RULE,
  ' ←  ☒ Framework  ☐ Extras  ✔ Submit  →',
  '',
  'Which extras do you want?',
  '',
  '  1. [✔] Router',
  '     Client-side routing',
  '❯ 2. [ ] Store',
  '  3. Type something.',
  RULE,
  '  4. Chat about this',
];

export const TRUST = [
  RULE,
  ' Do you trust the files in this folder?',
  '',
  ' /work/app',
  '',
  ' Claude Code may read, write, or execute files contained in this directory. This can pose security',
  ' risks, so only use files from trusted sources.',
  '',
  ' ❯ 1. Yes, proceed',
  '   2. No, exit',
  '',
  ' Enter to confirm · Esc to exit',
];

export const THEME = [
  " Let's get started.",
  '',
  ' Choose the text style that looks best with your terminal',
  ' To change this later, run /theme',
  '',
  ' ❯ 1. Dark mode ✔',
  '   2. Light mode',
  '   3. Dark mode (colorblind-friendly)',
  '   4. Light mode (colorblind-friendly)',
];

export const LOGIN = [
  ' Claude Code can be used with your Claude subscription or billed based on API usage through your',
  ' Console account.',
  '',
  ' Select login method:',
  '',
  ' ❯ 1. Claude account with subscription · Pro, Max, Team, or Enterprise',
  '   2. Anthropic Console account · API usage billing',
  '   3. 3rd-party platform · Amazon Bedrock, Microsoft Foundry, or Vertex AI',
];

export const TERMINAL_SETUP = [
  " Use Claude Code's terminal setup?",
  '',
  ' For the optimal coding experience, enable the recommended settings',
  ' for your terminal: Shift+Enter for newlines and visual bell',
  '',
  ' ❯ 1. Yes, use recommended settings',
  '   2. No, maybe later with /terminal-setup',
];

export const SECURITY_NOTES = [
  ' Security notes:',
  '',
  ' 1. Claude can make mistakes',
  '    You should always review Claude’s responses, especially when running code.',
  '',
  ' 2. Due to prompt injection risks, only use it with code you trust',
  '',
  ' Press Enter to continue…',
];

/** One setup phrase inside ordinary output is not a dialog. */
export const ONE_SETUP_PHRASE = [...BANNER, '⏺ I switched the app to Dark mode as you asked.'];
