// Subprocesses for the workspace executor: runs git (or a setup command) in its own process group
// with a timeout and an AbortSignal, and parses `git worktree list --porcelain`.
import { stat } from 'node:fs/promises';
import { execa } from 'execa';

export interface ProcessRun {
  cwd: string;
  /** The complete environment; nothing else is inherited. */
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Also collect stdout and stderr interleaved in `all` (for a setup command's output tail). */
  interleave?: boolean;
}

export interface ProcessOutput {
  /** Exited with code 0. */
  ok: boolean;
  exitCode: number | null;
  /** The signal that ended the process, e.g. `SIGKILL` after a timeout. */
  signal: string | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved; '' unless `interleave` was set. */
  all: string;
  timedOut: boolean;
  cancelled: boolean;
  /** Why the process could not be started, naming the culprit. */
  startError?: string;
}

/**
 * Runs `file args` and resolves when it has exited; never rejects for a failing process. On
 * timeout or abort the whole process group is killed, so a hook or a setup command's children
 * cannot linger holding the output pipes open.
 */
export async function runProcess(
  file: string,
  args: readonly string[],
  run: ProcessRun,
): Promise<ProcessOutput> {
  const outcome = (fields: Partial<ProcessOutput>): ProcessOutput => ({
    ok: false,
    exitCode: null,
    signal: null,
    stdout: '',
    stderr: '',
    all: '',
    timedOut: false,
    cancelled: false,
    ...fields,
  });
  if (run.signal?.aborted) return outcome({ cancelled: true });
  const deadline = AbortSignal.timeout(run.timeoutMs);
  const stop = run.signal ? AbortSignal.any([run.signal, deadline]) : deadline;
  const child = execa(file, args, {
    cwd: run.cwd,
    env: run.env,
    extendEnv: false,
    stdin: 'ignore',
    all: run.interleave ?? false,
    detached: true, // leads its own process group, so the group can be killed as one
    timeout: run.timeoutMs,
    reject: false,
    ...(run.signal ? { cancelSignal: run.signal } : {}),
  });
  const pid = child.pid;
  const killGroup = (): void => {
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // ESRCH: the group is already gone
    }
  };
  stop.addEventListener('abort', killGroup, { once: true });
  try {
    const result = await child;
    const exitCode = result.exitCode ?? null;
    // Our own group kill may land before execa's timer or abort listener notices, so the cause is
    // read from the signals as well as from execa's flags.
    const cancelled = exitCode !== 0 && (result.isCanceled || run.signal?.aborted === true);
    const timedOut = exitCode !== 0 && !cancelled && (result.timedOut || deadline.aborted);
    const fields = {
      exitCode,
      signal: result.signal ?? null,
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      all: String(result.all ?? ''),
      timedOut,
      cancelled,
    };
    if (exitCode === 0) return outcome({ ...fields, ok: true });
    if (exitCode === null && fields.signal === null && !timedOut && !cancelled) {
      return outcome({ ...fields, startError: await startError(file, run.cwd, result) });
    }
    return outcome(fields);
  } finally {
    stop.removeEventListener('abort', killGroup);
  }
}

/** Why `file` could not be spawned in `cwd`. */
async function startError(
  file: string,
  cwd: string,
  failed: { code?: string; originalMessage?: string },
): Promise<string> {
  if (failed.code === 'ENOENT' || failed.code === 'ENOTDIR') {
    const dir = await stat(cwd).catch(() => null);
    if (dir === null) return `the directory "${cwd}" does not exist`;
    if (!dir.isDirectory()) return `"${cwd}" is not a directory`;
    return `"${file}" was not found on PATH`;
  }
  const detail = failed.originalMessage?.split('\n').at(-1) ?? 'unknown error';
  return failed.code === undefined ? detail : `${failed.code}: ${detail}`;
}

// Variables that point git at some other repository. A daemon or test run started from a git hook
// inherits them (a pre-commit hook running the checks sets GIT_INDEX_FILE), and every git command
// below would then act on that repository instead of the one it was asked about.
const REPO_LOCATION_VARS = new Set([
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
]);

/**
 * The environment for git and for setup commands: `base` without the variables that redirect git
 * to another repository, and with terminal prompts off (a prompt would hang until the timeout).
 * Pure.
 */
export function toGitEnv(
  base: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value !== undefined && !REPO_LOCATION_VARS.has(key)) env[key] = value;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  return env;
}

/** Runs `git args` in `cwd` with the daemon's environment made safe by toGitEnv. */
export function runGit(
  args: readonly string[],
  run: { cwd: string; timeoutMs: number; signal?: AbortSignal },
): Promise<ProcessOutput> {
  return runProcess('git', args, { ...run, env: toGitEnv(process.env) });
}

/** A command line for messages: `git worktree add -B b "/tmp/a b" HEAD`. Pure. */
export function formatCommand(file: string, args: readonly string[]): string {
  const quote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg));
  return [file, ...args].map(quote).join(' ');
}

/** One entry of `git worktree list --porcelain`. */
export interface WorktreeEntry {
  path: string;
  /** The checked-out commit; null for a bare repository. */
  head: string | null;
  /** The checked-out branch without `refs/heads/`; null when detached or bare. */
  branch: string | null;
  bare: boolean;
  detached: boolean;
  locked: boolean;
  /** Its directory is gone; `git worktree prune` would drop it. */
  prunable: boolean;
}

/**
 * Parses `git worktree list --porcelain` output: lines end with `separator` ('\0' with `-z`,
 * '\n' without) and an empty line ends each entry. Unknown attributes are ignored. Pure.
 */
export function parseWorktreeList(output: string, separator: '\0' | '\n'): WorktreeEntry[] {
  const entries: WorktreeEntry[] = [];
  let current: WorktreeEntry | undefined;
  for (const line of output.split(separator)) {
    if (line === '') {
      current = undefined;
      continue;
    }
    const space = line.indexOf(' ');
    const key = space === -1 ? line : line.slice(0, space);
    const value = space === -1 ? '' : line.slice(space + 1);
    if (key === 'worktree') {
      current = {
        path: value,
        head: null,
        branch: null,
        bare: false,
        detached: false,
        locked: false,
        prunable: false,
      };
      entries.push(current);
    } else if (current === undefined) {
      continue;
    } else if (key === 'HEAD') {
      current.head = value;
    } else if (key === 'branch') {
      current.branch = value.replace(/^refs\/heads\//, '');
    } else if (key === 'bare' || key === 'detached' || key === 'locked' || key === 'prunable') {
      current[key] = true;
    }
  }
  return entries;
}
