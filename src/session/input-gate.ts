// The one way bytes reach the agent's PTY: an exclusive gate with a minimum gap between writes, so
// a nudge's text and Enter, a respond's digits and raw input never interleave (agents.md §5.3).
import { setTimeout as sleep } from 'node:timers/promises';
import type { InputStep } from './respond.js';

export interface InputGateDeps {
  /** Writes to the PTY. */
  write(data: string | Buffer): void;
  now(): number;
  /** Waits `ms`; the default is node's timers/promises setTimeout. */
  sleep?(ms: number): Promise<void>;
}

/** What a holder of the gate may do. */
export interface GateIo {
  write(data: string | Buffer): Promise<void>;
  pause(ms: number): Promise<void>;
  /** Runs `steps` in order (see respond.ts). */
  play(steps: readonly InputStep[]): Promise<number>;
}

export interface InputGate {
  /** Runs `fn` holding the gate; callers queue in arrival order. */
  run<T>(fn: (io: GateIo) => Promise<T>): Promise<T>;
  /** Called after every write, with the data (e.g. to cancel a pending nudge retry). */
  onWrite(listener: (data: string | Buffer) => void): () => void;
}

/** Creates a gate that keeps at least `gapMs` between two writes. */
export function createInputGate(deps: InputGateDeps, gapMs: number): InputGate {
  const pause = deps.sleep ?? ((ms: number) => sleep(ms));
  const listeners = new Set<(data: string | Buffer) => void>();
  let lastWriteAt = -Infinity;
  let tail: Promise<unknown> = Promise.resolve();

  const write = async (data: string | Buffer): Promise<void> => {
    const wait = lastWriteAt + gapMs - deps.now();
    if (wait > 0) await pause(wait);
    deps.write(data);
    lastWriteAt = deps.now();
    for (const l of listeners) l(data);
  };
  const io: GateIo = {
    write,
    pause: (ms) => (ms > 0 ? pause(ms) : Promise.resolve()),
    async play(steps) {
      let bytes = 0;
      for (const step of steps) {
        if ('write' in step) {
          if (step.write === '') continue;
          await write(step.write);
          bytes += Buffer.byteLength(step.write);
        } else await io.pause(step.pause);
      }
      return bytes;
    },
  };

  return {
    run(fn) {
      const result = tail.then(() => fn(io));
      tail = result.catch(() => undefined);
      return result;
    },
    onWrite(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
