// The shell executor: runs one already-interpolated script as `/bin/sh -c` in its own process group,
// appends its output to the pipeline's log file, and kills the whole group on timeout or abort.
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatDuration } from '../runbook/index.js';
import { removeGroupFile, writeGroupFile } from './group-file.js';

/** One script to run. `script` is final: the caller has interpolated it (interpolateShell). */
export interface ShellRequest {
  /** The effect id; echoed in the result. */
  id: string;
  script: string;
  cwd: string;
  /** The complete environment (see buildShellEnv); nothing is inherited from the daemon. */
  env: Record<string, string>;
  /** Defaults to 24 h: every subprocess has a timeout (lessons §7). */
  timeoutMs?: number;
  /** Output (stdout and stderr, raw) is appended here between a header and a footer line. */
  logFile?: string;
  /** Names the run in the log header; defaults to `id`. */
  label?: string;
  /** Aborting it terminates the process group; the result then says `cancelled`. */
  signal?: AbortSignal;
  /** Time between SIGTERM and SIGKILL to the group, in ms. Default 5 s. */
  killGraceMs?: number;
  /** Called with the process group id once the shell runs. */
  onSpawn?: (pgid: number) => void;
  /**
   * Where to record the process group while the shell runs (src/actors/group-file.ts): written
   * synchronously as it starts, removed once it has ended, so a daemon that restarts after a crash
   * can kill a group that outlived it.
   */
  groupFile?: string;
}

export interface ShellResult {
  id: string;
  /** Exited with code 0, neither timed out nor cancelled. */
  ok: boolean;
  exitCode: number | null;
  /** The signal that ended the script's shell, e.g. `SIGTERM` after a timeout. */
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  /**
   * The last ~2 KB of the run's output, for error messages; read back from the log file only when
   * the run failed, so it is '' for successful runs and for runs without a log file. If other runs
   * append to the same log at the same time, their output may be mixed in.
   */
  tail: string;
  /** What went wrong, for humans: `exited with code 3`, `timed out after 5m`, `cancelled`, … */
  error?: string;
}

/** The runtime's Clock, structurally; declared here so this folder does not import upward. */
export interface ShellClock {
  now(): number;
  setTimer(at: number, fire: () => void): () => void;
}

export interface ShellDeps {
  clock: ShellClock;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

const SHELL = '/bin/sh';
const DEFAULT_TIMEOUT_MS = 24 * 3_600_000; // matches the daemon's cap on any phase
const DEFAULT_KILL_GRACE_MS = 5_000; // room for a test runner or build tool to clean up
const TAIL_BYTES = 2_048; // enough context for an error message, small enough for an event

/** A run that never got a result from its shell (its runner failed or went away), as a result. */
export function shellFailure(id: string, error: string): ShellResult {
  return {
    id,
    ok: false,
    exitCode: null,
    signal: null,
    timedOut: false,
    cancelled: false,
    durationMs: 0,
    tail: '',
    error,
  };
}

/**
 * Runs `request.script` and resolves when its shell exits. Never rejects for a failing, missing or
 * killed command (that is a result with `ok: false`); throws only for invalid arguments.
 * The script leads its own process group: on timeout or abort the group gets SIGTERM, then SIGKILL
 * after `killGraceMs`, so background children die with it. Processes the script leaves behind
 * after a normal exit are terminated the same way (start a service with `setsid` to keep it).
 */
export async function runShell(request: ShellRequest, deps: ShellDeps): Promise<ShellResult> {
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const graceMs = request.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  checkPositive('timeoutMs', timeoutMs);
  checkPositive('killGraceMs', graceMs);
  const { clock } = deps;
  const started = clock.now();
  const outcome = (fields: Partial<ShellResult>): ShellResult => ({
    id: request.id,
    ok: false,
    exitCode: null,
    signal: null,
    timedOut: false,
    cancelled: false,
    durationMs: clock.now() - started,
    tail: '',
    ...fields,
  });
  if (request.signal?.aborted) return outcome({ cancelled: true, error: 'cancelled' });

  let log: RunLog | undefined;
  if (request.logFile !== undefined) {
    try {
      log = await RunLog.open(request.logFile, header(request, started));
    } catch (err) {
      return outcome({ error: `could not write log file "${request.logFile}": ${messageOf(err)}` });
    }
  }
  try {
    const result = await spawnAndWait(request, deps, timeoutMs, graceMs, log?.fd);
    const fields = toFields(result, timeoutMs);
    // The run's last bytes: the tail when it failed, else just enough to see whether the output
    // ended its last line (the footer must start on a line of its own).
    const last = log ? await log.readEnd(fields.ok ? 1 : TAIL_BYTES, deps) : Buffer.alloc(0);
    const done = outcome({ ...fields, tail: fields.ok ? '' : decodeTail(last) });
    const newline = last.length > 0 && last.at(-1) !== 0x0a ? '\n' : '';
    await log?.append(newline + footer(done), deps);
    return done;
  } finally {
    log?.close(deps);
  }
}

/**
 * The daemon's own settings, kept for the commands it runs: a nested `oj` that has to start a
 * daemon again (after a crash) starts it configured the same way.
 */
const DAEMON_SETTINGS: readonly string[] = [
  'OJ_FAKE_AGENTS',
  'OJ_SESSION_TIMING',
  'OJ_AGENT_NICE',
  'OJ_GIT_TIMEOUT',
  'OJ_NOTIFY_EVENTS',
  'OJ_NOTIFY_DESKTOP',
  'OJ_NOTIFY_WEBHOOK',
];

/**
 * The environment for a phase: `base` (the daemon's own) without any OJ_* variable but the
 * daemon's settings — so a phase never sees another pipeline's or the user's shell's oj context —
 * plus `extra` (OJ_STATE_DIR, OJ_PROJECT, OJ_PIPELINE, OJ_PHASE, OJ_WORKSPACE, OJ_EPOCH, supplied
 * by the caller). Pure.
 */
export function buildShellEnv(
  base: Readonly<Record<string, string | undefined>>,
  extra: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined) continue;
    if (!key.startsWith('OJ_') || DAEMON_SETTINGS.includes(key)) env[key] = value;
  }
  return Object.assign(env, extra);
}

interface RawResult {
  exitCode: number | null;
  signal: string | null;
  ended: 'timeout' | 'cancel' | null;
  startError?: string;
}

/** Spawns the script with its output on `fd` (or discarded) and waits for its shell to exit. */
async function spawnAndWait(
  request: ShellRequest,
  deps: ShellDeps,
  timeoutMs: number,
  graceMs: number,
  fd: number | undefined,
): Promise<RawResult> {
  const { clock, log } = deps;
  if (request.signal?.aborted) return { exitCode: null, signal: null, ended: 'cancel' };
  // Output goes straight to the log's file descriptor: no pipes, so nothing to pump through the
  // event loop, and a background child that keeps stdout open cannot hold the run open.
  const output = fd ?? 'ignore';
  const start = (file: string, args: string[]) => startProcess(file, args, request, output);
  const argv = plainArgv(request.script);
  let child = argv === null ? null : start(argv[0] as string, argv.slice(1));
  // A plain command that cannot start (not found, not executable) goes through the shell after
  // all, so it fails exactly as a shell reports it (exit 127 or 126, the shell's message).
  if (child?.pid === undefined) child = start(SHELL, ['-c', execIfSimple(request.script)]);
  const pid = child.pid;
  if (pid === undefined) {
    const failed = await child.ended;
    return {
      exitCode: null,
      signal: null,
      ended: null,
      startError: await startError(request.cwd, failed.error ?? {}),
    };
  }

  if (request.groupFile !== undefined) {
    const failed = writeGroupFile(request.groupFile, pid);
    if (failed !== null) log?.('warn', `${request.id}: ${failed}`);
  }
  request.onSpawn?.(pid);
  let ended: RawResult['ended'] = null;
  let cancelKill: (() => void) | undefined;
  const terminate = (why: RawResult['ended']): void => {
    if (cancelKill !== undefined) return;
    ended = why;
    signalGroup(pid, 'SIGTERM', log);
    // The group id is the shell's pid; Linux hands pids out in sequence, so it cannot name another
    // group within the grace period unless the whole pid space wraps around meanwhile.
    cancelKill = clock.setTimer(clock.now() + graceMs, () => signalGroup(pid, 'SIGKILL', log));
  };
  const cancelTimeout = clock.setTimer(clock.now() + timeoutMs, () => terminate('timeout'));
  const onAbort = (): void => terminate('cancel');
  request.signal?.addEventListener('abort', onAbort, { once: true });

  const result = await child.ended;
  cancelTimeout();
  request.signal?.removeEventListener('abort', onAbort);
  if (isGroupAlive(pid)) {
    if (ended === null) {
      log?.('warn', `${request.id}: terminating processes the script left running`);
      terminate(null);
    }
  } else {
    cancelKill?.();
  }
  if (request.groupFile !== undefined) removeGroupFile(request.groupFile);
  return { exitCode: result.exitCode ?? null, signal: result.signal ?? null, ended };
}

function toFields(raw: RawResult, timeoutMs: number): Partial<ShellResult> {
  const base = { exitCode: raw.exitCode, signal: raw.signal };
  if (raw.startError !== undefined) return { ...base, error: `could not start: ${raw.startError}` };
  if (raw.ended === 'cancel') return { ...base, cancelled: true, error: 'cancelled' };
  if (raw.ended === 'timeout') {
    return { ...base, timedOut: true, error: `timed out after ${formatDuration(timeoutMs)}` };
  }
  if (raw.signal !== null) return { ...base, error: `killed by ${raw.signal}` };
  if (raw.exitCode !== 0) return { ...base, error: `exited with code ${String(raw.exitCode)}` };
  return { ...base, ok: true };
}

/** A started process: its pid (undefined when it could not start) and how it ended. */
interface Started {
  pid: number | undefined;
  ended: Promise<{ exitCode: number | null; signal: string | null; error?: SpawnFailure }>;
}

interface SpawnFailure {
  code?: string;
  message?: string;
}

/**
 * Starts `file` with `args` leading its own process group, output on `output`. node:child_process
 * rather than execa here: a phase's start is the hottest path oj has, and execa's option handling
 * cost ~0.65 ms of each spawn (measured side by side: 1.70 against 1.06 ms), a third of a fork.
 */
function startProcess(
  file: string,
  args: string[],
  request: ShellRequest,
  output: number | 'ignore',
): Started {
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(file, args, {
      cwd: request.cwd,
      env: request.env, // the complete environment: nothing is inherited
      detached: true, // leads its own process group, so the group can be killed as one
      stdio: ['ignore', output, output],
    });
  } catch (err) {
    // Node throws some start failures (ENOTDIR…) and emits others (ENOENT, EACCES) as 'error'.
    const { code, message } = err as NodeJS.ErrnoException;
    return {
      pid: undefined,
      ended: Promise.resolve({ exitCode: null, signal: null, error: { code, message } }),
    };
  }
  const ended = new Promise<Awaited<Started['ended']>>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      resolve({ exitCode: null, signal: null, error: { code: err.code, message: err.message } }),
    );
    child.once('exit', (exitCode, signal) => resolve({ exitCode, signal }));
  });
  return { pid: child.pid, ended };
}

/** Why the shell could not be spawned, naming the culprit. */
async function startError(cwd: string, failed: SpawnFailure): Promise<string> {
  if (failed.code === 'ENOENT' || failed.code === 'ENOTDIR') {
    const dir = await stat(cwd).catch(() => null);
    if (dir === null) return `working directory "${cwd}" does not exist`;
    if (!dir.isDirectory()) return `working directory "${cwd}" is not a directory`;
  }
  // Node's message names the call, e.g. "spawn /bin/sh EACCES".
  const detail = failed.message ?? 'unknown error';
  return failed.code === undefined ? detail : `${failed.code}: ${detail}`;
}

/** Sends `sig` to every process in the group; a group that is already gone is fine. */
function signalGroup(pgid: number, sig: NodeJS.Signals, log: ShellDeps['log']): void {
  try {
    process.kill(-pgid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') {
      log?.('error', `could not send ${sig} to process group ${pgid}: ${messageOf(err)}`);
    }
  }
}

function isGroupAlive(pgid: number): boolean {
  // Mostly the group is gone and kill() throws: without a stack trace that costs a tenth as much.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** The log file of one run: opened once in append mode, its fd handed to the script. */
class RunLog {
  readonly #fd: number;
  readonly #start: number;

  private constructor(fd: number, start: number) {
    this.#fd = fd;
    this.#start = start;
  }

  /**
   * Opens (creating the directory if needed) and writes the header; the run's output follows.
   * Synchronous on purpose: these are a few tiny writes, and each thread-pool round trip of the
   * async API cost more than the write itself (~0.1 ms per phase, several per run).
   */
  static async open(path: string, headerLine: string): Promise<RunLog> {
    // 'a+' so the tail can be read back; O_APPEND keeps concurrent writers from overwriting.
    let fd: number;
    try {
      fd = openSync(path, 'a+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(dirname(path), { recursive: true });
      fd = openSync(path, 'a+');
    }
    try {
      writeSync(fd, headerLine);
      return new RunLog(fd, fstatSync(fd).size);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  get fd(): number {
    return this.#fd;
  }

  /** Up to `maxBytes` of what was written since the header, from the end. */
  async readEnd(maxBytes: number, deps: ShellDeps): Promise<Buffer> {
    try {
      const end = fstatSync(this.#fd).size;
      const buf = Buffer.alloc(Math.max(0, Math.min(maxBytes, end - this.#start)));
      if (buf.length === 0) return buf;
      const bytesRead = readSync(this.#fd, buf, 0, buf.length, end - buf.length);
      return buf.subarray(0, bytesRead);
    } catch (err) {
      deps.log?.('warn', `could not read back a log file: ${messageOf(err)}`);
      return Buffer.alloc(0);
    }
  }

  async append(text: string, deps: ShellDeps): Promise<void> {
    try {
      writeSync(this.#fd, text);
    } catch (err) {
      deps.log?.('warn', `could not append to a log file: ${messageOf(err)}`);
    }
  }

  close(deps: ShellDeps): void {
    try {
      closeSync(this.#fd);
    } catch (err) {
      deps.log?.('warn', `could not close a log file: ${messageOf(err)}`);
    }
  }
}

/** Decodes leniently: a cut through a multi-byte character leaves U+FFFD at the start; drop it. */
function decodeTail(bytes: Buffer): string {
  return bytes.toString('utf8').replace(/^\uFFFD+/, '');
}

function header(request: ShellRequest, at: number): string {
  const first = request.script.trimStart().split('\n', 1)[0] ?? '';
  const more = request.script.trim().includes('\n') ? ' …' : '';
  return `--- ${request.label ?? request.id} $ ${first}${more} (${new Date(at).toISOString()})\n`;
}

function footer(result: ShellResult): string {
  const how = result.exitCode !== null ? `exit ${result.exitCode}` : `exit ${result.signal ?? '-'}`;
  const why = result.ok || result.error === undefined ? '' : ` (${result.error})`;
  return `--- ${how} in ${result.durationMs} ms${why}\n`;
}

function checkPositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`runShell: ${name} must be a positive number of ms, got ${value}`);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Words the shell must run itself: `exec` of them would fail or change meaning. */
const SHELL_ONLY = new Set([
  'cd',
  'export',
  'set',
  'unset',
  'exit',
  'return',
  'source',
  '.',
  'alias',
  'eval',
  'exec',
  'read',
  'shift',
  'trap',
  'wait',
  'ulimit',
  'umask',
  'local',
  'readonly',
  'if',
  'then',
  'for',
  'while',
  'until',
  'case',
  'do',
  'done',
  'fi',
  'esac',
  '!',
  'time',
  'command',
  'builtin',
  'type',
  'hash',
  'jobs',
  'fg',
  'bg',
  'kill',
  'getopts',
  'times',
  ':',
  'true',
  'false',
  'echo',
  'printf',
  'test',
  '[',
  'pwd',
  'fc',
  'unalias',
  'newgrp',
  'break',
  'continue',
  'elif',
  'else',
  'in',
  '{',
  '}',
]);

/** Characters a word may hold and still mean exactly itself to the shell. */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * The program and arguments of a script that is one command of plain words (`bash -c true`,
 * `make test`, `./build.sh --fast`), which the shell would only split on spaces and exec: such a
 * script is started directly, saving the shell's own start (~1 ms of CPU a phase). Anything with
 * quotes, expansions, operators, redirections, an assignment or a shell builtin gives null. Pure.
 */
export function plainArgv(script: string): string[] | null {
  const words = script.trim().split(/[ \t]+/);
  const first = words[0] as string;
  if (first === '' || first.includes('=') || SHELL_ONLY.has(first)) return null;
  return words.every((word) => PLAIN_WORD.test(word)) ? words : null;
}

/**
 * `exec <script>` when the script is one simple command, so the shell replaces itself with the
 * program instead of forking once more (~0.4 ms a phase). Anything that is not plainly one
 * command — operators, redirections, substitutions, several lines, assignments, shell builtins —
 * is left exactly as written. Pure.
 */
export function execIfSimple(script: string): string {
  const text = script.trim();
  if (text === '' || text.includes('\n')) return script;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = null;
      else if (quote === '"' && (c === '$' || c === '`'))
        return script; // expansions in "…"
      else if (c === '\\' && quote === '"') i++;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (';&|<>()`{}$#*?[~'.includes(c)) return script;
  }
  const first = text.split(/\s+/)[0] as string;
  if (quote || first.includes('=') || SHELL_ONLY.has(first)) return script;
  return `exec ${text}`;
}
