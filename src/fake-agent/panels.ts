// The fake TUI's bottom panels as plain lines: the idle `❯` box, the working status, and the
// permission / question / plan / trust dialogs. Pure. The wording imitates Claude Code 2.1.x closely
// enough for oj's screen classifier (agents.md §1 "What prompts look like on screen").

export interface OptionView {
  label: string;
  description?: string;
}

const rule = (width: number): string => '─'.repeat(Math.max(1, width - 1));

export function idlePanel(buffer: string, width: number, hint?: string): string[] {
  const [first = '', ...rest] = buffer.split('\n');
  return [
    rule(width),
    `❯ ${first}`,
    ...rest.map((line) => `  ${line}`),
    rule(width),
    `  ${hint ?? '? for shortcuts'}`,
  ];
}

export function workingPanel(): string[] {
  return ['✻ Working… (esc to interrupt)'];
}

/** Numbered options with the `❯` cursor on `cursor` (1-based). */
export function optionLines(options: readonly OptionView[], cursor: number): string[] {
  const lines: string[] = [];
  options.forEach((option, i) => {
    const n = i + 1;
    lines.push(`${n === cursor ? '❯' : ' '} ${n}. ${option.label}`);
    if (option.description) lines.push(`     ${option.description}`);
  });
  return lines;
}

const TOOL_HEADERS: Record<string, string> = {
  Bash: 'Bash command',
  Edit: 'Edit file',
  Write: 'Write file',
};

/** The three permission choices; option 2's wording depends on the tool, as in Claude. */
export function permissionOptions(tool: string): OptionView[] {
  const always =
    tool === 'Edit' || tool === 'Write'
      ? 'Yes, allow all edits during this session (shift+tab)'
      : "Yes, and don't ask again for this command";
  return [{ label: 'Yes' }, { label: always }, { label: 'No' }];
}

export function permissionPanel(
  tool: string,
  detail: string,
  cursor: number,
  width: number,
): string[] {
  return [
    rule(width),
    ` ${TOOL_HEADERS[tool] ?? `${tool} tool`}`,
    '',
    ...detail.split('\n').map((line) => `   ${line}`),
    '',
    ' Do you want to proceed?',
    ...optionLines(permissionOptions(tool), cursor),
    '',
    ' Esc to cancel · Tab to amend',
  ];
}

export interface QuestionView {
  question: string;
  header: string;
  options: OptionView[];
}

/** AskUserQuestion: options, then "Type something." (N+1) and "Chat about this" (N+2). */
export function questionPanel(
  questions: readonly QuestionView[],
  index: number,
  cursor: number,
  typed: string | undefined,
  width: number,
): string[] {
  const q = questions[index] as QuestionView;
  const tabs =
    questions.length > 1
      ? [
          `←  ${questions.map((x, i) => `${i < index ? '✔' : '☐'} ${x.header}`).join('  ')}  ✔ Submit  →`,
        ]
      : [];
  const options = [
    ...q.options,
    { label: typed ?? 'Type something.' },
    { label: 'Chat about this' },
  ];
  return [
    rule(width),
    ...tabs,
    ` ☐ ${q.header}`,
    '',
    ` ${q.question}`,
    '',
    ...optionLines(options, cursor),
    '',
    ...(questions.length > 1 ? [` Question ${index + 1}/${questions.length} · Tab for next`] : []),
    ' Enter to select · ↑/↓ to navigate · Esc to cancel',
  ];
}

export function reviewPanel(
  questions: readonly QuestionView[],
  answers: readonly string[],
  cursor: number,
  width: number,
): string[] {
  return [
    rule(width),
    ' Review your answers',
    '',
    ...questions.map((q, i) => ` ● ${q.question} → ${answers[i] ?? ''}`),
    '',
    ' Ready to submit your answers?',
    ...optionLines([{ label: 'Submit answers' }, { label: 'Cancel' }], cursor),
  ];
}

export const PLAN_OPTIONS: OptionView[] = [
  { label: 'Yes, clear context and auto-accept edits (shift+tab)' },
  { label: 'Yes, auto-accept edits' },
  { label: 'Yes, manually approve edits' },
  { label: 'Type here to tell Claude what to change' },
];

export function planPanel(plan: string, cursor: number, typed: string | undefined, width: number) {
  const dashes = '╌'.repeat(Math.max(1, width - 1));
  const options = PLAN_OPTIONS.map((o, i) => (i === 3 && typed ? { label: typed } : o));
  return [
    rule(width),
    ' Ready to code?',
    '',
    " Here is Claude's plan:",
    dashes,
    ...plan.split('\n').map((line) => ` ${line}`),
    dashes,
    '',
    ' Would you like to proceed?',
    '',
    ...optionLines(options, cursor),
  ];
}

export function trustPanel(cwd: string, cursor: number, width: number): string[] {
  return [
    rule(width),
    ' Do you trust the files in this folder?',
    '',
    ` ${cwd}`,
    '',
    ' Claude Code may read, write, or execute files contained in this directory.',
    '',
    ...optionLines([{ label: 'Yes, proceed' }, { label: 'No, exit' }], cursor),
    '',
    ' Enter to confirm · Esc to exit',
  ];
}
