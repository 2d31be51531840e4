// Time and identity for the fake agent. Everything it writes to the session log comes from a fake
// clock and hash-derived ids, so two runs of one scenario write the same log; only the trace's `at`
// stamps and real waits (sleep, barrier polling, notification delays) read the wall clock, here.
import { createHash } from 'node:crypto';

/** A clock that starts at a fixed instant and moves `stepMs` each time it is read. */
export class FakeClock {
  private ms: number;

  constructor(
    start: string,
    private readonly stepMs: number,
  ) {
    this.ms = Date.parse(start);
  }

  /** Returns the current fake time as ISO 8601, then advances one step. */
  tick(): string {
    const iso = new Date(this.ms).toISOString();
    this.ms += this.stepMs;
    return iso;
  }

  /** Moves the clock past `iso` (a resumed log continues after its last entry). */
  advancePast(iso: string): void {
    const at = Date.parse(iso);
    if (Number.isFinite(at) && at >= this.ms) this.ms = at + this.stepMs;
  }
}

function hashHex(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

/** A version-4-shaped UUID derived from its parts: same parts, same id. */
export function deriveUuid(...parts: string[]): string {
  const h = hashHex(...parts);
  const variant = ((parseInt(h.charAt(16), 16) & 3) | 8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Hands out deterministic ids (uuids, `msg_…`, `toolu_…`) from a seed and a counter. */
export class IdSource {
  private n = 0;

  constructor(private readonly seed: string) {}

  uuid(): string {
    return deriveUuid(this.seed, String(this.n++));
  }

  /** e.g. `msg_01` + 22 hex digits, the shape of Anthropic ids. */
  prefixed(prefix: string): string {
    return `${prefix}_01${hashHex(this.seed, prefix, String(this.n++)).slice(0, 22)}`;
  }
}

/** Wall-clock milliseconds, for trace stamps and real delays only. */
export function wallNow(): number {
  return Date.now();
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Calls `check` every `everyMs` until it is true; rejects when the signal aborts. */
export async function pollUntil(
  check: () => boolean,
  everyMs: number,
  signal?: AbortSignal,
): Promise<void> {
  while (!check()) await delay(everyMs, signal);
}

/** Runs `fn` once after `ms` unless cancelled; returns the cancel function. */
export function schedule(ms: number, fn: () => void): () => void {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
}

/** Keeps the process alive while nothing else would (a hung step with stdin closed). */
export function keepAlive(): () => void {
  const timer = setInterval(() => undefined, 60_000);
  return () => clearInterval(timer);
}
