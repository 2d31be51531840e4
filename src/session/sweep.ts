// Killing session hosts under a state dir. `oj daemon stop --kill` kills every one and must leave
// nothing behind; a starting daemon kills those no live agent run owns any more (their run ended,
// or a newer generation replaced them, while no daemon was there to stop them).
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connectSession } from './client.js';
import { isPidAlive } from './proc.js';
import type { HostInfo } from './protocol.js';
import { isAgentAlive, killSessionGroup, readHostInfo } from './spawn.js';

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

const CONNECT_TIMEOUT_MS = 1_000;

/** The agent dirs under `<stateDir>/sessions/`, with their host.json when there is one. */
function sessionHosts(stateDir: string): { dir: string; info: HostInfo | undefined }[] {
  const root = join(stateDir, 'sessions');
  try {
    return readdirSync(root).map((name) => {
      const dir = join(root, name);
      return { dir, info: readHostInfo(dir) };
    });
  } catch {
    return [];
  }
}

/**
 * `oj daemon stop --kill`: every session host under the state dir is asked to kill its agent
 * (graceful, then the process group); hosts that do not finish in time are killed with their
 * group and their sockets removed, so nothing is left behind.
 */
export async function killAllSessions(stateDir: string, log: Log, graceMs = 2_000): Promise<void> {
  await Promise.all(
    sessionHosts(stateDir).map(async ({ info }) => {
      if (!info || !('socket' in info)) return;
      try {
        const client = await connectSession(info.socket, { timeoutMs: CONNECT_TIMEOUT_MS });
        await client.kill({ graceMs }).catch(() => undefined);
        client.close();
      } catch {
        // no host answering: the group kill below does it
      }
      const deadline = Date.now() + graceMs + 3_000;
      while (Date.now() < deadline && isPidAlive(info.hostPid))
        await new Promise((r) => setTimeout(r, 50));
      killSessionGroup(info);
      if (isPidAlive(info.hostPid)) {
        try {
          process.kill(info.hostPid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(info.socket, { force: true });
      log('info', `killed session ${info.agentId} (pid ${info.agentPid})`);
    }),
  );
}

/**
 * On daemon start, after re-attaching: asks each live session host whose agent dir is not in
 * `owned` (the dirs of the current generation of every unfinished agent run) to kill its agent —
 * it then exits and removes its socket. A daemon killed between an agent's `oj done` (or a
 * restart into a new generation) and stopping its session would otherwise leave that agent and
 * its host running for ever, since the run that owned them is gone. Only an agent that is provably
 * the same process (pid and start time) is stopped — through its host, or by its process group
 * when the host does not answer; a socket whose host is dead is removed. Resolves with how many
 * sessions were stopped.
 */
export async function killStraySessions(
  stateDir: string,
  owned: ReadonlySet<string>,
  log: Log,
): Promise<number> {
  const strays = sessionHosts(stateDir).filter(({ dir }) => !owned.has(dir));
  const killed = await Promise.all(
    strays.map(async ({ info }) => {
      if (!info || !('socket' in info)) return false;
      if (!isAgentAlive(info)) {
        // A host outlives its agent by ~2 s and then removes its socket; a killed one cannot.
        if (!isPidAlive(info.hostPid) && existsSync(info.socket))
          rmSync(info.socket, { force: true });
        return false;
      }
      try {
        const client = await connectSession(info.socket, { timeoutMs: CONNECT_TIMEOUT_MS });
        await client.kill({}).catch(() => undefined);
        client.close();
      } catch {
        if (!isAgentAlive(info)) return false;
        killSessionGroup(info); // its host does not answer: stop the agent's group directly
      }
      log('warn', `stopped session ${info.agentId} (pid ${info.agentPid}): no agent run owns it`);
      return true;
    }),
  );
  return killed.filter(Boolean).length;
}
