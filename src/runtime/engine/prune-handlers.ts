// `oj prune`: forgets finished pipelines (by status and age) with their logs and worktrees, and
// clears orphaned worktrees and dead session files. Running, waiting and escalated pipelines are
// never removed; a dry run only lists what would go.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { removeWorkspace } from '../../actors/index.js';
import { OjError } from '../../errors/index.js';
import { isAgentAlive, readHostInfo } from '../../session/index.js';
import { pipelineLogPath } from './dispatch.js';
import type { Engine } from './engine.js';
import type { Handler } from './handlers.js';
import { isPrunable, toPipelineView } from './views.js';
import { listWorkspaces, workspacePath } from './workspaces.js';

class PruneError extends OjError {}

export interface PruneParams {
  project?: string;
  /** Which finished statuses to remove (default: done, failed, cancelled). */
  status?: string[];
  /** Only pipelines that ended at least this long ago. */
  maxAgeMs?: number;
  /** Exactly these pipelines (each must be finished). */
  ids?: string[];
  worktrees?: boolean;
  sessions?: boolean;
  all?: boolean;
  dryRun?: boolean;
}

export interface PruneResult {
  pipelines: string[];
  worktrees: string[];
  sessions: string[];
  dryRun: boolean;
}

export function createPruneHandlers(
  engine: Engine,
  stateDir: string,
  now: () => number,
): Record<string, Handler> {
  return {
    prune: async (p: PruneParams): Promise<PruneResult> => {
      const statuses = p.status ?? ['done', 'failed', 'cancelled'];
      const bad = statuses.find((s) => !isPrunable(s as never));
      if (bad)
        throw new PruneError(
          'PROTECTED',
          `"${bad}" pipelines are never pruned; choose among done, failed, cancelled`,
        );
      const chosen = engine.actors('pipeline').filter((e) => {
        const view = toPipelineView(e);
        if (p.ids) return p.ids.some((id) => e.id === id || e.meta.name === id);
        if (p.project && e.meta.project !== p.project) return false;
        if (!statuses.includes(view.status)) return false;
        const age = now() - (view.endedAt ?? now());
        return p.maxAgeMs === undefined || age >= p.maxAgeMs;
      });
      for (const e of chosen) {
        const status = toPipelineView(e).status;
        if (!isPrunable(status))
          throw new PruneError('PROTECTED', `pipeline ${e.id} is ${status}; cancel it first`);
      }
      if (p.ids && chosen.length < p.ids.length)
        throw new PruneError(
          'NOT_FOUND',
          `no pipeline ${p.ids.filter((id) => !chosen.some((e) => e.id === id || e.meta.name === id)).join(', ')} (see: oj pipeline list)`,
        );
      const ids = chosen.map((e) => e.id);
      const orphans =
        p.worktrees || p.all
          ? listWorkspaces(stateDir, (id) => engine.actor(id))
              .filter((w) => w.pipeline === null)
              .map((w) => w.id)
          : [];
      const sessions = p.sessions || p.all ? deadSessions(stateDir, engine) : [];
      const result = { pipelines: ids, worktrees: orphans, sessions, dryRun: p.dryRun === true };
      if (p.dryRun) return result;
      const projects = new Map(chosen.map((e) => [e.id, e.meta.project]));
      if (ids.length) await engine.submit({ type: 'pipeline:prune', ids });
      for (const id of [...ids, ...orphans]) {
        const path = workspacePath(stateDir, id);
        const repo = projects.get(id);
        // Only a pipeline that made a worktree needs git to forget it (a git process per pruned
        // pipeline otherwise: 2,000 of them after the load bench's rounds).
        if (repo && existsSync(path)) await removeWorkspace({ repo, path }).catch(() => undefined);
        rmSync(path, { recursive: true, force: true });
        rmSync(pipelineLogPath(stateDir, id), { force: true });
      }
      for (const dir of sessions)
        rmSync(join(stateDir, 'sessions', dir), { recursive: true, force: true });
      return result;
    },
  };
}

/** Session dirs whose agent run is gone and whose host and agent are no longer alive. */
function deadSessions(stateDir: string, engine: Engine): string[] {
  let dirs: string[] = [];
  try {
    dirs = readdirSync(join(stateDir, 'sessions'));
  } catch {
    return [];
  }
  return dirs.filter((dir) => {
    const agent = dir.replace(/\.\d+$/, '');
    if (engine.actor(agent)) return false;
    const info = readHostInfo(join(stateDir, 'sessions', dir));
    return !(info && 'socket' in info && isAgentAlive(info));
  });
}
