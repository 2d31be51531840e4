// Stage 1 of parse → compile → create: TOML text to the raw, shape-checked runbook. Each
// `[kind.name]` entry is checked on its own, so one bad entry never hides another's problems.
import { parse as parseToml, TomlError } from 'smol-toml';
import type * as z from 'zod';
import { formatPath } from './errors.js';
import type { IssueCode, RunbookIssue } from './errors.js';
import { PositionIndex } from './positions.js';
import type { PathSegment, Position } from './positions.js';
import { ENTRY_SCHEMAS, eventsSchema } from './schema.js';
import type { RawEvents } from './schema.js';
import { suggest } from './suggest.js';
import { KINDS } from './types.js';
import type { Kind } from './types.js';

const TOP_LEVEL_KEYS: readonly string[] = [...KINDS, 'events'];
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** One runbook file after parsing: its entries by kind and name, and what was wrong with it. */
export interface ParsedRunbook {
  /** The runbook's name: the file stem (`bugfix`), or `std.<stem>` for shipped runbooks. */
  name: string;
  file: string;
  text: string;
  /** Entries that passed their shape check, by kind then name (values are raw, schema-typed). */
  entries: { [K in Kind]: Record<string, z.infer<(typeof ENTRY_SCHEMAS)[K]>> };
  /** Every name declared per kind, including entries whose shape is wrong (for references). */
  declared: { [K in Kind]: string[] };
  events?: RawEvents;
  issues: RunbookIssue[];
  /** Positions of paths in this file's text (built on first use). */
  locate(path: readonly PathSegment[], at?: 'key' | 'value'): Position;
}

/** Parses and shape-checks one runbook. Pure; never throws for any input text. */
export function parseRunbook(text: string, file: string, name: string): ParsedRunbook {
  let index: PositionIndex | undefined;
  const locate = (path: readonly PathSegment[], at: 'key' | 'value' = 'key'): Position =>
    (index ??= new PositionIndex(text)).locate(path, at);
  const result: ParsedRunbook = {
    name,
    file,
    text,
    entries: emptyByKind(() => ({})),
    declared: emptyByKind(() => []),
    issues: [],
    locate,
  };
  const report = (
    code: IssueCode,
    path: PathSegment[],
    message: string,
    hint?: string,
    at?: 'key' | 'value',
  ) => {
    const pos = locate(path, at);
    result.issues.push({
      code,
      file,
      ...pos,
      path: formatPath(path),
      message,
      ...(hint ? { hint } : {}),
    });
  };

  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    const e = err instanceof TomlError ? err : undefined;
    const message =
      (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'invalid TOML';
    result.issues.push({
      code: 'TOML_SYNTAX',
      file,
      line: e?.line ?? 1,
      col: e?.column ?? 1,
      path: '',
      message: describeTomlError(message, text, e),
      hint: 'fix the TOML syntax first; nothing else in this file was checked',
    });
    return result;
  }

  for (const [key, value] of Object.entries(doc)) {
    if (!TOP_LEVEL_KEYS.includes(key)) {
      const close = suggest(key, TOP_LEVEL_KEYS);
      report(
        'UNKNOWN_KEY',
        [key],
        `unknown section "${key}"`,
        close ? `did you mean "${close}"?` : `runbooks declare ${TOP_LEVEL_KEYS.join(', ')}`,
      );
      continue;
    }
    if (key === 'events') {
      checkEntry(eventsSchema, value, ['events'], report, (events) => (result.events = events));
      continue;
    }
    const kind = key as Kind;
    if (!isTable(value)) {
      report(
        'WRONG_TYPE',
        [kind],
        `"${kind}" must be a table of named ${kind}s`,
        `write [${kind}.<name>]`,
        'value',
      );
      continue;
    }
    for (const [entryName, entry] of Object.entries(value)) {
      result.declared[kind].push(entryName);
      if (!NAME_PATTERN.test(entryName)) {
        report(
          'BAD_NAME',
          [kind, entryName],
          `${kind} name "${entryName}" is not valid`,
          'names start with a letter and use letters, digits, "_" and "-"',
        );
      }
      if (!isTable(entry)) {
        report(
          'WRONG_TYPE',
          [kind, entryName],
          `${kind} "${entryName}" must be a table`,
          `write [${kind}.${entryName}] followed by its keys`,
          'value',
        );
        continue;
      }
      const schema = ENTRY_SCHEMAS[kind] as z.ZodType;
      checkEntry(schema, entry, [kind, entryName], report, (ok) => {
        (result.entries[kind] as Record<string, unknown>)[entryName] = ok;
      });
    }
  }
  return result;
}

type Report = (
  code: IssueCode,
  path: PathSegment[],
  message: string,
  hint?: string,
  at?: 'key' | 'value',
) => void;

function checkEntry<T>(
  schema: z.ZodType<T>,
  value: unknown,
  base: PathSegment[],
  report: Report,
  accept: (ok: T) => void,
): void {
  let parsed: ReturnType<typeof schema.safeParse>;
  try {
    parsed = schema.safeParse(value);
  } catch (err) {
    // Only pathological input gets here (tables nested thousands deep overflow the stack).
    if (!(err instanceof RangeError)) throw err;
    report('BAD_VALUE', base, 'is nested too deeply to check', 'flatten the tables under it');
    return;
  }
  if (parsed.success) {
    accept(parsed.data);
    return;
  }
  for (const issue of parsed.error.issues) reportZodIssue(issue, schema, value, base, report);
  // When unknown keys are the only problem (typically a typo), check the rest of the entry too:
  // drop them and accept what remains, so one typo does not hide the entry's other problems.
  if (parsed.error.issues.every((i) => i.code === 'unrecognized_keys')) {
    let repaired: unknown;
    try {
      repaired = withoutKeys(value, parsed.error.issues);
    } catch {
      return; // too deep to copy; the problems are reported already
    }
    const again = schema.safeParse(repaired);
    if (again.success) accept(again.data);
  }
}

function withoutKeys(value: unknown, issues: readonly z.core.$ZodIssue[]): unknown {
  const copy = structuredClone(value);
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const target = valueAt(
      copy,
      issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
    );
    if (target && typeof target === 'object')
      for (const key of issue.keys) delete (target as Record<string, unknown>)[key];
  }
  return copy;
}

/** smol-toml's message, reworded where it misleads (an unclosed string reads as a bad character). */
function describeTomlError(message: string, text: string, e: TomlError | undefined): string {
  const plain = message.replace(/^Invalid TOML document: /, '');
  const lineText = e ? (text.split('\n')[e.line - 1] ?? '') : '';
  if (
    /control characters are not allowed in strings/.test(plain) &&
    e &&
    e.column > lineText.length
  ) {
    return 'invalid TOML: unterminated string: close the quote on this line, or use """ for text over several lines';
  }
  return `invalid TOML: ${plain}`;
}

function reportZodIssue(
  issue: z.core.$ZodIssue,
  schema: z.ZodType,
  root: unknown,
  base: PathSegment[],
  report: Report,
): void {
  const rel = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const path = [...base, ...rel];
  const key = String(rel.at(-1) ?? base.at(-1));
  const got = valueAt(root, rel);
  switch (issue.code) {
    case 'unrecognized_keys':
      for (const unknown of issue.keys) {
        const allowed = allowedKeysAt(schema, rel);
        const close = suggest(unknown, allowed);
        report(
          'UNKNOWN_KEY',
          [...path, unknown],
          `unknown key "${unknown}"`,
          close
            ? `did you mean "${close}"?`
            : allowed.length
              ? `allowed keys: ${allowed.join(', ')}`
              : undefined,
        );
      }
      return;
    case 'invalid_type':
      if (got === undefined) {
        report('MISSING_KEY', path, `missing required key "${key}"`, undefined, 'key');
      } else {
        report(
          'WRONG_TYPE',
          path,
          `"${key}" must be ${describeExpected(issue.expected)}, not ${describeValue(got)}`,
          undefined,
          'value',
        );
      }
      return;
    case 'invalid_value':
      report(
        'BAD_VALUE',
        path,
        `"${key}" must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, not ${describeValue(got)}`,
        undefined,
        'value',
      );
      return;
    case 'invalid_union':
      report(
        'WRONG_TYPE',
        path,
        `"${key}" must be ${UNION_SHAPES[key] ?? 'a different kind of value'}, not ${describeValue(got)}`,
        undefined,
        'value',
      );
      return;
    case 'too_small':
      if (issue.origin === 'array' && issue.message.startsWith('needs')) {
        report('MISSING_KEY', path, issue.message);
      } else if (issue.origin === 'string') {
        report('BAD_VALUE', path, `"${key}" must not be empty`, undefined, 'value');
      } else {
        report(
          'BAD_VALUE',
          path,
          `"${key}" must be at least ${String(issue.minimum)}, not ${describeValue(got)}`,
          undefined,
          'value',
        );
      }
      return;
    default:
      report('BAD_VALUE', path, `"${key}": ${issue.message}`, undefined, 'value');
  }
}

/** What a union-typed key accepts, in the words of the runbook document. */
const UNION_SHAPES: Record<string, string> = {
  run: 'a shell command string or { pipeline = "<name>" }',
  semaphore: 'a semaphore name or { name = "<semaphore>", weight = N }',
  on_fail: 'a phase name, a recovery action or a list of recovery actions',
  on_stuck: 'a recovery action or a list of them',
  on_timeout: 'a recovery action or a list of them',
  on_exit: 'a recovery action or a list of them',
  on_exhaust: 'a recovery action or a list of them',
  on_stale: 'a recovery action or a list of them',
  on_orphan: 'a recovery action or a list of them',
  on_orphan_work: 'a recovery action or a list of them',
  response: 'a recovery action or a list of them',
  defaults: 'a string, number or boolean',
};

/** The keys the schema allows at `path` inside `schema` (for "did you mean" on unknown keys). */
function allowedKeysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  const unwrap = (n: unknown): unknown[] => {
    const def = (n as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return [];
    if (def.type === 'optional' || def.type === 'default') return unwrap(def.innerType);
    if (def.type === 'union') return (def.options as unknown[]).flatMap(unwrap);
    return [n];
  };
  let candidates = unwrap(schema);
  for (const seg of path) {
    const next: unknown[] = [];
    for (const c of candidates) {
      const def = (c as { _zod: { def: Record<string, unknown> } })._zod.def;
      if (def.type === 'object' && typeof seg === 'string') {
        const child = (def.shape as Record<string, unknown>)[seg];
        if (child) next.push(...unwrap(child));
      } else if (def.type === 'array' && typeof seg === 'number') next.push(...unwrap(def.element));
      else if (def.type === 'record') next.push(...unwrap(def.valueType));
    }
    candidates = next;
  }
  const keys = new Set<string>();
  for (const c of candidates) {
    const def = (c as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (def.type === 'object') for (const k of Object.keys(def.shape as object)) keys.add(k);
  }
  return [...keys];
}

function describeExpected(expected: string): string {
  const words: Record<string, string> = {
    string: 'a string',
    int: 'a whole number',
    number: 'a number',
    boolean: 'true or false',
    array: 'a list',
    object: 'a table',
    record: 'a table',
  };
  return words[expected] ?? `a ${expected}`;
}

/** A short description of a TOML value for messages: `the string "two"`, `the number 2.5`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
  if (typeof value === 'number' || typeof value === 'bigint') return `the number ${String(value)}`;
  if (typeof value === 'boolean') return `${String(value)}`;
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (value && typeof value === 'object') return 'a table';
  return String(value);
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return (
    value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)
  );
}

function emptyByKind<T>(make: () => T): { [K in Kind]: never } {
  return Object.fromEntries(KINDS.map((k) => [k, make()])) as { [K in Kind]: never };
}
