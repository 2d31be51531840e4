// Request handlers for `oj workspace list|show|drop|prune`: the worktrees pipelines own under the
// state dir. Prune removes only leftovers of terminal pipelines and worktrees no pipeline knows.
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { removeWorkspace } from '../../actors/index.js';
import { OjError } from '../../errors/index.js';
import type { Engine } from './engine.js';
import type { Handler } from './handlers.js';
import { listWorkspaces } from './workspaces.js';
import type { WorkspaceView } from './workspaces.js';

class WorkspaceRequestError extends OjError {}
const fail = (code: string, message: string): never => {
  throw new WorkspaceRequestError(code, message);
};

export function createWorkspaceHandlers(engine: Engine, stateDir: string): Record<string, Handler> {
  const all = () => listWorkspaces(stateDir, (id) => engine.actor(id));
  const byId = (prefix: string): WorkspaceView => {
    const list = all();
    const exact = list.find((w) => w.id === prefix || w.name === prefix);
    if (exact) return exact;
    const hits = list.filter((w) => w.id.startsWith(prefix));
    if (hits.length === 1) return hits[0] as WorkspaceView;
    if (hits.length > 1)
      return fail(
        'AMBIGUOUS',
        `"${prefix}" matches ${hits.length} workspaces; give more of the id`,
      );
    return fail('NOT_FOUND', `no workspace "${prefix}" (see: oj workspace list)`);
  };
  const drop = async (w: WorkspaceView): Promise<void> => {
    const repo = w.project ?? repoOfWorktree(w.path);
    if (repo) await removeWorkspace({ repo, path: w.path });
    rmSync(w.path, { recursive: true, force: true });
  };
  return {
    'workspace.list': async (p: { project?: string; orphaned?: boolean }) =>
      all().filter(
        (w) =>
          (!p.project || w.project === null || w.project === p.project) &&
          (!p.orphaned || w.prunable),
      ),
    'workspace.show': async (p: { id: string }) => byId(p.id),
    'workspace.drop': async (p: { id: string; force?: boolean }) => {
      const w = byId(p.id);
      if (!w.prunable && !p.force)
        fail(
          'BAD_STATE',
          `workspace ${w.id} belongs to pipeline ${w.pipeline} which is ${w.status}; cancel it first, or pass --force`,
        );
      await drop(w);
      return { dropped: [w.id] };
    },
    'workspace.prune': async (p: { dryRun?: boolean }) => {
      const doomed = all().filter((w) => w.prunable);
      if (!p.dryRun) for (const w of doomed) await drop(w);
      return { dropped: doomed.map((w) => w.id), dryRun: p.dryRun === true };
    },
  };
}

/** The main repository of a linked worktree, from its `.git` file (`gitdir: <repo>/.git/worktrees/x`). */
function repoOfWorktree(path: string): string | null {
  try {
    const text = readFileSync(join(path, '.git'), 'utf8');
    const gitdir = /^gitdir:\s*(.+)$/m.exec(text)?.[1]?.trim();
    return gitdir ? dirname(dirname(dirname(resolve(path, gitdir)))) : null;
  } catch {
    return null;
  }
}
