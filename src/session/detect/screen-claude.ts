// Tier 4 for Claude Code: the idle input box, the permission / plan / question dialogs and the
// start-up dialogs, read from the rendered screen. Wording is from Claude Code 2.1.27–2.1.29.
import { truncate } from './text.js';
import { contentLines, findLastLine, findOptionBlock } from './screen-lines.js';
import type { Emission, PromptInfo } from './types.js';

const PROMPT_MARK = '❯';
/** The input box's rules; dashed `╌` rules belong to dialogs. */
const BOX_RULE = /^\s*─{3,}/;
const IDLE_FOOTER = '? for shortcuts';
/** The spinner line while a turn runs; the input box stays drawn under it, so this vetoes idle. */
const BUSY_PATTERN = /esc to interrupt/i;
// Lines a multi-line draft in the input box may take before its bottom rule.
const MAX_INPUT_LINES = 12;

const PERMISSION_QUESTION = /^Do you want to .+\?$/;
const PLAN_TITLE = 'Ready to code?';
const PLAN_INTRO = "Here is Claude's plan:";
const PLAN_QUESTION = 'Would you like to proceed?';
const QUESTION_HEADER = '☐';
const QUESTION_FREE_TEXT = 'Type something.';
const QUESTION_CHAT = 'Chat about this';
const QUESTION_PROGRESS = /^Question \d+\/\d+/;
const CHECKBOX = /^\[[ xX✔✓]\]\s*/;

/** Permission dialog headers → the tool's name as hooks report it; others keep the header text. */
const TOOL_HEADERS: readonly [RegExp, string][] = [
  [/^Bash command\b/, 'Bash'],
  [/^Edit file\b/, 'Edit'],
  [/^(?:Create|Write) file\b/, 'Write'],
  [/^Read file\b/, 'Read'],
  [/^Edit notebook\b/, 'NotebookEdit'],
  [/^Fetch\b/, 'WebFetch'],
  [/^Web search\b/i, 'WebSearch'],
];

/**
 * Start-up and setup dialogs, each recognised by at least two of its phrases so a transcript that
 * mentions one phrase is not mistaken for the dialog. Login comes first: it must never be
 * auto-dismissed, so it must never be mistaken for a harmless one.
 */
const SETUP_DIALOGS: readonly { subtype: string; phrases: string[] }[] = [
  {
    subtype: 'login',
    phrases: [
      'Select login method',
      'Claude account with subscription',
      'Anthropic Console account',
      '3rd-party platform',
    ],
  },
  {
    subtype: 'trust',
    phrases: [
      'Do you trust the files in this folder?',
      'Is this a project you created or one you trust',
      'Yes, proceed',
      'Yes, I trust this folder',
      'Claude Code may read, write, or execute files',
    ],
  },
  {
    subtype: 'bypass_permissions',
    phrases: ['Bypass Permissions mode', 'Yes, I accept', 'No, exit'],
  },
  {
    subtype: 'api_key',
    phrases: ['Detected a custom API key', 'Do you want to use this API key?'],
  },
  {
    subtype: 'theme',
    phrases: [
      'Choose the text style',
      'Dark mode',
      'Light mode',
      "Let's get started",
      'run /theme',
    ],
  },
  {
    subtype: 'terminal_setup',
    phrases: [
      "Use Claude Code's terminal setup?",
      'Shift+Enter',
      'Yes, use recommended settings',
      '/terminal-setup',
    ],
  },
  {
    subtype: 'security_notes',
    phrases: [
      'Security notes:',
      'Claude can make mistakes',
      'prompt injection',
      'Press Enter to continue',
    ],
  },
];
const MIN_SETUP_PHRASES = 2;

/**
 * Pure. The idle input box first (so transcript text never reads as a dialog), then the plan,
 * question and permission dialogs, then the start-up dialogs. A dialog counts only once its
 * numbered options and cursor are drawn (so its prompts are always `ready`): "Do you want to
 * proceed?" in the agent's own text is not a dialog. Undefined when nothing is recognised.
 */
export function classifyClaudeScreen(lines: readonly string[]): Emission | undefined {
  if (isIdle(lines)) return { state: 'idle', tier: 4, cause: 'screen:idle' };
  const prompt =
    readPlan(lines) ?? readQuestion(lines) ?? readPermission(lines) ?? readSetup(lines);
  if (prompt === undefined) return undefined;
  return { state: 'prompt', tier: 4, cause: `screen:${prompt.subtype ?? prompt.kind}`, prompt };
}

/** A `❯` line (not `❯ 1.`) in the input box between `─` rules, or with the `? for shortcuts` footer. */
function isIdle(lines: readonly string[]): boolean {
  return !lines.some((l) => BUSY_PATTERN.test(l)) && hasInputBox(lines);
}

/** The input box is drawn (idle or busy); start-up dialogs come before it ever is. */
function hasInputBox(lines: readonly string[]): boolean {
  const footer = lines.some(
    (l) => l.trim() === IDLE_FOOTER || l.trim().startsWith(`${IDLE_FOOTER} `),
  );
  return lines.some((line, i) => {
    const text = line.trimStart();
    if (!text.startsWith(PROMPT_MARK) || /^\s*\d/.test(text.slice(PROMPT_MARK.length)))
      return false;
    return footer || isBetweenRules(lines, i);
  });
}

function isBetweenRules(lines: readonly string[], i: number): boolean {
  if (!BOX_RULE.test(lines[i - 1] ?? '')) return false;
  const below = lines.slice(i + 1, i + 1 + MAX_INPUT_LINES);
  return below.some((l) => BOX_RULE.test(l));
}

function readPlan(lines: readonly string[]): PromptInfo | undefined {
  const title = findLastLine(lines, (l) => l.includes(PLAN_TITLE));
  const intro = findLastLine(lines, (l) => l.includes(PLAN_INTRO));
  if (title < 0 && intro < 0) return undefined;
  const block = findOptionBlock(lines);
  const start = Math.max(title, intro) + 1;
  if (block === undefined || block.first < start) return undefined;
  const question = findLastLine(lines, (l) => l === PLAN_QUESTION);
  const end = question >= start ? question : block.first;
  const plan = contentLines(lines, start, end).join('\n');
  return {
    kind: 'plan',
    ...(plan === '' ? {} : { input: truncate(plan) }),
    options: block.options,
    ready: true,
  };
}

function readQuestion(lines: readonly string[]): PromptInfo | undefined {
  const headerLine = findLastLine(lines, (l) => l.includes(`${QUESTION_HEADER} `));
  if (headerLine < 0) return undefined;
  const block = findOptionBlock(lines);
  if (block === undefined || block.first < headerLine) return undefined;
  if (!block.options.includes(QUESTION_FREE_TEXT)) return undefined;
  const header = /☐\s+(.+?)(?:\s{2,}|\s*[☐☒✔✓→]|$)/.exec(lines[headerLine] ?? '')?.[1];
  const question = contentLines(lines, headerLine + 1, block.first).find(
    (l) => !QUESTION_PROGRESS.test(l),
  );
  const multiSelect = block.options.some((o) => CHECKBOX.test(o));
  const options = block.options.map((o) => o.replace(CHECKBOX, ''));
  const labels = options.filter((o) => o !== QUESTION_FREE_TEXT && o !== QUESTION_CHAT);
  const prompt: PromptInfo = { kind: 'question', options, ready: true };
  if (question !== undefined) {
    prompt.input = truncate(question);
    prompt.questions = [
      { ...(header === undefined ? {} : { header }), question, options: labels, multiSelect },
    ];
  }
  return prompt;
}

function readPermission(lines: readonly string[]): PromptInfo | undefined {
  const ask = findLastLine(lines, (l) => PERMISSION_QUESTION.test(l));
  if (ask < 0) return undefined;
  const block = findOptionBlock(lines);
  if (block === undefined || block.first < ask) return undefined;
  // The tool header is the first line under the rule that opens the dialog.
  const top = findLastLine(lines, (l) => BOX_RULE.test(l), ask);
  const [header, ...detail] = top < 0 ? [] : contentLines(lines, top + 1, ask);
  const prompt: PromptInfo = { kind: 'permission', options: block.options, ready: true };
  if (header !== undefined) {
    const known = TOOL_HEADERS.find(([pattern]) => pattern.test(header));
    prompt.tool = known?.[1] ?? header;
    const rest = known === undefined ? '' : header.replace(known[0], '').trim();
    const input = rest !== '' ? rest : detail.join('\n');
    if (input !== '') prompt.input = truncate(input);
  }
  return prompt;
}

function readSetup(lines: readonly string[]): PromptInfo | undefined {
  if (hasInputBox(lines)) return undefined;
  const text = lines.join('\n').toLowerCase();
  const dialog = SETUP_DIALOGS.find(
    (d) => d.phrases.filter((p) => text.includes(p.toLowerCase())).length >= MIN_SETUP_PHRASES,
  );
  if (dialog === undefined) return undefined;
  return {
    kind: 'setup',
    subtype: dialog.subtype,
    options: findOptionBlock(lines)?.options ?? [],
    ready: true,
  };
}
