// Killing an agent: an idle one gets SIGHUP on its process group; a working one is drained first
// (Esc every few seconds, up to drainMs), then SIGHUP; SIGKILL follows after the grace, and a
// second kill goes straight to SIGKILL (agents.md §5.10).
import { isGroupAlive, signalGroup } from './proc.js';
import type { AgentState, KillResult } from './protocol.js';

export interface ShutdownDeps {
  pgid: number;
  state(): AgentState;
  /** Writes Esc through the input gate (interrupts the agent's turn). */
  sendEsc(): Promise<void>;
  drainMs: number;
  drainEscEveryMs: number;
  shutdownMs: number;
  log(level: 'info' | 'warn', message: string): void;
}

export class Shutdown {
  readonly #deps: ShutdownDeps;
  #requested = false;
  #timers: NodeJS.Timeout[] = [];

  constructor(deps: ShutdownDeps) {
    this.#deps = deps;
  }

  /** Whether a kill was asked for (the agent's exit then also clears its group). */
  get requested(): boolean {
    return this.#requested;
  }

  /** Starts (or, the second time, escalates) the kill; returns at once, `exit` follows. */
  kill(opts: { graceMs?: number; drain?: boolean }): KillResult {
    const { state } = this.#deps;
    if (state() === 'exited') return { signal: null, draining: false, alreadyExited: true };
    if (this.#requested) {
      this.#signal('SIGKILL', 'second kill');
      return { signal: 'SIGKILL', draining: false, alreadyExited: false };
    }
    this.#requested = true;
    const graceMs = opts.graceMs ?? this.#deps.shutdownMs;
    if (state() === 'working' && opts.drain !== false && this.#deps.drainMs > 0) {
      this.#drain(graceMs);
      return { signal: 'SIGHUP', draining: true, alreadyExited: false };
    }
    this.#hangUp(graceMs);
    return { signal: 'SIGHUP', draining: false, alreadyExited: false };
  }

  /** The agent exited: stop the timers; after a kill, nothing of its group may stay behind. */
  agentExited(): void {
    this.dispose();
    if (this.#requested && isGroupAlive(this.#deps.pgid))
      this.#signal('SIGKILL', 'the agent exited; clearing its process group');
  }

  dispose(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers = [];
  }

  #drain(graceMs: number): void {
    const deadline = Date.now() + this.#deps.drainMs;
    const step = (): void => {
      if (this.#deps.state() === 'exited') return;
      if (this.#deps.state() !== 'working' || Date.now() >= deadline) {
        this.#hangUp(graceMs);
        return;
      }
      this.#deps.sendEsc().catch(() => undefined);
      this.#later(Math.min(this.#deps.drainEscEveryMs, Math.max(1, deadline - Date.now())), step);
    };
    this.#deps.log('info', `draining the working agent for up to ${this.#deps.drainMs} ms`);
    step();
  }

  #hangUp(graceMs: number): void {
    this.#signal('SIGHUP', 'kill');
    this.#later(graceMs, () => this.#signal('SIGKILL', `still running ${graceMs} ms after SIGHUP`));
  }

  #signal(signal: NodeJS.Signals, why: string): void {
    this.#deps.log('info', `sending ${signal} to process group ${this.#deps.pgid} (${why})`);
    signalGroup(this.#deps.pgid, signal);
  }

  #later(ms: number, fn: () => void): void {
    this.#timers.push(setTimeout(fn, ms));
  }
}
