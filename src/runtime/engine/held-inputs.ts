// Inputs the engine makes itself (effect results, agent state, timers) that the journal refused
// because the disk is full are held in order and submitted again once it takes writes, so a phase
// that finished while the disk was full still completes — without a daemon restart.
import { isNoSpace } from '../store/index.js';
import type { Clock } from '../clock.js';
import type { RecordBody } from './records.js';

const RETRY_MS = 500; // how often a full journal is tried again while inputs wait
const MAX_HELD = 10_000; // beyond this, inputs are dropped (a restart reconciles what they said)

export interface HeldInputsDeps {
  clock: Clock;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** Wraps the engine's `submit` for internal inputs: never rejects; holds what a full disk refused. */
export class HeldInputs {
  readonly #submit: (body: RecordBody) => Promise<unknown>;
  readonly #deps: HeldInputsDeps;
  readonly #held: RecordBody[] = [];
  #dropped = 0;
  #full = false; // from the first refusal until a retry gets everything journaled
  #cancel: (() => void) | null = null;

  constructor(submit: (body: RecordBody) => Promise<unknown>, deps: HeldInputsDeps) {
    this.#submit = submit;
    this.#deps = deps;
  }

  /** Journals and processes `body`; while others wait for space, it waits behind them (order). */
  submit = (body: RecordBody): Promise<void> => {
    if (this.#held.length > 0) {
      this.#hold(body);
      return Promise.resolve();
    }
    return this.#try(body);
  };

  /** Stops retrying (the daemon is stopping); what is still held was never journaled. */
  close(): void {
    this.#cancel?.();
    this.#cancel = null;
    if (this.#held.length)
      this.#deps.log(
        'error',
        `${this.#held.length} inputs were never journaled (the disk stayed full): ${this.#summary()}; the next start reconciles them`,
      );
  }

  #try(body: RecordBody): Promise<void> {
    return this.#submit(body).then(
      () => undefined,
      (err: unknown) => {
        if (isNoSpace(err)) this.#hold(body);
        else this.#deps.log('error', `could not journal ${body.type}: ${String(err)}`);
      },
    );
  }

  #hold(body: RecordBody): void {
    if (body.type === 'agent:activity') return; // a heartbeat is only news while it is fresh
    if (this.#held.length >= MAX_HELD) {
      this.#dropped++;
      return;
    }
    if (!this.#full)
      this.#deps.log('warn', `the journal is full: holding ${body.type} and later inputs`);
    this.#full = true;
    this.#held.push(body);
    this.#cancel ??= this.#deps.clock.setTimer(this.#deps.clock.now() + RETRY_MS, () => {
      this.#cancel = null;
      void this.#retry();
    });
  }

  async #retry(): Promise<void> {
    const batch = this.#held.splice(0);
    // Submitted in one turn, in their order: one transaction for all of them.
    await Promise.all(batch.map((body) => this.#try(body)));
    if (this.#held.length > 0) return;
    const dropped = this.#dropped ? `; ${this.#dropped} more were dropped` : '';
    this.#deps.log('info', `the journal takes writes again: held inputs journaled${dropped}`);
    this.#full = false;
    this.#dropped = 0;
  }

  #summary(): string {
    const counts = new Map<string, number>();
    for (const body of this.#held) counts.set(body.type, (counts.get(body.type) ?? 0) + 1);
    return [...counts].map(([type, n]) => `${n} ${type}`).join(', ');
  }
}
