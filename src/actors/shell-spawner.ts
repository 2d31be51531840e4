// Runs shell requests in a small helper process, the shell spawner (dist/shell-spawner.js).
// Starting a process blocks whoever starts it until the child has called exec (libuv forks, then
// waits on a pipe), and a fork costs in proportion to the parent's memory: measured here, 0.9 ms
// from a 50 MB process against 1.7 ms from a 200 MB one, and 3.9 ms per spawn from a worker thread
// of the daemon during a 2,000-job drain (its heap, and the main thread faulting pages meanwhile).
// The spawner stays small, so its forks stay cheap, and the daemon's event loop never waits for one.
// It runs `runShell` unchanged; cancellation, the process group id and log lines cross as messages.
// If it dies, the runs it held are reported failed, their process groups killed, and the next run
// starts a new one. It exits when the daemon does (its IPC channel closes).
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readGroupFile, removeGroupFile } from './group-file.js';
import { shellFailure } from './shell.actor.js';
import type { ShellRequest, ShellResult } from './shell.actor.js';

/**
 * A process to start detached (its own session) and leave running, output appended to `logFile`:
 * how the daemon starts session hosts without forking itself.
 */
export interface StartRequest {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
}

/** Its pid once it runs, or why it could not start. */
export type StartResult = { pid: number } | { error: string };

/** What the daemon sends: a request without its signal and callback, a cancellation, a start. */
export type ToShellSpawner =
  | { type: 'run'; key: number; request: Omit<ShellRequest, 'signal' | 'onSpawn'> }
  | { type: 'cancel'; key: number }
  | { type: 'start'; key: number; request: StartRequest };

/** What the spawner answers. */
export type FromShellSpawner =
  | { type: 'spawned'; key: number; pgid: number }
  | { type: 'done'; key: number; result: ShellResult }
  | { type: 'started'; key: number; result: StartResult }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

/** How long a spawner may take to exit once its channel is closed. */
const CLOSE_GRACE_MS = 2_000;

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

interface Pending {
  request: ShellRequest;
  resolve: (result: ShellResult) => void;
  pgid?: number;
  unlisten?: () => void;
}

export class ShellSpawner {
  readonly #entry: string;
  readonly #log: Log;
  readonly #pending = new Map<number, Pending>();
  readonly #starts = new Map<number, (result: StartResult) => void>();
  #child: ChildProcess | null = null;
  #nextKey = 1;

  /** `entry` is the spawner's script (dist/shell-spawner.js). */
  constructor(entry: URL, log: Log) {
    this.#entry = fileURLToPath(entry);
    this.#log = log;
  }

  /** Like `runShell`: never rejects for a failing command. */
  run(request: ShellRequest): Promise<ShellResult> {
    const key = this.#nextKey++;
    const { signal, onSpawn: _onSpawn, ...plain } = request;
    return new Promise<ShellResult>((resolve) => {
      const pending: Pending = { request, resolve };
      this.#pending.set(key, pending);
      const child = this.#ensureChild();
      this.#send(child, { type: 'run', key, request: plain });
      if (!signal) return;
      const cancel = () => this.#send(child, { type: 'cancel', key });
      if (signal.aborted) return cancel();
      signal.addEventListener('abort', cancel, { once: true });
      pending.unlisten = () => signal.removeEventListener('abort', cancel);
    });
  }

  /** Starts a detached process and resolves once it runs (or could not start); never rejects. */
  start(request: StartRequest): Promise<StartResult> {
    const key = this.#nextKey++;
    return new Promise<StartResult>((resolve) => {
      this.#starts.set(key, resolve);
      this.#send(this.#ensureChild(), { type: 'start', key, request });
    });
  }

  /** How many runs and starts it holds now. */
  get running(): number {
    return this.#pending.size + this.#starts.size;
  }

  /** The spawner's pid while it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts the spawner now rather than on the first run (a Node start takes tens of ms). */
  warm(): void {
    this.#ensureChild();
  }

  /** Stops the spawner; runs it still held are reported failed and their groups killed. */
  async close(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect(); // it exits when its channel closes…
      const stuck = setTimeout(() => child.kill('SIGKILL'), CLOSE_GRACE_MS); // …or is made to
      await exited;
      clearTimeout(stuck);
    }
    this.#failAll('the daemon stopped');
  }

  #send(child: ChildProcess, message: ToShellSpawner): void {
    // A spawner that died meanwhile is noticed by its exit handler, which fails the run.
    if (child.connected) child.send(message);
  }

  #ensureChild(): ChildProcess {
    if (this.#child) return this.#child;
    const child = fork(this.#entry, [], {
      execArgv: [], // not the daemon's flags (an inspector port, a profiler)
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    child.unref(); // the daemon lives by its server and timers, not by this process
    child.channel?.unref();
    child.on('message', (message: FromShellSpawner) => this.#receive(message));
    const lost = (why: string) => {
      if (this.#child !== child) return;
      this.#child = null;
      this.#log('error', `the shell spawner stopped (${why}); the runs it held are failed`);
      this.#failAll(`the shell spawner stopped (${why})`);
    };
    child.on('error', (err) => lost(err.message));
    child.on('exit', (code, signal) => lost(signal ? `killed by ${signal}` : `exit code ${code}`));
    this.#child = child;
    return child;
  }

  #receive(message: FromShellSpawner): void {
    if (message.type === 'log') return this.#log(message.level, message.message);
    if (message.type === 'started') {
      this.#starts.get(message.key)?.(message.result);
      this.#starts.delete(message.key);
      return;
    }
    const pending = this.#pending.get(message.key);
    if (!pending) return;
    if (message.type === 'spawned') {
      pending.pgid = message.pgid;
      pending.request.onSpawn?.(message.pgid);
      return;
    }
    this.#pending.delete(message.key);
    pending.unlisten?.();
    pending.resolve(message.result);
  }

  #failAll(why: string): void {
    // A start in flight may have started its process, unannounced: it runs detached, and the
    // caller's own checks (a session host's command line) find it.
    for (const [key, resolve] of this.#starts) {
      this.#starts.delete(key);
      resolve({ error: why });
    }
    for (const [key, pending] of this.#pending) {
      this.#pending.delete(key);
      pending.unlisten?.();
      // The group file covers a shell that started just before the spawner died, unannounced.
      const file = pending.request.groupFile;
      const recorded = file === undefined ? null : readGroupFile(file);
      const pgid = pending.pgid ?? (recorded?.same ? recorded.pgid : undefined);
      if (pgid !== undefined) killGroup(pgid);
      if (file !== undefined) removeGroupFile(file);
      pending.resolve(shellFailure(pending.request.id, why));
    }
  }
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * A few spawners, so that one fork need not wait for another: a run goes to the spawner holding
 * the fewest runs, and another spawner is started only while every one is busy. Draining 2,000
 * one-phase jobs at concurrency 8, two spawners gave 360 jobs/s against 310 for one; a daemon
 * that runs one phase at a time keeps one.
 */
export class ShellSpawnerPool {
  readonly #make: () => ShellSpawner;
  readonly #size: number;
  readonly #spawners: ShellSpawner[] = [];

  constructor(entry: URL, log: Log, size = 2) {
    this.#make = () => new ShellSpawner(entry, log);
    this.#size = size;
  }

  /** Like `runShell`: never rejects for a failing command. */
  run(request: ShellRequest): Promise<ShellResult> {
    return this.#pick().run(request);
  }

  #pick(): ShellSpawner {
    let best = this.#spawners[0];
    for (const spawner of this.#spawners)
      if (best === undefined || spawner.running < best.running) best = spawner;
    if (best === undefined || (best.running > 0 && this.#spawners.length < this.#size)) {
      best = this.#make();
      this.#spawners.push(best);
    }
    return best;
  }

  /** Like `ShellSpawner.start`, from the spawner holding the fewest runs. */
  start(request: StartRequest): Promise<StartResult> {
    return this.#pick().start(request);
  }

  /** Starts the first spawner now rather than on the first run. */
  warm(): void {
    if (this.#spawners.length === 0) this.#spawners.push(this.#make());
    this.#spawners[0]?.warm();
  }

  /** The pids of the spawners that run. */
  get pids(): number[] {
    return this.#spawners.flatMap((s) => (s.pid === undefined ? [] : [s.pid]));
  }

  async close(): Promise<void> {
    await Promise.all(this.#spawners.map((s) => s.close()));
  }
}
