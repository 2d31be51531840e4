// Process groups of running shell effects, recorded on disk (one small file per effect) so a daemon
// that restarts after a crash can find and kill phases the previous one left running. The shell
// spawner writes and removes the files (src/actors/group-file.ts); the daemon reads them.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readGroupFile, removeGroupFile } from '../../actors/index.js';

export class ProcessGroups {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Where the group of effect `id` is recorded while its shell runs (ShellRequest.groupFile). */
  fileOf(id: string): string {
    return join(this.#dir, encodeURIComponent(id));
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
    const file = this.fileOf(id);
    const group = readGroupFile(file);
    removeGroupFile(file);
    if (group === null || !group.same) return undefined;
    try {
      process.kill(-group.pgid, 'SIGKILL');
      return group.pgid;
    } catch {
      return undefined; // already gone
    }
  }
}
