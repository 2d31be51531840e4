// Runbook diagnostics: every problem found in a runbook becomes a RunbookIssue that names the file,
// line and column, the path inside the runbook, what is wrong and (when known) what to do instead.
import { OjError } from '../errors/index.js';

export const ISSUE_CODES = [
  'TOML_SYNTAX',
  'UNKNOWN_KEY',
  'WRONG_TYPE',
  'MISSING_KEY',
  'BAD_VALUE',
  'BAD_NAME',
  'BAD_DURATION',
  'BAD_ARGS',
  'BAD_RECOVERY',
  'BAD_PATTERN',
  'CONFLICT',
  'DUPLICATE_NAME',
  'UNKNOWN_REFERENCE',
  'UNREACHABLE_PHASE',
  'TEMPLATE_SYNTAX',
  'UNKNOWN_VARIABLE',
  'MISSING_FILE',
] as const;
export type IssueCode = (typeof ISSUE_CODES)[number];

export interface RunbookIssue {
  code: IssueCode;
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  /** Where inside the runbook, e.g. `pipeline.fix.phase[1].post[0]`; empty for the whole file. */
  path: string;
  message: string;
  /** What to do about it, e.g. `did you mean "tests_pass"?`. */
  hint?: string;
}

/** `file:line:col: path: message (hint)` — one line per issue, the form editors can jump to. */
export function formatIssue(issue: RunbookIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.col}`;
  const path = issue.path ? `${issue.path}: ` : '';
  const hint = issue.hint ? ` (${issue.hint})` : '';
  return `${where}: ${path}${issue.message}${hint}`;
}

/** Thrown by callers that need a valid project and got issues instead. */
export class RunbookError extends OjError {
  readonly issues: readonly RunbookIssue[];

  constructor(issues: readonly RunbookIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super('RUNBOOK_INVALID', `runbooks have ${count}:\n${issues.map(formatIssue).join('\n')}`);
    this.issues = issues;
  }
}

/** Renders a path as the runbook document writes it: `pipeline.fix.phase[1].post[0]`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
