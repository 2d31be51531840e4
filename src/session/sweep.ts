// Kills every agent session under a state dir: each host is asked to kill its agent (graceful,
// then the process group); hosts that do not finish in time are killed with their group and their
// sockets removed. Used by `oj daemon stop --kill`, which must leave nothing behind.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connectSession } from './client.js';
import { killSessionGroup, readHostInfo } from './spawn.js';

/**
 * `oj daemon stop --kill`: every session host under the state dir is asked to kill its agent
 * (graceful, then the process group); hosts that do not finish in time are killed with their
 * group and their sockets removed, so nothing is left behind.
 */
export async function killAllSessions(
  stateDir: string,
  log: (level: 'info' | 'warn' | 'error', message: string) => void,
  graceMs = 2_000,
): Promise<void> {
  const root = join(stateDir, 'sessions');
  let dirs: string[] = [];
  try {
    dirs = readdirSync(root).map((name) => join(root, name));
  } catch {
    return;
  }
  await Promise.all(
    dirs.map(async (dir) => {
      const info = readHostInfo(dir);
      if (!info || !('socket' in info)) return;
      try {
        const client = await connectSession(info.socket, { timeoutMs: 1_000 });
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

function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
