// Starting a session host from the daemon: write <dir>/spawn.json, launch the sidecar detached with
// its output in <dir>/host.log, record its pid, and wait for host.json (or the host's spawn error).
// Also liveness checks from host.json that do not mistake a reused pid for the agent.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { distEntryPath } from './entry-paths.js';
import { messageOf, SessionError } from './errors.js';
import { ensurePrivateDir, readJsonIfPresent, writeJsonAtomic } from './files.js';
import {
  HOST_FILE,
  HOST_LOG_FILE,
  HOST_PID_FILE,
  SPAWN_ERROR_FILE,
  SPAWN_FILE,
} from './agent-files.js';
import { isPidAlive, isZombie, processesWhoseArgs, processStartTime, signalGroup } from './proc.js';
import { describeIssues, HostInfoSchema, SpawnErrorSchema, SpawnSpecSchema } from './protocol.js';
import type { HostInfo, SpawnSpec } from './protocol.js';

const DEFAULT_SPAWN_TIMEOUT_MS = 10_000;
const POLL_MS = 10; // host.json usually appears within ~100 ms
const LOG_TAIL_CHARS = 2_000;

/** A detached process to start: its own session, output appended to `logFile`. */
export interface DetachedStart {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
}

/** Starts a detached process somewhere else (the daemon's shell spawner); its pid or why not. */
export type StartDetached = (
  request: DetachedStart,
) => Promise<{ pid: number } | { error: string }>;

export interface SpawnHostOptions {
  /** The sidecar script (default: dist/session-host.js). */
  hostEntry?: string;
  /**
   * Starts the host from another process rather than this one. A fork blocks its caller until
   * the child has called exec, and under load a new session waits long for a CPU: measured in the
   * daemon under the load bench, ~100 ms per host, fifty at a time. Without it, this process forks.
   */
  start?: StartDetached;
  signal?: AbortSignal;
  /** How long to wait for host.json (default 10 s). */
  timeoutMs?: number;
}

/**
 * A host relays bytes and is mostly idle, and there is one per agent, so memory beats peak speed:
 * a 1 MB young generation and no optimizing compiler keep its RSS ~6 MB lower (bench/agents.mjs).
 */
const HOST_NODE_FLAGS = ['--max-semi-space-size=1', '--no-opt'];

/** The host's own environment (the agent's is in the spawn spec): nothing it does uses TLS. */
function hostEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _certs, NODE_OPTIONS: _options, ...rest } = env;
  return rest;
}

/**
 * Starts a session host for `spec` in `spec.dir` (created 0700) and resolves with its host.json
 * once it listens. The host is detached and unref'd: it outlives the caller. A live host that
 * an earlier caller started in that dir (up, or still starting) is joined instead: never two
 * hosts, and two agents, in one dir. Rejects with a SessionError (NOT_FOUND for a missing agent
 * program, SPAWN_FAILED otherwise) carrying the host's own message, or TIMEOUT; on timeout or
 * abort the host's process group is killed.
 */
export async function spawnSessionHost(
  spec: SpawnSpec,
  opts: SpawnHostOptions = {},
): Promise<HostInfo> {
  const parsed = SpawnSpecSchema.safeParse(spec);
  if (!parsed.success)
    throw new SessionError(
      'BAD_SPEC',
      `invalid spawn spec for agent "${spec.agentId}": ${describeIssues(parsed.error)}`,
    );
  const dir = parsed.data.dir;
  ensurePrivateDir(dir);
  // One host per agent dir. A host already there was started for this same agent generation by
  // a caller that died before it could record it (a daemon killed mid-spawn): join it, whether
  // it is up or still starting. Starting another would run the agent twice.
  const running = readHostInfo(dir);
  if (running && isPidAlive(running.hostPid) && existsSync(running.socket)) return running;
  const starting = startingHost(dir);
  if (starting) {
    const alive = () => isPidAlive(starting.pid) && !isZombie(starting.pid);
    return waitForHost(dir, spec.agentId, starting.pid, () => (alive() ? undefined : null), opts);
  }
  for (const stale of [HOST_FILE, SPAWN_ERROR_FILE, HOST_PID_FILE])
    rmSync(join(dir, stale), { force: true });
  writeJsonAtomic(join(dir, SPAWN_FILE), parsed.data);

  const entry = opts.hostEntry ?? distEntryPath('session-host.js');
  const args = [...HOST_NODE_FLAGS, entry, dir];
  if (opts.start) {
    const logFile = join(dir, HOST_LOG_FILE);
    const started = await opts.start({
      file: process.execPath,
      args,
      cwd: dir,
      env: hostEnv(process.env),
      logFile,
    });
    if ('error' in started) {
      const error = `could not start the session host: ${started.error}`;
      writeJsonAtomic(join(dir, SPAWN_ERROR_FILE), { error });
      throw new SessionError('SPAWN_FAILED', error);
    }
    recordHostPid(dir, started.pid);
    // Its parent reaps it, so a host that exited is simply gone; its log says why.
    const gone = () => (isPidAlive(started.pid) && !isZombie(started.pid) ? undefined : null);
    return waitForHost(dir, spec.agentId, started.pid, gone, opts);
  }
  const logFd = openSync(join(dir, HOST_LOG_FILE), 'a', 0o600);
  let child;
  try {
    child = spawn(process.execPath, args, {
      detached: true, // its own session: a daemon crash or Ctrl-C must not take the agents along
      stdio: ['ignore', logFd, logFd],
      cwd: dir,
      env: hostEnv(process.env),
    });
  } finally {
    closeSync(logFd);
  }
  child.unref();
  let exitCode: number | null | undefined;
  child.once('exit', (code, signal) => (exitCode = code ?? (signal ? -1 : null)));
  child.once('error', (err) => {
    exitCode = -1;
    writeJsonAtomic(join(dir, SPAWN_ERROR_FILE), {
      error: `could not start the session host: ${err.message}`,
    });
  });
  if (child.pid) recordHostPid(dir, child.pid);
  return waitForHost(dir, spec.agentId, child.pid, () => exitCode, opts);
}

/** host-pid.json: lets the next spawn in `dir` join a host that is still starting. */
function recordHostPid(dir: string, pid: number): void {
  writeJsonAtomic(join(dir, HOST_PID_FILE), { pid, startTime: processStartTime(pid) ?? null });
}

/**
 * Waits for the host `hostPid` of `dir` to write host.json. `exited` says how it ended when it
 * did (undefined while it runs). On timeout or abort the host's process group is killed.
 */
async function waitForHost(
  dir: string,
  agentId: string,
  hostPid: number | undefined,
  exited: () => number | null | undefined,
  opts: SpawnHostOptions,
): Promise<HostInfo> {
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_SPAWN_TIMEOUT_MS);
  for (;;) {
    const info = readHostInfo(dir);
    if (info) return info;
    const failure = readSpawnError(dir);
    if (failure) throw new SessionError(failure.code, failure.error);
    const exitCode = exited();
    if (exitCode !== undefined) {
      // Exited without a word (a crash before it could write spawn-error.json): show its log.
      throw new SessionError(
        'SPAWN_FAILED',
        `the session host for agent "${agentId}" exited (code ${exitCode ?? 'unknown'}) before listening; its log says: ${tailOf(join(dir, HOST_LOG_FILE))}`,
      );
    }
    if (opts.signal?.aborted || Date.now() >= deadline) {
      if (hostPid) signalGroup(hostPid, 'SIGKILL');
      if (opts.signal?.aborted)
        throw new SessionError('ABORTED', `spawning agent "${agentId}" was aborted`);
      throw new SessionError(
        'TIMEOUT',
        `the session host for agent "${agentId}" did not start within ${opts.timeoutMs ?? DEFAULT_SPAWN_TIMEOUT_MS} ms; see ${join(dir, HOST_LOG_FILE)}`,
      );
    }
    await sleep(POLL_MS);
  }
}

/**
 * The host an earlier spawner started in `dir` that is still starting: its process lives (the
 * same process: start time checked where /proc tells) and has written neither host.json nor
 * spawn-error.json yet.
 */
function startingHost(dir: string): { pid: number } | undefined {
  if (readHostInfo(dir) || readSpawnError(dir)) return undefined;
  const record = readJsonIfPresent(join(dir, HOST_PID_FILE)) as
    { pid?: unknown; startTime?: unknown } | undefined;
  if (record === undefined && existsSync(join(dir, SPAWN_FILE))) {
    // A spawner that died between starting the host and recording its pid: the host's command
    // line names its dir, so find it there.
    const [pid] = processesWhoseArgs(
      (argv) => argv.at(-1) === dir && (argv.at(-2) ?? '').endsWith('session-host.js'),
    );
    return pid === undefined ? undefined : { pid };
  }
  const pid = record?.pid;
  if (typeof pid !== 'number' || !isPidAlive(pid) || isZombie(pid)) return undefined;
  const now = processStartTime(pid);
  const then = typeof record?.startTime === 'number' ? record.startTime : undefined;
  return then === undefined || now === undefined || now === then ? { pid } : undefined;
}

/** The host.json in agent dir `dir`, or undefined when there is none (yet) or it does not parse. */
export function readHostInfo(dir: string): HostInfo | undefined {
  const parsed = HostInfoSchema.safeParse(readJsonIfPresent(join(dir, HOST_FILE)));
  return parsed.success ? parsed.data : undefined;
}

/**
 * Whether the agent of `info` still runs: its pid exists and, where /proc tells, started at the
 * recorded time (so a reused pid is not taken for it). Not the same as the host answering.
 */
export function isAgentAlive(info: Pick<HostInfo, 'agentPid' | 'agentStartTime'>): boolean {
  if (!isPidAlive(info.agentPid) || isZombie(info.agentPid)) return false;
  if (info.agentStartTime === undefined) return true;
  const now = processStartTime(info.agentPid);
  return now === undefined || now === info.agentStartTime; // no /proc (macOS): pid alone
}

/** SIGKILLs the agent's whole process group (the daemon's last resort when no `exit` arrives). */
export function killSessionGroup(info: Pick<HostInfo, 'pgid'>): boolean {
  return signalGroup(info.pgid, 'SIGKILL');
}

function readSpawnError(
  dir: string,
): { code: 'NOT_FOUND' | 'BAD_SPEC' | 'SPAWN_FAILED'; error: string } | undefined {
  const parsed = SpawnErrorSchema.safeParse(readJsonIfPresent(join(dir, SPAWN_ERROR_FILE)));
  if (!parsed.success) return undefined;
  const code = parsed.data.code;
  return {
    code: code === 'NOT_FOUND' || code === 'BAD_SPEC' ? code : 'SPAWN_FAILED',
    error: parsed.data.error,
  };
}

function tailOf(path: string): string {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text.length > LOG_TAIL_CHARS ? `…${text.slice(-LOG_TAIL_CHARS)}` : text || '(empty)';
  } catch (err) {
    return `(unreadable: ${messageOf(err)})`;
  }
}
