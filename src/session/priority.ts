// Agents yield the CPU to the daemon. A session host and its agent each lead their own session,
// and on Linux with autogroup scheduling (sched_autogroup_enabled = 1, the default on Debian) every
// session is a scheduling group of its own that gets an equal share of the CPU. Fifty agents were
// fifty shares against the daemon's one: under the load bench a `node -e 0` took 1.5–2 s and the
// daemon's timers fired hundreds of ms late. Raising the nice value of the host's and the agent's
// groups (and of the processes themselves, for kernels without autogroup) keeps supervision —
// timers, nudges, `oj status`, merges — responsive, while agents still get every idle cycle.
import { getPriority, setPriority } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';

/** The nice value agents run at unless OJ_AGENT_NICE says otherwise. */
export const DEFAULT_AGENT_NICE = 10;

/**
 * The nice value from OJ_AGENT_NICE (0 to 19; 0 leaves agents at the daemon's priority), or the
 * default with the reason when the setting is not one.
 */
export function agentNice(text: string | undefined): { nice: number; warning?: string } {
  if (text === undefined || text.trim() === '') return { nice: DEFAULT_AGENT_NICE };
  const nice = Number(text);
  if (Number.isInteger(nice) && nice >= 0 && nice <= 19) return { nice };
  return {
    nice: DEFAULT_AGENT_NICE,
    warning: `OJ_AGENT_NICE=${text} is ignored (expected a whole number from 0 to 19); agents run at nice ${DEFAULT_AGENT_NICE}`,
  };
}

/**
 * Lowers `pid`'s priority to `nice`, and its session's scheduling group's where the kernel has
 * one. Never raises a priority (an unprivileged process could not anyway); returns what failed,
 * if anything, for the host's log — a run never fails for its priority.
 */
export function yieldCpu(pid: number, nice: number): string | null {
  if (nice <= 0) return null;
  const problems: string[] = [];
  try {
    if (getPriority(pid) < nice) setPriority(pid, nice);
  } catch (err) {
    problems.push(`setpriority: ${(err as Error).message}`);
  }
  const group = `/proc/${pid}/autogroup`;
  try {
    // "/autogroup-123 nice 0"
    const current = Number(readFileSync(group, 'utf8').trim().split(' ').at(-1));
    if (!(current >= nice)) writeFileSync(group, String(nice));
  } catch (err) {
    // No such file: not Linux, or a kernel built without autogroup. Nothing to lower then.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      problems.push(`autogroup: ${(err as Error).message}`);
  }
  return problems.length ? `could not lower the priority of ${pid} (${problems.join('; ')})` : null;
}
