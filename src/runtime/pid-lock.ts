// One daemon per state dir: the pid file `<state>/run/ojd.pid` is the lock. It appears atomically
// (written aside, then hard-linked into place), and a stale one is taken over without a window in
// which two starting daemons could both win.
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import type { StatePaths } from './paths.js';
import { readSocketPath } from './paths.js';

export type PidLockResult = { ok: true; release(): void } | { ok: false; holder: number };

export interface PidLockDeps {
  pid: number;
  isAlive(pid: number): boolean;
  isDaemon(pid: number): boolean;
}

const DEFAULT_DEPS: PidLockDeps = {
  pid: process.pid,
  isAlive: isProcessAlive,
  isDaemon: isDaemonProcess,
};

/**
 * Takes the daemon lock, or reports the live daemon holding it. A pid file whose process is dead,
 * or is not an ojd (the pid was reused), is stale: it is renamed aside and, if what was renamed is
 * still the stale file we judged, deleted; if a racing daemon had replaced it meanwhile, its file is
 * linked back and that daemon keeps the lock.
 */
export function acquirePidLock(pidFile: string, deps: PidLockDeps = DEFAULT_DEPS): PidLockResult {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(pidFile, deps.pid))
      return { ok: true, release: () => releasePidFile(pidFile, deps.pid) };
    const seen = readRaw(pidFile);
    if (seen === undefined) continue; // removed meanwhile: try again
    const holder = parsePid(seen);
    // Our own pid in a file we did not write is a reused pid: stale.
    if (
      holder !== undefined &&
      holder !== deps.pid &&
      deps.isAlive(holder) &&
      deps.isDaemon(holder)
    )
      return { ok: false, holder };
    const aside = `${pidFile}.stale-${deps.pid}`;
    try {
      renameSync(pidFile, aside);
    } catch {
      continue; // someone else moved it first
    }
    const moved = readRaw(aside);
    if (moved !== seen) {
      // We moved a racer's fresh lock, not the stale file: give it back; the racer keeps the lock.
      try {
        linkSync(aside, pidFile);
      } catch {
        // a third daemon got in: its file stands
      }
      safeUnlink(aside);
      const racer = parsePid(moved ?? '');
      if (racer !== undefined) return { ok: false, holder: racer };
      continue;
    }
    safeUnlink(aside);
  }
  throw new Error(`could not take the daemon lock "${pidFile}": it keeps changing; try again`);
}

/** The pid in a pid file, or undefined when there is none (or it is not a number). */
export function readDaemonPid(pidFile: string): number | undefined {
  return parsePid(readRaw(pidFile) ?? '');
}

/** Whether `pid` is a running process (a zombie counts as gone). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) is all we have
  }
}

/**
 * Whether `pid` looks like an ojd: the daemon sets its title to "ojd"; before that its command line
 * names ojd.js. Without /proc we cannot tell, and assume it is (never steal a live lock).
 */
export function isDaemonProcess(pid: number): boolean {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return true;
  }
  const args = cmdline.split('\0').filter(Boolean);
  return args[0]?.trim() === 'ojd' || args.some((a) => a.endsWith('ojd.js'));
}

/**
 * Removes what a dead daemon leaves behind: its socket (wherever the record says), the record and
 * the pid file. Only call it when no live daemon holds the lock.
 */
export function removeDaemonFiles(paths: StatePaths): void {
  safeUnlink(readSocketPath(paths));
  safeUnlink(paths.socket);
  safeUnlink(paths.socketRecord);
  safeUnlink(paths.pid);
}

function tryCreate(pidFile: string, pid: number): boolean {
  // Written aside and linked into place, so a reader never sees an empty or half-written pid file.
  const temp = `${pidFile}.${pid}.tmp`;
  writeFileSync(temp, `${pid}\n`, { mode: 0o644 });
  try {
    linkSync(temp, pidFile);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    safeUnlink(temp);
  }
}

function releasePidFile(pidFile: string, pid: number): void {
  if (readDaemonPid(pidFile) === pid) safeUnlink(pidFile);
}

function readRaw(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function parsePid(text: string): number | undefined {
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function safeUnlink(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
