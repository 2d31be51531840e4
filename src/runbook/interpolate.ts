// `{name}` placeholders in runbook text: finding them, substituting them into plain text, and into
// shell commands, where each value is quoted for the exact shell context it lands in. Pure.
import { OjError } from '../errors/index.js';

/** One `{path}` in a text; `start`/`end` are offsets of the braces (end exclusive). */
export interface Placeholder {
  path: string;
  /** The first path segment: `bug` for `{bug.description}`. */
  root: string;
  start: number;
  end: number;
}

export type InterpolationErrorCode = 'UNKNOWN_VARIABLE' | 'UNSAFE_VALUE';

/** A placeholder that names no value, or a value that cannot be placed safely. */
export class InterpolationError extends OjError {
  declare readonly code: InterpolationErrorCode;
  /** The placeholder's path as written, e.g. `bug.title`. */
  readonly path: string;
  /** The paths that would have resolved at the level where the lookup failed. */
  readonly available: readonly string[];

  constructor(
    code: InterpolationErrorCode,
    path: string,
    message: string,
    available: readonly string[] = [],
  ) {
    super(code, message);
    this.path = path;
    this.available = available;
  }
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*)\}/g;

/**
 * Every `{name}` / `{a.b}` placeholder in `text`, in order. Not placeholders: `${NAME}` (shell
 * parameter expansion), `{{x}}` (Jinja-style text), a brace escaped by a backslash (`\{x}`), and
 * anything that is not an identifier path (`{print $1}`, `{a,b}`, `{1..3}`).
 */
export function findPlaceholders(text: string): Placeholder[] {
  const found: Placeholder[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const start = match.index;
    const end = start + match[0].length;
    const before = text[start - 1];
    if (before === '$' || (before === '{' && text[end] === '}') || isEscaped(text, start)) continue;
    const path = match[1] ?? '';
    found.push({ path, root: path.split('.')[0] ?? path, start, end });
  }
  return found;
}

/** True when an odd run of backslashes precedes `pos`. */
function isEscaped(text: string, pos: number): boolean {
  let count = 0;
  while (text[pos - 1 - count] === '\\') count++;
  return count % 2 === 1;
}

/**
 * Replaces placeholders in prose (prompts, paths, event names) with their values, unquoted: strings
 * as-is, arrays joined with spaces, objects as JSON. Throws InterpolationError for a missing value.
 */
export function interpolateText(text: string, vars: Readonly<Record<string, unknown>>): string {
  let out = '';
  let last = 0;
  for (const p of findPlaceholders(text)) {
    out += text.slice(last, p.start) + joined(resolve(p.path, vars, 'text'));
    last = p.end;
  }
  return out + text.slice(last);
}

/**
 * Replaces placeholders in a shell script so that every value arrives as data, never as code: each
 * is escaped for the quoting context around it (unquoted, '…', "…", $(…), `…`, here-documents).
 * Arrays in unquoted context become one word per element. Throws InterpolationError for a missing
 * value or one that cannot be placed safely (a here-document delimiter line, non-integer in $((…))).
 */
export function interpolateShell(script: string, vars: Readonly<Record<string, unknown>>): string {
  const placeholders = findPlaceholders(script);
  if (placeholders.length === 0) return script;
  const scan = scanShell(script, placeholders);
  let out = '';
  let last = 0;
  const rendered: string[] = [];
  for (const p of placeholders) {
    const slot = scan.slots.get(p.start) ?? { context: 'unquoted', inBacktick: false };
    const text = quoteFor(slot, resolve(p.path, vars, 'shell command'), p.path);
    rendered.push(text);
    out += script.slice(last, p.start) + text;
    last = p.end;
  }
  out += script.slice(last);
  checkHeredocs(out, scan.heredocs, placeholders, rendered);
  return out;
}

// ---- values ----------------------------------------------------------------------------------

function resolve(path: string, vars: Readonly<Record<string, unknown>>, where: string): unknown {
  const [root = '', ...rest] = path.split('.');
  if (!Object.hasOwn(vars, root) || vars[root] == null) {
    const names = Object.keys(vars).filter((name) => vars[name] != null);
    throw unknownVariable(path, names.sort(), where);
  }
  let value: unknown = vars[root];
  let walked = root;
  for (const segment of rest) {
    const parent = value;
    const isRecord = typeof parent === 'object' && parent !== null;
    // Own properties only, so `{x.constructor}` cannot reach the prototype.
    const next =
      isRecord && Object.hasOwn(parent, segment)
        ? (parent as Record<string, unknown>)[segment]
        : undefined;
    if (next == null) {
      const keys = isRecord ? Object.keys(parent).map((key) => `${walked}.${key}`) : [];
      throw unknownVariable(path, keys, where);
    }
    value = next;
    walked += `.${segment}`;
  }
  return value;
}

function unknownVariable(path: string, available: string[], where: string): InterpolationError {
  const list = available.length > 0 ? `available: ${available.join(', ')}` : 'none are available';
  const hint =
    where === 'shell command' ? ` (for literal braces in shell, write "{ ${path} }")` : '';
  return new InterpolationError(
    'UNKNOWN_VARIABLE',
    path,
    `unknown variable "{${path}}" in ${where}; ${list}${hint}`,
    available,
  );
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function joined(value: unknown): string {
  return Array.isArray(value) ? value.map(scalarText).join(' ') : scalarText(value);
}

function singleQuoted(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function quoteFor(slot: Slot, value: unknown, path: string): string {
  const text = joined(value);
  let quoted: string;
  switch (slot.context) {
    case 'unquoted':
      quoted = Array.isArray(value)
        ? value.map((v) => singleQuoted(scalarText(v))).join(' ')
        : singleQuoted(text);
      break;
    case 'single':
      quoted = text.replaceAll("'", `'\\''`);
      break;
    case 'double':
      quoted = text.replace(/[\\"$`]/g, '\\$&');
      break;
    case 'heredoc':
      quoted = text.replace(/[\\$`]/g, '\\$&');
      break;
    case 'heredoc-raw':
      quoted = text;
      break;
    case 'comment':
      // A line break would end the comment and run the rest of the value as code.
      quoted = singleQuoted(text.replaceAll('\n', ' '));
      break;
    case 'arith':
      if (!/^[+-]?\d+$/.test(text)) {
        throw new InterpolationError(
          'UNSAFE_VALUE',
          path,
          `"{${path}}" is inside $((…)) but its value "${text}" is not an integer`,
        );
      }
      quoted = text;
      break;
  }
  // Inside `…` the shell first strips one level of backslashes before \, ` and $.
  return slot.inBacktick ? quoted.replace(/[\\`$]/g, '\\$&') : quoted;
}

function checkHeredocs(
  out: string,
  bodies: readonly HeredocBody[],
  placeholders: readonly Placeholder[],
  rendered: readonly string[],
): void {
  // Output offset of a script offset that is not inside a placeholder.
  const toOut = (pos: number): number => {
    let shift = 0;
    placeholders.forEach((p, i) => {
      if (p.end <= pos) shift += (rendered[i]?.length ?? 0) - (p.end - p.start);
    });
    return pos + shift;
  };
  for (const body of bodies) {
    const inside = placeholders.filter((p) => p.start >= body.start && p.end <= body.end);
    if (inside.length === 0) continue;
    const lines = out.slice(toOut(body.start), toOut(body.end)).split('\n');
    const ends = lines.some(
      (line) => (body.stripTabs ? line.replace(/^\t+/, '') : line) === body.delim,
    );
    if (!ends) continue;
    const culprit =
      inside.find((p) => rendered[placeholders.indexOf(p)]?.includes(body.delim)) ?? inside[0];
    const path = culprit?.path ?? '';
    throw new InterpolationError(
      'UNSAFE_VALUE',
      path,
      `the value of "{${path}}" contains the line "${body.delim}", which would end the here-document early in shell command; choose a delimiter the value cannot contain`,
    );
  }
}

// ---- shell scanning --------------------------------------------------------------------------

/** Where a placeholder sits, as far as quoting is concerned. */
type ShellContext =
  'unquoted' | 'single' | 'double' | 'heredoc' | 'heredoc-raw' | 'comment' | 'arith';
interface Slot {
  context: ShellContext;
  inBacktick: boolean;
}

interface HeredocBody {
  delim: string;
  stripTabs: boolean;
  quoted: boolean;
  /** Script offsets of the body; `resume` is just past the delimiter line. */
  start: number;
  end: number;
  resume: number;
}

type FrameKind =
  | 'cmd'
  | 'subst'
  | 'arith'
  | 'backtick'
  | 'single'
  | 'double'
  | 'comment'
  | 'heredoc'
  | 'heredoc-raw';
interface Frame {
  kind: FrameKind;
  /** Open `(` inside `$(`/`$((`, so a subshell's `)` does not end the substitution. */
  parens: number;
  body?: HeredocBody;
}

const COMMANDISH: ReadonlySet<FrameKind> = new Set(['cmd', 'subst', 'arith', 'backtick']);
const WORD_BREAK = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>', '`']);
const DELIMITER_END = /[\s;&|<>()]/;

/** Walks the script once like a POSIX shell tokeniser, recording the context of each placeholder. */
function scanShell(
  script: string,
  placeholders: readonly Placeholder[],
): { slots: Map<number, Slot>; heredocs: HeredocBody[] } {
  const byStart = new Map(placeholders.map((p) => [p.start, p]));
  const slots = new Map<number, Slot>();
  const heredocs: HeredocBody[] = [];
  const pending: Omit<HeredocBody, 'start' | 'end' | 'resume'>[] = [];
  const stack: Frame[] = [{ kind: 'cmd', parens: 0 }];
  const top = (): Frame => stack[stack.length - 1] ?? { kind: 'cmd', parens: 0 };
  const push = (kind: FrameKind): void => void stack.push({ kind, parens: 0 });
  const hasBacktick = (): boolean => stack.some((f) => f.kind === 'backtick');
  const popThrough = (kind: FrameKind): void => {
    while (stack.length > 1 && stack.pop()?.kind !== kind);
  };
  const startHeredoc = (at: number): void => {
    const next = pending.shift();
    if (!next) return;
    const body: HeredocBody = {
      ...next,
      ...findTerminator(script, at, next.delim, next.stripTabs),
    };
    heredocs.push(body);
    stack.push({ kind: next.quoted ? 'heredoc-raw' : 'heredoc', parens: 0, body });
  };

  let i = 0;
  while (i < script.length) {
    const body = [...stack].reverse().find((f) => f.body)?.body;
    if (body && i >= body.end) {
      popThrough(body.quoted ? 'heredoc-raw' : 'heredoc');
      i = body.resume;
      startHeredoc(i);
      continue;
    }
    const frame = top();
    const placeholder = byStart.get(i);
    if (placeholder) {
      slots.set(i, { context: contextOf(frame.kind), inBacktick: hasBacktick() });
      i = placeholder.end;
      continue;
    }
    const c = script[i];
    // The shell finds the end of `…` before parsing inside it, so a backtick closes it from anywhere.
    const literalBacktick = frame.kind === 'single' || frame.kind === 'comment';
    if (c === '`' && frame.kind !== 'heredoc-raw' && (!literalBacktick || hasBacktick())) {
      if (hasBacktick()) popThrough('backtick');
      else push('backtick');
      i++;
      continue;
    }
    const commandish = COMMANDISH.has(frame.kind);
    const expands = commandish || frame.kind === 'double' || frame.kind === 'heredoc';
    if (c === '\\' && expands) {
      i += 2;
    } else if (c === '$' && script[i + 1] === '(' && expands) {
      const arith = script[i + 2] === '(';
      push(arith ? 'arith' : 'subst');
      i += arith ? 3 : 2;
    } else if (frame.kind === 'single') {
      if (c === "'") stack.pop();
      i++;
    } else if (frame.kind === 'double') {
      if (c === '"') stack.pop();
      i++;
    } else if (frame.kind === 'comment') {
      if (c === '\n') stack.pop();
      else i++;
    } else if (!commandish) {
      i++; // here-document body: only \, $( and ` matter
    } else if (c === "'" || c === '"') {
      push(c === "'" ? 'single' : 'double');
      i++;
    } else if (c === '(' && (frame.kind === 'subst' || frame.kind === 'arith')) {
      frame.parens++;
      i++;
    } else if (c === ')' && (frame.kind === 'subst' || frame.kind === 'arith')) {
      const closes = frame.parens === 0;
      if (closes) stack.pop();
      else frame.parens--;
      i += closes && frame.kind === 'arith' && script[i + 1] === ')' ? 2 : 1;
    } else if (frame.kind === 'arith') {
      i++;
    } else if (c === '#' && (i === 0 || WORD_BREAK.has(script[i - 1] ?? ''))) {
      push('comment');
      i++;
    } else if (c === '<' && script.startsWith('<<', i)) {
      i = script.startsWith('<<<', i) ? i + 3 : readHeredocOperator(script, i, pending);
    } else if (c === '\n' && pending.length > 0) {
      startHeredoc(i + 1);
      i++;
    } else {
      i++;
    }
  }
  return { slots, heredocs };
}

function contextOf(kind: FrameKind): ShellContext {
  if (kind === 'single' || kind === 'double' || kind === 'comment' || kind === 'arith') return kind;
  if (kind === 'heredoc' || kind === 'heredoc-raw') return kind;
  return 'unquoted';
}

/** Reads `<<[-] WORD` at `at`, queues the here-document it announces, and returns the next offset. */
function readHeredocOperator(
  script: string,
  at: number,
  pending: Omit<HeredocBody, 'start' | 'end' | 'resume'>[],
): number {
  let j = at + 2;
  const stripTabs = script[j] === '-';
  if (stripTabs) j++;
  while (script[j] === ' ' || script[j] === '\t') j++;
  let delim = '';
  let quoted = false;
  while (j < script.length && !DELIMITER_END.test(script[j] ?? '')) {
    const ch = script[j] ?? '';
    if (ch === "'" || ch === '"') {
      const close = script.indexOf(ch, j + 1);
      const stop = close < 0 ? script.length : close;
      delim += script.slice(j + 1, stop);
      quoted = true;
      j = stop + 1;
    } else if (ch === '\\') {
      delim += script[j + 1] ?? '';
      quoted = true;
      j += 2;
    } else {
      delim += ch;
      j++;
    }
  }
  if (delim !== '' || quoted) pending.push({ delim, stripTabs, quoted });
  return j;
}

/** The body runs to the first line equal to the delimiter, or to the end like the shell does. */
function findTerminator(
  script: string,
  start: number,
  delim: string,
  stripTabs: boolean,
): { start: number; end: number; resume: number } {
  let lineStart = start;
  while (lineStart < script.length) {
    const newline = script.indexOf('\n', lineStart);
    const lineEnd = newline < 0 ? script.length : newline;
    const line = script.slice(lineStart, lineEnd);
    if ((stripTabs ? line.replace(/^\t+/, '') : line) === delim) {
      return { start, end: lineStart, resume: Math.min(lineEnd + 1, script.length) };
    }
    lineStart = lineEnd + 1;
  }
  return { start, end: script.length, resume: script.length };
}
