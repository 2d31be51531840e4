// Small helpers of the crash suite: polling with a deadline, `oj` results, the daemon's pid, and
// finding the processes of a world by its root dir in /proc.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OjResult } from '../helpers/oj.js';
import { waitFor } from '../helpers/wait.js';

const POLL_MS = 100; // every poll is an `oj` process (~100 ms), so polling faster buys nothing

/** Polls `check` until truthy; undefined (not a throw) when the deadline passes. */
export async function poll<T>(check: () => T | false, timeoutMs: number): Promise<T | undefined> {
  try {
    return (await waitFor(check, 'a condition', timeoutMs, POLL_MS)) as T;
  } catch {
    return undefined;
  }
}

export function mustSucceed(r: OjResult, what: string): void {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr.trim()}`);
}

export function parse<T>(r: OjResult): T {
  if (r.code !== 0) throw new Error(`oj exited ${r.code}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as T;
}

export function readDaemonPid(state: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(state, 'run', 'ojd.pid'), 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

// A SIGKILLed daemon is reparented; if nothing reaps it, it lingers as a zombie, which is dead.
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  cmdline: string;
  /** `<pipeline>:<phase>` for a phase's (or agent's) process, from OJ_PIPELINE and OJ_PHASE. */
  phase: string | null;
}

/**
 * Live processes of the world: `root` in their command line (session hosts, fake agents) or
 * OJ_STATE_DIR=`state` in their environment (ojd renames itself, so only its environment — which
 * every phase inherits — names the state dir).
 */
export function findProcesses(root: string, state: string): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || !isAlive(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (!environ.includes(`OJ_STATE_DIR=${state}`) && !cmdline.includes(root)) continue;
      const value = (name: string) =>
        environ.find((v) => v.startsWith(`${name}=`))?.slice(name.length + 1);
      const [pipeline, phase] = [value('OJ_PIPELINE'), value('OJ_PHASE')];
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const at = pipeline && phase ? `${pipeline}:${phase}` : null;
      found.push({ pid, ppid, cmdline, phase: at });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

export function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

export const countLines = (file: string) => readLines(file).length;

/** `a×2, b×3` for the entries of `counts` above one. */
export function repeatsOf(counts: Map<string, number>): string[] {
  return [...counts].filter(([, n]) => n > 1).map(([id, n]) => `${id}×${n}`);
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** `a, b, c` — or the first `n` and how many more, so a report line stays readable. */
export function listOf(items: readonly string[], n = 8): string {
  if (items.length === 0) return 'none';
  const shown = items.slice(0, n).join(', ');
  return items.length > n ? `${shown} … (${items.length} in all)` : shown;
}
