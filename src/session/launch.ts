// How an agent is launched from its spawn spec: the `/bin/sh -c 'exec …'` line with the driver's
// injected flags and the prompt as one quoted argument, its environment, the program check on PATH,
// and the per-session Claude settings that route hooks to this host.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { SessionError } from './errors.js';
import type { Driver } from './protocol.js';

/** The hook events the generated settings route to the host (agents.md §1). */
export const HOOK_EVENTS = [
  'SessionStart',
  'UserPromptSubmit',
  'PreToolUse',
  'PermissionRequest',
  'Notification',
  'Stop',
] as const;
const HOOK_TIMEOUT_S = 2; // a down host must never wedge the agent (agents.md §5.13)
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin'; // what sh searches when PATH is unset
const DEFAULT_TERM = 'xterm-256color';
// Shell builtins a command line may start with (`cd repo && claude`): nothing to find on PATH.
const BUILTINS = new Set([
  'cd',
  'exec',
  'export',
  'set',
  'source',
  '.',
  'eval',
  'command',
  'umask',
  'ulimit',
]);

export interface LaunchInput {
  command: string;
  driver: Driver;
  prompt?: string;
  resumeSessionId?: string;
  /** claude: the session id to inject (ignored when resuming: the resumed id is the session). */
  sessionId?: string;
  cwd: string;
  env: Record<string, string>;
  /** Where the generated Claude settings are written. */
  settingsPath: string;
  socketPath: string;
  hookToken: string;
}

export interface LaunchPlan {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** The program the command runs, resolved on PATH. */
  program: string;
  /** claude: the session id the log tailer follows. */
  sessionId?: string;
}

/**
 * The PTY command for `input`: `/bin/sh -c '[VAR=x …] exec <command> <flags> <prompt>'`, so the
 * agent replaces the shell and its pid is the one the host watches. Throws SessionError NOT_FOUND
 * when the program is missing and BAD_SPEC for a command that passes its own `--session-id`.
 */
export function planLaunch(input: LaunchInput): LaunchPlan {
  const words = splitLeadingWords(input.command);
  const program = resolveProgram(words.program, input.env.PATH, input.cwd);
  const flags: string[] = [];
  let sessionId: string | undefined;
  if (input.driver === 'claude') {
    if (/(^|\s)--session-id(=|\s|$)/.test(input.command))
      throw new SessionError(
        'BAD_SPEC',
        `agent command "${input.command}" passes its own --session-id; oj injects one per session, so remove it from the runbook`,
      );
    if (input.resumeSessionId) {
      // Claude refuses --session-id together with --resume (unless forking): the resumed id is ours.
      sessionId = input.resumeSessionId;
      flags.push('--resume', input.resumeSessionId);
    } else {
      sessionId = input.sessionId;
      if (sessionId) flags.push('--session-id', sessionId);
    }
    flags.push('--settings', input.settingsPath);
  }
  const tail = [...flags, ...(input.prompt !== undefined ? [input.prompt] : [])].map(shellQuote);
  // `exec` makes the agent's pid the one the host watches; a compound command (`cd x && claude`)
  // cannot be exec'd, so its shell stays (the flags go to its last command; the group still dies).
  const script = hasControlOperator(input.command)
    ? [input.command, ...tail].join(' ')
    : [...words.assignments, 'exec', words.rest, ...tail].join(' ');
  return {
    file: '/bin/sh',
    args: ['-c', script],
    cwd: input.cwd,
    env: {
      ...input.env,
      TERM: input.env.TERM || DEFAULT_TERM,
      OJ_SESSION_SOCK: input.socketPath,
      OJ_HOOK_TOKEN: input.hookToken,
    },
    program,
    ...(sessionId ? { sessionId } : {}),
  };
}

/** Claude settings whose hooks run `<node> <hook.js> <Event>` (absolute paths, 2 s timeout). */
export function claudeHookSettings(nodePath: string, hookEntry: string): object {
  const hooks: Record<string, unknown> = {};
  for (const event of HOOK_EVENTS) {
    const command = `${shellQuote(nodePath)} ${shellQuote(hookEntry)} ${event}`;
    hooks[event] = [{ hooks: [{ type: 'command', command, timeout: HOOK_TIMEOUT_S }] }];
  }
  return { hooks };
}

/** Whether `command` has an unquoted `;`, `&`, `|`, parenthesis or newline. */
export function hasControlOperator(command: string): boolean {
  let quote: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (';&|()\n'.includes(c)) return true;
  }
  return false;
}

/** Quotes `s` as one POSIX shell word. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

export interface LeadingWords {
  /** `NAME=value` words before the program (they must precede `exec`). */
  assignments: string[];
  /** The program word, unquoted; empty when it cannot be known statically (`$x`, backticks). */
  program: string;
  /** The command from the program word on, as written. */
  rest: string;
}

/** Splits off leading variable assignments and the program word of a shell command line. */
export function splitLeadingWords(command: string): LeadingWords {
  const assignments: string[] = [];
  let i = 0;
  for (;;) {
    while (i < command.length && /\s/.test(command[i]!)) i++;
    const start = i;
    const word = readWord(command, i);
    i = word.end;
    const raw = command.slice(start, word.end);
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(raw) && word.end < command.length) {
      assignments.push(raw);
      continue;
    }
    return { assignments, program: word.dynamic ? '' : word.value, rest: command.slice(start) };
  }
}

function readWord(s: string, from: number): { value: string; end: number; dynamic: boolean } {
  let value = '';
  let dynamic = false;
  let i = from;
  while (i < s.length && !/\s/.test(s[i]!)) {
    const c = s[i]!;
    if (c === "'") {
      const close = s.indexOf("'", i + 1);
      const end = close < 0 ? s.length : close;
      value += s.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') {
        if (s[j] === '\\' && j + 1 < s.length) j++;
        if (s[j] === '$' || s[j] === '`') dynamic = true;
        value += s[j];
        j++;
      }
      i = j + 1;
    } else if (c === '\\' && i + 1 < s.length) {
      value += s[i + 1];
      i += 2;
    } else {
      if (c === '$' || c === '`' || c === '(' || c === '{') dynamic = true;
      value += c;
      i++;
    }
  }
  return { value, end: Math.min(i, s.length), dynamic };
}

/**
 * The absolute path `program` runs as: a path (relative to `cwd`) or a name searched on `path`.
 * Throws SessionError NOT_FOUND with what to do, so a missing agent CLI fails the spawn at once.
 */
export function resolveProgram(program: string, path: string | undefined, cwd: string): string {
  // Computed by the shell, or a builtin: the shell reports a missing program itself.
  if (program === '' || BUILTINS.has(program)) return '';
  const searchPath = path ?? DEFAULT_PATH;
  if (program.includes('/')) {
    const full = isAbsolute(program) ? program : resolve(cwd, program);
    if (isExecutableFile(full)) return full;
  } else {
    for (const dir of searchPath.split(delimiter)) {
      const full = join(dir === '' ? cwd : resolve(cwd, dir), program);
      if (isExecutableFile(full)) return full;
    }
  }
  throw new SessionError(
    'NOT_FOUND',
    `agent command "${program}" was not found on PATH (${searchPath}); install it or fix the agent's command in the runbook`,
  );
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
