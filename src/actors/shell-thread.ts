// Runs shell requests on a worker thread. Starting a process blocks the thread that starts it until
// the child has called exec (libuv forks, then waits on a pipe): 1–2 ms on a quiet machine, but on
// a busy one the child waits for a core and the daemon's event loop waits with it — a profile of
// the load bench (50 agents, 1,000 items, 2 cores) showed spawn() holding the loop for most of
// its multi-second stalls. The thread runs `runShell` unchanged; cancellation, the process group
// id and log lines cross as messages. If the thread dies, the runs it held are reported failed,
// their process groups killed, and the next run starts a new thread.
import { Worker } from 'node:worker_threads';
import { shellFailure } from './shell.actor.js';
import type { ShellRequest, ShellResult } from './shell.actor.js';

/** What the daemon sends: a request without its signal and callback, or a cancellation. */
export type ToShellThread =
  | { type: 'run'; key: number; request: Omit<ShellRequest, 'signal' | 'onSpawn'> }
  | { type: 'cancel'; key: number };

/** What the thread answers. */
export type FromShellThread =
  | { type: 'spawned'; key: number; pgid: number }
  | { type: 'done'; key: number; result: ShellResult }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

interface Pending {
  request: ShellRequest;
  resolve: (result: ShellResult) => void;
  pgid?: number;
  unlisten?: () => void;
}

export class ShellThread {
  readonly #entry: URL;
  readonly #log: Log;
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | null = null;
  #nextKey = 1;

  /** `entry` is the worker's script (dist/shell-worker.js). */
  constructor(entry: URL, log: Log) {
    this.#entry = entry;
    this.#log = log;
  }

  /** Like `runShell`: never rejects for a failing command. */
  run(request: ShellRequest): Promise<ShellResult> {
    const key = this.#nextKey++;
    const { signal, onSpawn: _onSpawn, ...plain } = request;
    return new Promise<ShellResult>((resolve) => {
      const pending: Pending = { request, resolve };
      this.#pending.set(key, pending);
      const worker = this.#ensureWorker();
      worker.postMessage({ type: 'run', key, request: plain } satisfies ToShellThread);
      if (!signal) return;
      const cancel = () => worker.postMessage({ type: 'cancel', key } satisfies ToShellThread);
      if (signal.aborted) return cancel();
      signal.addEventListener('abort', cancel, { once: true });
      pending.unlisten = () => signal.removeEventListener('abort', cancel);
    });
  }

  /** Starts the thread now rather than on the first run (a new thread takes tens of ms). */
  warm(): void {
    this.#ensureWorker();
  }

  /** Stops the thread; runs it still held are reported failed and their groups killed. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    if (worker) await worker.terminate();
    this.#failAll('the daemon stopped');
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(this.#entry);
    worker.unref(); // the daemon lives by its server and timers, not by this thread
    worker.on('message', (message: FromShellThread) => this.#receive(message));
    const lost = (why: string) => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      this.#log('error', `the shell thread stopped (${why}); the runs it held are failed`);
      this.#failAll(`the shell thread stopped (${why})`);
    };
    worker.on('error', (err) => lost(err.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    this.#worker = worker;
    return worker;
  }

  #receive(message: FromShellThread): void {
    if (message.type === 'log') return this.#log(message.level, message.message);
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
    for (const [key, pending] of this.#pending) {
      this.#pending.delete(key);
      pending.unlisten?.();
      if (pending.pgid !== undefined) killGroup(pending.pgid);
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
