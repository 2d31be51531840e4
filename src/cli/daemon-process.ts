// The daemon as a process, seen from the CLI: spawn it detached and wait until it answers, stop it
// (gracefully, then SIGKILL), wait for its pid to go, and quote its log when it will not start.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  isDaemonProcess,
  isProcessAlive,
  readDaemonPid,
  removeDaemonFiles,
} from '../runtime/index.js';
import type { StatePaths } from '../runtime/index.js';
import { CliError } from './errors.js';

/** How often a waiting CLI re-checks the socket or the pid (a real condition, with a deadline). */
const POLL_MS = 20;
/** How long `stop` waits for a graceful stop before it escalates (the daemon drains up to 10 s). */
export const STOP_TIMEOUT_MS = 15_000;
const SLOW_START_NOTE_MS = 2_000; // after this, a terminal is told why it waits
const LOG_TAIL_LINES = 12;
const MAX_SPAWNS = 3; // a start that loses the lock to a daemon that then stops tries again

/**
 * dist/ojd.js beside the bundled CLI (its chunks sit in dist/ too); from a source checkout, the
 * repository's dist/.
 */
export function daemonEntry(): string {
  for (const rel of ['./ojd.js', '../../dist/ojd.js']) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(file)) return file;
  }
  throw new CliError(
    'NOT_BUILT',
    'the daemon is not built (dist/ojd.js is missing); run "npm run build" in the oj checkout',
  );
}

/**
 * The per-run context of DESIGN.md §4 that a CLI inside a phase or agent carries: a daemon it
 * starts must not inherit it (it would leak into every command that daemon runs).
 */
export const RUN_CONTEXT_VARS = [
  'OJ_PROJECT',
  'OJ_PIPELINE',
  'OJ_PHASE',
  'OJ_WORKSPACE',
  'OJ_EPOCH',
];

/**
 * Starts ojd detached (own session, stdio appended to daemon.log, unref'd) for `paths.root` and
 * waits until `dial` returns a connection. If ojd exits with an error or does not answer within
 * `timeoutMs`, throws a CliError quoting the new lines of daemon.log.
 */
export async function spawnDaemon<T>(
  paths: StatePaths,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  dial: () => Promise<T | undefined>,
): Promise<T> {
  const entry = daemonEntry();
  // Loaded here, not at the top: only a start needs it (~1 ms of every other command's start-up).
  const { spawn } = await import('node:child_process');
  mkdirSync(paths.logs, { recursive: true, mode: 0o700 });
  const logStart = sizeOf(paths.log);
  const childEnv: NodeJS.ProcessEnv = { ...env, OJ_STATE_DIR: paths.root };
  for (const name of RUN_CONTEXT_VARS) delete childEnv[name];
  let spawns = 0;
  let outcome: { failed?: string; lostRace?: boolean } = {};
  const launch = () => {
    spawns++;
    const mine: typeof outcome = {};
    outcome = mine; // a late exit of an earlier child must not touch this one's outcome
    const fd = openSync(paths.log, 'a', 0o600);
    try {
      const child = spawn(process.execPath, [entry], {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: childEnv,
        cwd: paths.root,
      });
      // Exit 0 before answering: another ojd holds the lock (a racing start, or one still stopping).
      child.on('exit', (code, signal) => {
        if (code === 0) mine.lostRace = true;
        else mine.failed = signal ? `killed by ${signal}` : `exited with code ${code}`;
      });
      child.on('error', (err) => (mine.failed = `could not be spawned: ${err.message}`));
      child.unref();
    } finally {
      closeSync(fd);
    }
  };
  launch();
  const deadline = Date.now() + timeoutMs;
  let noteAt = Date.now() + SLOW_START_NOTE_MS;
  for (;;) {
    const conn = await dial().catch(() => undefined); // mid-start errors are retried until the deadline
    if (conn) return conn;
    if (Date.now() > noteAt && process.stderr.isTTY) {
      process.stderr.write('oj: ojd is still starting (replaying its journal)…\n');
      noteAt = Infinity;
    }
    if (outcome.failed) throw startFailed(paths, `ojd ${outcome.failed}`, logStart);
    if (Date.now() > deadline)
      throw startFailed(paths, `ojd did not answer within ${timeoutMs / 1000} s`, logStart);
    // The daemon that held the lock has gone without answering us (it was stopping): start again.
    if (outcome.lostRace && !lockHeld(paths) && spawns < MAX_SPAWNS) launch();
    await delay(POLL_MS);
  }
}

function lockHeld(paths: StatePaths): boolean {
  const pid = readDaemonPid(paths.pid);
  return pid !== undefined && isProcessAlive(pid) && isDaemonProcess(pid);
}

/** Waits until `pid` is gone; false if it is still alive after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) return false;
    await delay(POLL_MS);
  }
  return true;
}

/**
 * SIGKILLs the daemon named by the pid file (only if that pid is an ojd) and removes what it leaves
 * behind. Returns the pid it killed, or undefined when no daemon was running.
 */
export async function killDaemon(paths: StatePaths): Promise<number | undefined> {
  const pid = readDaemonPid(paths.pid);
  if (pid === undefined || !isProcessAlive(pid) || !isDaemonProcess(pid)) {
    if (pid !== undefined) removeDaemonFiles(paths); // stale files of a dead daemon
    return undefined;
  }
  process.kill(pid, 'SIGKILL');
  if (!(await waitForExit(pid, STOP_TIMEOUT_MS)))
    throw new CliError(
      'STOP_FAILED',
      `ojd (pid ${pid}) survived SIGKILL; check it with: ps -p ${pid}`,
    );
  cleanUpAfter(paths, pid);
  return pid;
}

/** Removes a dead daemon's socket, record and pid file, unless a new daemon has taken over. */
export function cleanUpAfter(paths: StatePaths, pid: number): void {
  if (readDaemonPid(paths.pid) === pid) removeDaemonFiles(paths);
}

/** The last lines of the daemon log written since byte `from` (else its last lines overall). */
export function logTail(paths: StatePaths, from = 0, lines = LOG_TAIL_LINES): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(paths.log);
  } catch {
    return '  (no daemon log)';
  }
  const fresh = bytes.subarray(from).toString('utf8');
  const text = fresh.trim() ? fresh : bytes.toString('utf8');
  const tail = text.trimEnd().split('\n').slice(-lines);
  return tail.map((l) => `  ${l.replaceAll('\\n', '\n    ')}`).join('\n');
}

function startFailed(paths: StatePaths, why: string, logStart: number): CliError {
  return new CliError(
    'DAEMON_START_FAILED',
    `could not start ojd for ${paths.root}: ${why}. Last lines of ${paths.log}:\n${logTail(paths, logStart)}\n(full log: oj daemon logs)`,
  );
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
