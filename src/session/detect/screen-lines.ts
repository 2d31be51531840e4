// Reading a rendered terminal screen: rules, the dialog cursor, and the numbered option block a
// dialog shows. Pure helpers for the screen heuristics.

/** `❯ 2. Yes` or `  3. No`: a numbered dialog option, with or without the cursor. */
const OPTION_PATTERN = /^\s*(❯\s*)?(\d+)\.\s+(.*)$/;
/** A horizontal rule: the input box's `───` or a dialog's dashed `╌╌╌`. */
const RULE_PATTERN = /^\s*[─━╌┄-]{3,}/;
// Lines an option may be separated from the next by: a wrapped label, a description, a rule.
const MAX_OPTION_GAP = 4;

export interface OptionLine {
  n: number;
  label: string;
  cursor: boolean;
}

export function parseOptionLine(line: string): OptionLine | undefined {
  const m = OPTION_PATTERN.exec(line);
  if (m === null) return undefined;
  return { n: Number(m[2]), label: (m[3] ?? '').trim(), cursor: m[1] !== undefined };
}

export function isRule(line: string): boolean {
  return RULE_PATTERN.test(line);
}

/** Index of the dialog cursor line (`❯` followed by a digit), searching from the bottom. */
export function findCursorLine(lines: readonly string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) {
    if (parseOptionLine(lines[i] ?? '')?.cursor) return i;
  }
  return -1;
}

export interface OptionBlock {
  /** Labels in option order; option n is `options[n - 1]`. */
  options: string[];
  /** Line index of option 1 and of the last option. */
  first: number;
  last: number;
}

/**
 * The numbered options around the dialog cursor: from the cursor's option up to 1 and down while
 * the numbers continue, skipping a few description lines between them. Numbered lines elsewhere on
 * screen (a plan's own "1. …" list) are not consecutive with the cursor's block and stay out.
 * Undefined when there is no cursor or the block does not start at 1.
 */
export function findOptionBlock(lines: readonly string[]): OptionBlock | undefined {
  const at = findCursorLine(lines);
  if (at < 0) return undefined;
  const cursor = parseOptionLine(lines[at] ?? '');
  if (cursor === undefined) return undefined;
  const found = new Map<number, { index: number; label: string }>([
    [cursor.n, { index: at, label: cursor.label }],
  ]);
  let first = at;
  for (let n = cursor.n - 1, i = at - 1; n >= 1; n--) {
    const hit = seek(lines, i, -1, n);
    if (hit === undefined) return undefined;
    found.set(n, hit);
    first = hit.index;
    i = hit.index - 1;
  }
  let last = at;
  for (let n = cursor.n + 1, i = at + 1; ; n++) {
    const hit = seek(lines, i, 1, n);
    if (hit === undefined) break;
    found.set(n, hit);
    last = hit.index;
    i = hit.index + 1;
  }
  const options = [...found.keys()].sort((a, b) => a - b).map((n) => found.get(n)?.label ?? '');
  return { options, first, last };
}

/** The option numbered `n` within MAX_OPTION_GAP lines of `from`, walking in `step` direction. */
function seek(
  lines: readonly string[],
  from: number,
  step: 1 | -1,
  n: number,
): { index: number; label: string } | undefined {
  for (let k = 0, i = from; k <= MAX_OPTION_GAP && i >= 0 && i < lines.length; k++, i += step) {
    const option = parseOptionLine(lines[i] ?? '');
    if (option === undefined) continue;
    return option.n === n ? { index: i, label: option.label } : undefined;
  }
  return undefined;
}

/** Trimmed non-empty, non-rule lines from `start` (inclusive) to `end` (exclusive). */
export function contentLines(lines: readonly string[], start: number, end: number): string[] {
  return lines
    .slice(Math.max(start, 0), Math.max(end, 0))
    .map((l) => l.trim())
    .filter((l) => l !== '' && !isRule(l));
}

/** Index of the last line whose trimmed text satisfies `test`, or -1. */
export function findLastLine(
  lines: readonly string[],
  test: (line: string) => boolean,
  before = lines.length,
): number {
  for (let i = Math.min(before, lines.length) - 1; i >= 0; i--) {
    if (test((lines[i] ?? '').trim())) return i;
  }
  return -1;
}
