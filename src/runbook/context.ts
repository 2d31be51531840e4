// The per-runbook compile context: reports issues at the right file:line:col and offers the checks
// every primitive shares (durations, references, recovery chains, `{var}` names, event patterns).
import { parseDuration } from './duration.js';
import { formatPath } from './errors.js';
import type { IssueCode, RunbookIssue } from './errors.js';
import { findPlaceholders } from './interpolate.js';
import type { ParsedRunbook } from './parse.js';
import { locateInString } from './positions.js';
import type { PathSegment, Position } from './positions.js';
import { parseRecoveryChain } from './recovery.js';
import type { RecoverySite } from './recovery.js';
import type { Registry } from './refs.js';
import { suggest } from './suggest.js';
import type { Kind, QualifiedName, RecoveryStep } from './types.js';

/** The variable names a text may use, and what they belong to (for messages). */
export interface Scope {
  names: ReadonlySet<string>;
  /** e.g. `pipeline "fix"` or `command "deploy"`. */
  owner: string;
}

/** Variables every shell command can read. */
export const GLOBAL_VARS = ['project', 'state_dir'] as const;

export class CompileContext {
  constructor(
    readonly rb: ParsedRunbook,
    readonly registry: Registry,
    readonly issues: RunbookIssue[],
  ) {}

  report(
    code: IssueCode,
    path: PathSegment[],
    message: string,
    hint?: string,
    at: 'key' | 'value' = 'value',
  ): void {
    const pos = this.rb.locate(path, at);
    this.issues.push({
      code,
      file: this.rb.file,
      ...pos,
      path: formatPath(path),
      message,
      ...(hint ? { hint } : {}),
    });
  }

  /** Reports at an exact line/col (e.g. inside a template file). */
  reportAt(
    code: IssueCode,
    file: string,
    line: number,
    col: number,
    path: PathSegment[],
    message: string,
    hint?: string,
  ): void {
    this.issues.push({
      code,
      file,
      line,
      col,
      path: formatPath(path),
      message,
      ...(hint ? { hint } : {}),
    });
  }

  qualify(name: string): QualifiedName {
    return `${this.rb.name}.${name}`;
  }

  duration(text: string | undefined, path: PathSegment[]): number | undefined {
    if (text === undefined) return undefined;
    const parsed = parseDuration(text);
    if (parsed.ok) return parsed.ms;
    this.report(
      'BAD_DURATION',
      path,
      parsed.message,
      'durations look like 200ms, 30s, 5m, 2h or 7d',
    );
    return undefined;
  }

  ref(text: string | undefined, kind: Kind, path: PathSegment[]): QualifiedName | undefined {
    if (text === undefined) return undefined;
    const r = this.registry.resolve(text, kind, this.rb.name);
    if (r.ok) return r.qualified;
    this.report('UNKNOWN_REFERENCE', path, r.message, r.hint);
    return undefined;
  }

  chain(
    words: string | readonly string[] | undefined,
    site: RecoverySite,
    path: PathSegment[],
    fallback: readonly string[] = [],
  ): RecoveryStep[] {
    const actions = this.registry.names(this.rb.name, 'action');
    const { steps, issues } = parseRecoveryChain(words ?? fallback, site, actions, (n) =>
      this.qualify(n),
    );
    const isList = Array.isArray(words);
    for (const issue of issues) {
      this.report(
        'BAD_RECOVERY',
        isList ? [...path, issue.index] : path,
        issue.message,
        issue.hint,
      );
    }
    return steps;
  }

  /** Checks that every `{var}` in `text` is in `scope`. */
  vars(text: string | undefined, scope: Scope, path: PathSegment[], what: string): void {
    if (text === undefined) return;
    const reported = new Set<string>();
    for (const p of findPlaceholders(text)) {
      if (scope.names.has(p.root) || reported.has(p.root)) continue;
      reported.add(p.root);
      this.unknownVar(p.root, `{${p.path}}`, scope, path, what, this.offsetPosition(path, p.start));
    }
  }

  unknownVar(
    root: string,
    written: string,
    scope: Scope,
    path: PathSegment[],
    what: string,
    at?: Position,
  ): void {
    const available = [...scope.names].sort();
    const close = suggest(root, available);
    const message = `${what} uses "${written}", but ${scope.owner} has no variable "${root}"`;
    const hint = close ? `did you mean "{${close}}"?` : `available: ${available.join(', ')}`;
    if (at) this.reportAt('UNKNOWN_VARIABLE', this.rb.file, at.line, at.col, path, message, hint);
    else this.report('UNKNOWN_VARIABLE', path, message, hint);
  }

  /** Where character `offset` of the string value at `path` is written in the file. */
  offsetPosition(path: PathSegment[], offset: number): Position {
    return locateInString(this.rb.text, this.rb.locate(path, 'value'), offset);
  }

  /** Event patterns (`wake_on`): `noun:verb` segments, `*` wildcards, `{var}` placeholders. */
  patterns(list: readonly string[] | undefined, path: PathSegment[], scope?: Scope): string[] {
    const out: string[] = [];
    (list ?? []).forEach((pattern, i) => {
      const problem = checkEventPattern(pattern);
      if (problem) {
        this.report(
          'BAD_PATTERN',
          [...path, i],
          `event pattern "${pattern}" ${problem}`,
          'events are named noun:verb, e.g. "bug:created" or "pipeline:*"',
        );
        return;
      }
      if (scope) this.vars(pattern, scope, [...path, i], 'event pattern');
      out.push(pattern);
    });
    return out;
  }
}

const SEGMENT = /^(\*|[A-Za-z0-9_.-]+|\{[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*\})+$/;

/** Why `pattern` is not a well-formed event pattern, or undefined when it is. Pure. */
export function checkEventPattern(pattern: string): string | undefined {
  if (/\s/.test(pattern)) return 'contains whitespace';
  const segments = pattern.split(':');
  if (segments.length < 2) return 'has no ":" (expected noun:verb)';
  if (segments.some((s) => s === '')) return 'has an empty segment';
  const bad = segments.find((s) => !SEGMENT.test(s));
  if (bad !== undefined)
    return `has an invalid segment "${bad}" (use letters, digits, "_", "-", ".", "*" or {var})`;
  return undefined;
}
