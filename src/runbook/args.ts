// A command's `args` grammar: parseArgSpec reads `<env> [--tag <version>] [targets...]` (with its
// `aliases` and `defaults`) into an ArgSpec, bindArgs binds `oj run` argv to it, and formatUsage
// renders `oj run <command> --help`. Pure; nothing here throws.
import { suggest } from './suggest.js';
import type { ArgSpec, BoundArgs, FlagSpec, PositionalSpec } from './types.js';

/** One problem in an `args` spec, its `aliases` or its `defaults`. */
export interface ArgSpecIssue {
  /** Names the culprit in quotes and says what to do. */
  message: string;
  /** Character offset into the spec source, when the problem is written there. */
  offset?: number;
  /** A suggestion such as `did you mean "force"?`. */
  hint?: string;
  /** When the problem is an entry of `aliases` or `defaults` rather than the spec itself. */
  entry?: { table: 'aliases' | 'defaults'; key: string; at: 'key' | 'value' };
}

export type ArgBindErrorCode =
  'MISSING_ARGUMENT' | 'UNKNOWN_FLAG' | 'MISSING_VALUE' | 'TOO_MANY_ARGUMENTS' | 'UNEXPECTED_VALUE';

/** Why argv does not fit a spec; the message is ready to print. */
export interface ArgBindError {
  code: ArgBindErrorCode;
  message: string;
}

export type ArgBindResult = { ok: true; args: BoundArgs } | { ok: false; error: ArgBindError };

const NAME = /^[a-zA-Z][a-zA-Z0-9_-]*$/;
const NAME_RULE = 'names start with a letter, then use letters, digits, "_" or "-"';
// `oj run <command> --help` / `-h` always print the usage, so a spec may not claim them.
const HELP_FLAG = 'help';
const HELP_SHORT = 'h';

/** A spec element together with how and where it was written, so issues can point back at it. */
interface Written<T> {
  spec: T;
  text: string;
  offset: number;
}

interface Scan {
  positionals: Written<PositionalSpec>[];
  flags: Written<FlagSpec>[];
  issues: ArgSpecIssue[];
}

// ---- parsing the spec ----------------------------------------------------------------------

/**
 * Reads an `args` spec plus its `aliases` (letter → flag name) and `defaults` (name → value).
 * Pure and total: every problem becomes an issue, and the spec holds whatever could be read.
 * Number defaults become strings; a value flag with a default is not required.
 */
export function parseArgSpec(
  source: string,
  aliases: Record<string, string> = {},
  defaults: Record<string, string | number | boolean> = {},
): { spec: ArgSpec; issues: ArgSpecIssue[] } {
  const scan = scanSource(source);
  const kept = dropDuplicates(scan);
  const positionals = kept.filter(isPositional);
  const flags = kept.filter((w): w is Written<FlagSpec> => !isPositional(w));
  checkOrder(positionals, scan.issues);
  applyAliases(aliases, flags, positionals, scan.issues);
  applyDefaults(defaults, flags, positionals, scan.issues);
  const spec = {
    source,
    positionals: positionals.map((w) => w.spec),
    flags: flags.map((w) => w.spec),
  };
  return { spec, issues: scan.issues };
}

function isPositional(w: Written<PositionalSpec | FlagSpec>): w is Written<PositionalSpec> {
  return 'variadic' in w.spec;
}

function scanSource(source: string): Scan {
  const scan: Scan = { positionals: [], flags: [], issues: [] };
  let i = 0;
  while (i < source.length) {
    const ch = source.charAt(i);
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '<' || ch === '[') {
      const end = findClose(source, i);
      if (end < 0) return unclosed(scan, source, i);
      readElement(scan, source.slice(i, end + 1), i);
      i = end + 1;
    } else if (ch === '>' || ch === ']') {
      const open = ch === '>' ? '<' : '[';
      scan.issues.push({
        message: `unmatched "${ch}"; remove it or open it with "${open}"`,
        offset: i,
      });
      i += 1;
    } else if (source.startsWith('--', i)) {
      // `--opt <val>` outside brackets: the placeholder may follow after spaces.
      let end = wordEnd(source, i);
      const next = source.slice(end).search(/\S/) + end;
      if (next >= end && source.charAt(next) === '<') {
        const close = findClose(source, next);
        if (close < 0) return unclosed(scan, source, next);
        end = close + 1;
      }
      readElement(scan, source.slice(i, end), i);
      i = end;
    } else {
      const end = Math.max(wordEnd(source, i), i + 1);
      stray(scan, source.slice(i, end), i);
      i = end;
    }
  }
  return scan;
}

/** The index of the bracket closing the one at `start`, or -1 when it is not closed. */
function findClose(source: string, start: number): number {
  const angle = source.charAt(start) === '<';
  for (let j = start + 1; j < source.length; j += 1) {
    const c = source.charAt(j);
    if (c === (angle ? '>' : ']')) return j;
    // `[--opt <val>]` may hold one `<…>`; nothing else nests.
    if (c === '[' || c === ']' || (angle && c === '<')) return -1;
  }
  return -1;
}

function wordEnd(source: string, start: number): number {
  const rest = source.slice(start).search(/[\s<>[\]]/);
  return rest < 0 ? source.length : start + rest;
}

// What follows an unbalanced bracket cannot be read reliably, so scanning stops there.
function unclosed(scan: Scan, source: string, at: number): Scan {
  const open = source.charAt(at);
  const close = open === '<' ? '>' : ']';
  const text = source.slice(at).split(/\s/)[0] ?? open;
  scan.issues.push({
    message: `unclosed "${open}" in "${text}"; close it with "${close}"`,
    offset: at,
  });
  return scan;
}

function stray(scan: Scan, text: string, offset: number): void {
  const fix = text.startsWith('-')
    ? `write flags as "--name" and give short letters in aliases, e.g. aliases = { f = "force" }`
    : `write <${text}> for a required positional, [${text}] for an optional one or --${text} for a flag`;
  scan.issues.push({ message: `stray "${text}" in args; ${fix}`, offset });
}

/** `text` is `<…>`, `[…]` or `--name [<val>]`. */
function readElement(scan: Scan, text: string, offset: number): void {
  const angle = text.startsWith('<');
  const bracketed = text.startsWith('[');
  const inner = angle || bracketed ? text.slice(1, -1).trim() : text;
  if (!angle && inner.startsWith('-')) readFlag(scan, inner, !bracketed, text, offset);
  else readPositional(scan, inner, angle, text, offset);
}

function readPositional(
  scan: Scan,
  inner: string,
  required: boolean,
  text: string,
  offset: number,
): void {
  const variadic = inner.endsWith('...');
  const name = variadic ? inner.slice(0, -3).trim() : inner;
  if (!checkName(scan, name, text, offset)) return;
  scan.positionals.push({ spec: { name, required, variadic }, text, offset });
}

function readFlag(scan: Scan, inner: string, outside: boolean, text: string, offset: number): void {
  const [, dashes = '', name = '', rest = ''] = /^(-+)([^\s<>]*)\s*(.*)$/s.exec(inner) ?? [];
  if (dashes !== '--') return stray(scan, inner.split(/\s/)[0] ?? inner, offset);
  const placeholder = rest === '' ? undefined : /^<([^<>]*)>$/.exec(rest);
  if (placeholder === null) {
    if (!rest.includes('<') || rest.includes('>')) return stray(scan, rest, offset);
    const message = `unclosed "<" in "${text}"; close it with ">"`;
    scan.issues.push({ message, offset: offset + text.indexOf('<') });
    return;
  }
  const valueName = placeholder?.[1]?.trim();
  if (!checkName(scan, name, text, offset)) return;
  if (valueName !== undefined && !checkName(scan, valueName, text, offset)) return;
  if (name === HELP_FLAG) {
    const message = `"--${HELP_FLAG}" is reserved: it prints this command's usage; rename the flag`;
    scan.issues.push({ message, offset });
    return;
  }
  const spec: FlagSpec = { name, takesValue: valueName !== undefined, required: false, short: [] };
  if (valueName !== undefined) {
    spec.valueName = valueName;
    spec.required = outside;
  }
  scan.flags.push({ spec, text, offset });
}

function checkName(scan: Scan, name: string, text: string, offset: number): boolean {
  if (name === '') {
    scan.issues.push({ message: `empty name in "${text}"; put a name in it, e.g. <env>`, offset });
  } else if (!NAME.test(name)) {
    scan.issues.push({ message: `invalid name "${name}" in "${text}"; ${NAME_RULE}`, offset });
  } else {
    return true;
  }
  return false;
}

/** Both positionals and flags become keys of the bound args, so they share one namespace. */
function dropDuplicates(scan: Scan): Written<PositionalSpec | FlagSpec>[] {
  const all = [...scan.positionals, ...scan.flags].sort((a, b) => a.offset - b.offset);
  const seen = new Map<string, string>();
  return all.filter((w) => {
    const first = seen.get(w.spec.name);
    if (first === undefined) {
      seen.set(w.spec.name, w.text);
      return true;
    }
    const message = `duplicate name "${w.spec.name}": "${w.text}" repeats "${first}"; rename one`;
    scan.issues.push({ message, offset: w.offset });
    return false;
  });
}

/** Positionals fill left to right: required ones first, then optional ones, then one variadic. */
function checkOrder(list: Written<PositionalSpec>[], issues: ArgSpecIssue[]): void {
  let optional: Written<PositionalSpec> | undefined;
  let variadic: Written<PositionalSpec> | undefined;
  list.forEach((p, k) => {
    const { offset } = p;
    if (p.spec.variadic && variadic) {
      const message = `more than one variadic: "${variadic.text}" and "${p.text}"; keep only one`;
      issues.push({ message, offset });
    } else if (p.spec.variadic && list.slice(k + 1).some((q) => !q.spec.variadic)) {
      const message = `variadic "${p.text}" must be the last positional; move it to the end`;
      issues.push({ message, offset });
    }
    if (p.spec.required && optional) {
      const message = `required "${p.text}" follows optional "${optional.text}"; move it before "${optional.text}" or make it optional`;
      issues.push({ message, offset });
    }
    if (p.spec.variadic) variadic ??= p;
    if (!p.spec.required) optional ??= p;
  });
}

/** Keys are single letters (`f`, or `-f` as typed); values name a flag declared in args. */
function applyAliases(
  aliases: Record<string, string>,
  flags: Written<FlagSpec>[],
  positionals: Written<PositionalSpec>[],
  issues: ArgSpecIssue[],
): void {
  const claimed = new Map<string, string>();
  for (const [key, target] of Object.entries(aliases)) {
    const letter = key.startsWith('-') ? key.slice(1) : key;
    const entry = { table: 'aliases' as const, key, at: 'key' as const };
    const targetEntry = { ...entry, at: 'value' as const };
    const earlier = claimed.get(letter);
    if (!/^[a-zA-Z]$/.test(letter)) {
      issues.push({
        message: `alias "${key}" is not a single letter; write e.g. f = "force"`,
        entry,
      });
    } else if (letter === HELP_SHORT) {
      issues.push({
        message: `alias "${key}" is reserved for -h, --help; pick another letter`,
        entry,
      });
    } else if (earlier !== undefined) {
      const message = `aliases "${earlier}" and "${key}" both claim "-${letter}"; keep one`;
      issues.push({ message, entry });
    } else {
      claimed.set(letter, key);
      const flag = flags.find((w) => w.spec.name === target);
      if (flag) {
        flag.spec.short.push(letter);
      } else if (positionals.some((w) => w.spec.name === target)) {
        const message = `alias "${key}" targets positional "${target}"; aliases are for flags only, remove it`;
        issues.push({ message, entry: targetEntry });
      } else {
        const message = `alias "${key}" targets unknown flag "${target}"; name a flag declared in args`;
        issues.push({ ...withGuess(message, target, flags), entry: targetEntry });
      }
    }
  }
}

function applyDefaults(
  defaults: Record<string, string | number | boolean>,
  flags: Written<FlagSpec>[],
  positionals: Written<PositionalSpec>[],
  issues: ArgSpecIssue[],
): void {
  for (const [name, value] of Object.entries(defaults)) {
    const shown = JSON.stringify(value);
    const entry = { table: 'defaults' as const, key: name, at: 'key' as const };
    const flag = flags.find((w) => w.spec.name === name)?.spec;
    const positional = positionals.find((w) => w.spec.name === name);
    let message: string | undefined;
    if (flag && !flag.takesValue) {
      if (typeof value === 'boolean') flag.default = value;
      else message = `default for boolean flag "--${name}" is ${shown}; use true or false`;
    } else if (flag) {
      if (typeof value === 'boolean') {
        message = `default for "--${name} <${flag.valueName ?? 'value'}>" is ${shown}; use a string or number`;
      } else {
        flag.default = String(value);
        flag.required = false;
      }
    } else if (positional?.spec.variadic) {
      message = `variadic "${positional.text}" cannot have a default; it is an empty list when not given`;
    } else if (positional?.spec.required) {
      message = `required positional "${positional.text}" cannot have a default; write [${name}]`;
    } else if (positional) {
      if (typeof value === 'boolean') message = `default for "[${name}]" is ${shown}; use a string`;
      else positional.spec.default = String(value);
    } else {
      const unknown = `default for unknown argument "${name}"; declare it in args or remove the default`;
      issues.push({ ...withGuess(unknown, name, [...positionals, ...flags]), entry });
    }
    if (message !== undefined) issues.push({ message, entry: { ...entry, at: 'value' } });
  }
}

function withGuess(message: string, name: string, known: Written<{ name: string }>[]) {
  const names = known.map((w) => w.spec.name);
  const guess = suggest(name, names);
  const issue: ArgSpecIssue = { message };
  if (guess !== undefined) issue.hint = `did you mean "${guess}"?`;
  return issue;
}

// ---- binding argv --------------------------------------------------------------------------

/**
 * Binds `oj run` argv to a spec. Pure. Every declared name is a key of `args` except an optional
 * positional or value flag that was not given and has no default, which is left out. Booleans
 * default to false, variadics to []. `command` only names the command in the usage line of errors.
 */
export function bindArgs(
  spec: ArgSpec,
  argv: readonly string[],
  command = '<command>',
): ArgBindResult {
  const usage = formatUsageLine(command, spec);
  const fail = (code: ArgBindErrorCode, message: string): ArgBindResult => ({
    ok: false,
    error: { code, message: `${message}\n${usage}` },
  });
  const byShort = new Map(spec.flags.flatMap((f) => f.short.map((s) => [s, f] as const)));
  const values = new Map<string, string | boolean>();
  const words: string[] = [];

  // Sets one flag; `inline` is the text after `=`. Returns how many following tokens it consumed.
  const setFlag = (flag: FlagSpec, written: string, inline: string | undefined, i: number) => {
    if (!flag.takesValue) {
      if (inline !== undefined) {
        const message = `flag "${written}" takes no value but was given "${inline}"; write ${written} alone`;
        return fail('UNEXPECTED_VALUE', message);
      }
      values.set(flag.name, true);
      return 0;
    }
    // The next token is the value even when it starts with "-": `--offset -1`.
    const value = inline ?? argv[i + 1];
    if (value === undefined) {
      return fail('MISSING_VALUE', `flag "${written}" needs a value: ${flagText(flag, written)}`);
    }
    values.set(flag.name, value); // repeated: the last one wins
    return inline === undefined ? 1 : 0;
  };

  for (let i = 0; i < argv.length; i += 1) {
    const token = argv[i] ?? '';
    let step: number | ArgBindResult = 0;
    if (token === '--') {
      words.push(...argv.slice(i + 1));
      break;
    } else if (token.startsWith('--')) {
      const [name, inline] = splitInline(token.slice(2));
      const flag = spec.flags.find((f) => f.name === name);
      if (!flag) return fail('UNKNOWN_FLAG', unknownLong(name, spec));
      step = setFlag(flag, `--${name}`, inline, i);
    } else if (token.length < 2 || !token.startsWith('-') || isNegative(token, byShort)) {
      words.push(token);
    } else {
      const [letters, inline] = splitInline(token.slice(1));
      if (letters === '') return fail('UNKNOWN_FLAG', `unknown flag "${token}"`);
      for (const [k, letter] of [...letters].entries()) {
        const flag = byShort.get(letter);
        const where = letters.length > 1 ? ` in "${token}"` : '';
        if (!flag) return fail('UNKNOWN_FLAG', unknownShort(letter, where, spec));
        if (k < letters.length - 1 && flag.takesValue) {
          const message = `flag "-${letter}" takes a value, so it must come last${where}`;
          return fail('MISSING_VALUE', message);
        }
        step = setFlag(flag, `-${letter}`, k === letters.length - 1 ? inline : undefined, i);
        if (typeof step !== 'number') return step;
      }
    }
    if (typeof step !== 'number') return step;
    i += step;
  }

  const args: BoundArgs = {};
  let next = 0;
  for (const p of spec.positionals) {
    if (p.variadic) {
      const rest = words.slice(next);
      next = words.length;
      if (p.required && rest.length === 0) {
        return fail('MISSING_ARGUMENT', `missing argument "<${p.name}...>": give at least one`);
      }
      args[p.name] = rest;
      continue;
    }
    const word = words[next] ?? p.default;
    if (word === undefined && p.required) {
      return fail('MISSING_ARGUMENT', `missing argument "<${p.name}>"`);
    }
    if (next < words.length) next += 1;
    if (word !== undefined) args[p.name] = word;
  }
  if (next < words.length) {
    return fail('TOO_MANY_ARGUMENTS', `too many arguments: "${words[next]}" has no place`);
  }
  for (const flag of spec.flags) {
    const value = values.get(flag.name) ?? flag.default;
    if (!flag.takesValue) args[flag.name] = value === true;
    else if (typeof value === 'string') args[flag.name] = value;
    else if (flag.required) return fail('MISSING_ARGUMENT', `missing flag "${flagText(flag)}"`);
  }
  return { ok: true, args };
}

function splitInline(text: string): [string, string | undefined] {
  const eq = text.indexOf('=');
  return eq < 0 ? [text, undefined] : [text.slice(0, eq), text.slice(eq + 1)];
}

// `-5` is a number unless a spec somehow made a digit a short flag.
function isNegative(token: string, byShort: Map<string, FlagSpec>): boolean {
  return /^-\d/.test(token) && !byShort.has(token.charAt(1));
}

function unknownLong(name: string, spec: ArgSpec): string {
  const names = spec.flags.map((f) => f.name);
  const guess = suggest(name, names);
  return `unknown flag "--${name}"${guess === undefined ? '' : `; did you mean "--${guess}"?`}`;
}

function unknownShort(letter: string, where: string, spec: ArgSpec): string {
  const known = spec.flags.flatMap((f) => f.short.map((s) => `-${s}`));
  const list = known.length > 0 ? `; short flags are ${known.join(', ')}` : '';
  return `unknown flag "-${letter}"${where}${list}`;
}

// ---- usage ---------------------------------------------------------------------------------

/** `Usage: oj run <command> …` with flags after the required positionals. Pure. */
export function formatUsageLine(command: string, spec: ArgSpec): string {
  const parts = spec.positionals.map(positionalText);
  // Options go before the first optional or variadic positional, where readers expect them.
  const at = spec.positionals.findIndex((p) => !p.required || p.variadic);
  const flags = spec.flags.map((f) => (f.required ? flagText(f) : `[${flagText(f)}]`));
  parts.splice(at < 0 ? parts.length : at, 0, ...flags);
  return ['Usage: oj run', command, ...parts].join(' ');
}

/**
 * The text `oj run <command> --help` prints: usage line, description, "Arguments:" and "Options:"
 * in aligned columns, ending with `-h, --help`. No trailing newline. Pure.
 */
export function formatUsage(command: string, spec: ArgSpec, description?: string): string {
  const argRows = spec.positionals.map((p): [string, string] => [
    positionalText(p),
    positionalNote(p),
  ]);
  const optRows = spec.flags.map((f): [string, string] => [flagColumn(f), flagNote(f)]);
  optRows.push([`-${HELP_SHORT}, --${HELP_FLAG}`, 'Show this help']);
  const width = Math.max(...[...argRows, ...optRows].map(([left]) => left.length));
  const row = ([left, note]: [string, string]) =>
    note === '' ? `  ${left}` : `  ${left.padEnd(width)}  ${note}`;
  const lines = [formatUsageLine(command, spec)];
  if (description !== undefined && description.trim() !== '') lines.push('', description.trim());
  if (argRows.length > 0) lines.push('', 'Arguments:', ...argRows.map(row));
  lines.push('', 'Options:', ...optRows.map(row));
  return lines.join('\n');
}

function positionalText(p: PositionalSpec): string {
  const inner = p.variadic ? `${p.name}...` : p.name;
  return p.required ? `<${inner}>` : `[${inner}]`;
}

function positionalNote(p: PositionalSpec): string {
  if (p.variadic) return p.required ? 'required, one or more' : 'optional, zero or more';
  if (p.required) return 'required';
  return p.default === undefined ? 'optional' : `optional ${showDefault(p.default)}`;
}

function flagText(f: FlagSpec, written = `--${f.name}`): string {
  return f.takesValue ? `${written} <${f.valueName ?? 'value'}>` : written;
}

// Flags without a short letter are indented so every `--` lines up with `-t, --tag`.
function flagColumn(f: FlagSpec): string {
  const shorts = f.short.map((s) => `-${s}, `).join('');
  return `${shorts === '' ? '    ' : shorts}${flagText(f)}`;
}

function flagNote(f: FlagSpec): string {
  const notes = f.required ? ['required'] : [];
  if (f.default !== undefined && f.default !== false) notes.push(showDefault(f.default));
  return notes.join(' ');
}

function showDefault(value: string | boolean): string {
  const text = typeof value === 'string' && /^$|\s/.test(value) ? JSON.stringify(value) : value;
  return `(default: ${String(text)})`;
}
