// The daemon's lifecycle: take the per-state-dir lock, start the services (the engine plugs in
// here), serve IPC until SIGTERM/SIGINT or a `daemon.stop` request, then shut down in reverse order.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { PROTOCOL_VERSION } from '../wire/index.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { startIpcServer } from './ipc/index.js';
import type { Handlers, IpcServer } from './ipc/index.js';
import { createFileLog } from './log.js';
import type { Log } from './log.js';
import { ensurePrivateDir, readSocketPath, statePaths } from './paths.js';
import type { StatePaths } from './paths.js';
import { acquirePidLock } from './pid-lock.js';

/** How long services.close() may drain in-flight work before the daemon stops anyway. */
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
const DAEMON_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

export interface ServicesContext {
  stateDir: string;
  paths: StatePaths;
  log: Log;
  /** Aborted when the daemon starts stopping. */
  signal: AbortSignal;
}

/** What the engine (or any other service) adds to the daemon. */
export interface DaemonServices {
  handlers: Handlers;
  /**
   * Drains in-flight work and writes final state; bounded by the daemon's shutdown timeout. With
   * `kill`, agent sessions (which otherwise outlive the daemon) are killed too.
   */
  close(options?: { kill?: boolean }): Promise<void>;
}

export type ServicesFactory = (ctx: ServicesContext) => Promise<DaemonServices>;

export interface DaemonOptions {
  stateDir: string;
  version: string;
  services: ServicesFactory;
  /** Read for XDG_RUNTIME_DIR (the socket fallback). */
  env?: NodeJS.ProcessEnv;
  /** Also write the log to stderr. */
  foreground?: boolean;
  maxFrameBytes?: number;
  shutdownTimeoutMs?: number;
  clock?: Clock;
}

/**
 * Runs the daemon until it is stopped; resolves with the process exit code (0 after a clean stop,
 * or when another live ojd already holds this state dir; 1 when start-up fails).
 */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  const clock = options.clock ?? systemClock;
  const now = () => clock.now();
  const startedAt = now();
  process.title = 'ojd'; // how another start recognises a live daemon behind a pid file
  const paths = statePaths(options.stateDir, options.env ?? {});
  mkdirSync(paths.root, { recursive: true, mode: 0o700 }); // an existing one keeps its mode
  ensurePrivateDir(paths.run);
  const fileLog = createFileLog({
    file: paths.log,
    echoFd: options.foreground ? 2 : undefined,
    now,
  });
  const { log } = fileLog;

  const lock = acquirePidLock(paths.pid);
  if (!lock.ok) {
    log('info', `ojd already running (pid ${lock.holder}) for ${paths.root}; this one exits`);
    await fileLog.close();
    return 0;
  }

  const stopper = new AbortController();
  // How late the event loop runs (for `oj daemon status` and the load bench).
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const startTimes = threadTimes();
  let server: IpcServer | undefined;
  const socketPath = paths.socket;
  let stopping: Promise<number> | undefined;
  let services: DaemonServices | undefined;
  let finish: (code: number) => void = () => {};
  const stopped = new Promise<number>((done) => (finish = done));

  const releaseFiles = () => {
    safeUnlink(socketPath);
    if (readSocketPath(paths) === socketPath) safeUnlink(paths.socketRecord);
    lock.release();
  };
  const stop = (reason: string, drain = true): Promise<number> =>
    (stopping ??= (async () => {
      log('info', `stopping (${reason})${drain ? '' : ' without draining'}`);
      server?.stopAccepting();
      stopper.abort(new Error(`ojd is stopping (${reason})`));
      const closed = (services?.close({ kill: !drain }) ?? Promise.resolve()).catch(
        (err: unknown) => log('error', `services failed to close: ${stackOf(err)}`),
      );
      // Without draining, close still runs (it kills the agent sessions), bounded all the same.
      const timeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
      if (!(await settlesWithin(closed, timeoutMs, clock)))
        log('warn', `services did not close within ${timeoutMs} ms; stopping anyway`);
      await server?.close();
      releaseFiles();
      log('info', 'stopped');
      finish(0);
      return 0;
    })());

  const builtin = {
    ping: async () => ({ pong: true as const, time: now() }),
    'daemon.status': async () => ({
      pid: process.pid,
      version: options.version,
      protocol: PROTOCOL_VERSION,
      startedAt,
      uptimeMs: now() - startedAt,
      stateDir: paths.root,
      socket: socketPath,
      connections: server?.connections() ?? 0,
      eventLoop: {
        p50: loopDelay.percentile(50) / 1e6,
        p99: loopDelay.percentile(99) / 1e6,
        max: loopDelay.max / 1e6,
      },
      rssBytes: process.memoryUsage.rss(),
      ...mainThreadTimes(startTimes),
    }),
    'daemon.stop': async (params: { kill?: boolean | undefined }) => {
      // Stop after this reply is on its way (it is queued before the connection closes).
      setImmediate(() => void stop('daemon.stop request', !params.kill));
      return { stopping: true as const, pid: process.pid };
    },
  } satisfies Handlers;

  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopping) return void stop(signal);
    log('warn', `${signal} again while stopping: exiting now`);
    releaseFiles();
    process.exit(1);
  };
  const onUncaught = (err: unknown) =>
    log('error', `uncaught (ojd keeps running): ${stackOf(err)}`);
  for (const signal of DAEMON_SIGNALS) process.on(signal, onSignal);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  const detach = () => {
    for (const signal of DAEMON_SIGNALS) process.off(signal, onSignal);
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  };

  try {
    // We hold the lock, so any socket left here belongs to a dead daemon.
    safeUnlink(readSocketPath(paths));
    safeUnlink(paths.socket);
    services = await options.services({ stateDir: paths.root, paths, log, signal: stopper.signal });
    const clash = Object.keys(services.handlers).filter((m) => Object.hasOwn(builtin, m));
    if (clash.length)
      throw new Error(`services may not replace built-in methods: ${clash.join(', ')}`);
    server = await startIpcServer({
      socketPath,
      version: options.version,
      handlers: { ...services.handlers, ...builtin },
      log,
      maxFrameBytes: options.maxFrameBytes,
      startedAt,
      clock,
    });
    writeAtomically(paths.socketRecord, `${socketPath}\n`);
  } catch (err) {
    log('error', `ojd failed to start: ${stackOf(err)}`);
    await stop('start-up failed');
    detach();
    await fileLog.close();
    return 1;
  }
  log('info', `ojd ${options.version} ready (pid ${process.pid}, socket ${socketPath})`);
  const code = await stopped;
  detach();
  await fileLog.close();
  return code;
}

/** Whether `promise` settles within `ms` (it is not cancelled either way). */
async function settlesWithin(
  promise: Promise<unknown>,
  ms: number,
  clock: Clock,
): Promise<boolean> {
  let cancel = () => {};
  const timeout = new Promise<false>(
    (done) => (cancel = clock.setTimer(clock.now() + ms, () => done(false))),
  );
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    cancel();
  }
}

function writeAtomically(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  renameSync(temp, file);
}

function safeUnlink(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function stackOf(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/**
 * The calling thread's time on a CPU and waiting on a run queue, in ms (Linux
 * /proc/thread-self/schedstat, in ns); undefined where there is no such file.
 */
function threadTimes(): { runMs: number; waitMs: number } | undefined {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    if (run === undefined || wait === undefined || !Number.isFinite(run + wait)) return undefined;
    return { runMs: run / 1e6, waitMs: wait / 1e6 };
  } catch {
    return undefined;
  }
}

/** The main thread's times since `since` (taken at start), for `daemon.status`. */
function mainThreadTimes(since: ReturnType<typeof threadTimes>): {
  mainThread?: { runMs: number; waitMs: number };
} {
  const now = threadTimes();
  if (now === undefined || since === undefined) return {};
  return {
    mainThread: {
      runMs: Math.round(now.runMs - since.runMs),
      waitMs: Math.round(now.waitMs - since.waitMs),
    },
  };
}
