// Process facts the host, the spawner and the daemon need: whether a pid is alive and still the
// same process (start time from /proc, so a reused pid is not taken for the agent), and group signals.
import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';

/**
 * The start time of `pid` in clock ticks since boot (/proc/<pid>/stat field 22), or undefined where
 * /proc is not available (macOS) or the process is gone.
 */
export function processStartTime(pid: number): number | undefined {
  const fields = statFields(pid);
  const value = Number(fields?.[19]); // field 22 overall; fields[0] is field 3
  return fields && Number.isFinite(value) ? value : undefined;
}

/** Whether `pid` is a zombie: dead, not yet reaped (kill(pid, 0) still succeeds). Linux only. */
export function isZombie(pid: number): boolean {
  return statFields(pid)?.[0] === 'Z';
}

/** /proc/<pid>/stat from field 3 (state) on, or undefined without /proc. */
function statFields(pid: number): string[] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or parentheses.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * The live processes whose argument vector satisfies `matches` (from /proc/<pid>/cmdline); empty
 * where /proc is not available. A scan of every process: for recovery paths, not hot ones.
 */
export function processesWhoseArgs(matches: (argv: string[]) => boolean): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv.at(-1) === '') argv.pop(); // each argument ends with a NUL
      if (matches(argv) && !isZombie(pid)) found.push(pid);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Whether a process with `pid` exists (EPERM: it does, owned by someone else). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether process group `pgid` still has a member. */
export function isGroupAlive(pgid: number): boolean {
  return pgid > 1 && isPidAlive(-pgid);
}

/** Sends `signal` to every process of group `pgid`; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!(pgid > 1)) return false; // never signal our own group (0) or every process (-1)
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The name of signal number `n` (`SIGTERM`), or `SIG<n>` when unknown. */
export function signalName(n: number): string {
  for (const [name, num] of Object.entries(constants.signals)) if (num === n) return name;
  return `SIG${n}`;
}
