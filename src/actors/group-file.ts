// The small file that names a running shell's process group: "<pgid> <start time>". It is written
// synchronously as the shell starts — by whichever process starts it — so a daemon that restarts
// after a crash can find the group and kill it, and the start time proves it is still the same
// process before it does.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Records that `pgid` runs; never throws (a run is not failed for its bookkeeping). */
export function writeGroupFile(file: string, pgid: number): string | null {
  const line = `${pgid} ${processStartTime(pgid) ?? ''}`;
  try {
    writeFileSync(file, line);
    return null;
  } catch {
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, line);
      return null;
    } catch (err) {
      return `could not record process group ${pgid} in ${file}: ${String(err)}`;
    }
  }
}

/** Forgets a group; never throws (a file left behind names a group that is gone: harmless). */
export function removeGroupFile(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // kept: the next start reads it, finds the group gone and removes it
  }
}

/** The group a file names, and whether that group is still the process that was recorded. */
export function readGroupFile(file: string): { pgid: number; same: boolean } | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const [group, started] = text.split(' ');
  const pgid = Number(group);
  if (!Number.isInteger(pgid) || pgid <= 1) return null;
  // After a reboot or a long time the number may name someone else: only a matching start time counts.
  return { pgid, same: Boolean(started) && processStartTime(pgid) === started };
}

/** The start time of a process (clock ticks since boot, /proc/<pid>/stat field 22), if it runs. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; the fields after it are plain.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
