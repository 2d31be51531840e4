// Process groups of running shell effects, recorded on disk (one small file per effect) so a daemon
// that restarts after a crash can find and kill phases the previous one left running.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class ProcessGroups {
  readonly #dir: string;
  readonly #log: (level: 'info' | 'warn' | 'error', message: string) => void;
  #made = false;

  constructor(dir: string, log: (level: 'info' | 'warn' | 'error', message: string) => void) {
    this.#dir = dir;
    this.#log = log;
  }

  /** Remembers that effect `id` runs as process group `pgid` (synchronous: it must survive a crash). */
  record(id: string, pgid: number): void {
    try {
      if (!this.#made) {
        mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
        this.#made = true;
      }
      writeFileSync(this.#file(id), `${pgid} ${startTime(pgid) ?? ''}`);
    } catch (err) {
      this.#log('warn', `could not record process group of ${id}: ${String(err)}`);
    }
  }

  forget(id: string): void {
    rmSync(this.#file(id), { force: true });
  }

  /** Effect ids with a recorded group. */
  recorded(): string[] {
    try {
      return readdirSync(this.#dir).map((f) => decodeURIComponent(f));
    } catch {
      return [];
    }
  }

  /** SIGKILLs the recorded group of `id` if it still runs; returns its pgid when it did. */
  kill(id: string): number | undefined {
    let pgid: number;
    let started: string | undefined;
    try {
      const [group, time] = readFileSync(this.#file(id), 'utf8').split(' ');
      pgid = Number(group);
      started = time || undefined;
    } catch {
      return undefined;
    }
    this.forget(id);
    if (!Number.isInteger(pgid) || pgid <= 1) return undefined;
    // Only the same process: after a reboot or a long time, the number may name someone else.
    if (started === undefined || startTime(pgid) !== started) return undefined;
    try {
      process.kill(-pgid, 'SIGKILL');
      return pgid;
    } catch {
      return undefined; // already gone
    }
  }

  #file(id: string): string {
    return join(this.#dir, encodeURIComponent(id));
  }
}

/** The start time of a process (clock ticks since boot, /proc/<pid>/stat field 22), if it runs. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; the fields after it are plain.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
