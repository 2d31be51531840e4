// Pipelines' git worktrees: where a run's workspace lives (`<state>/workspaces/<pipeline>`), its
// branch, creating it before the run's first command, removing it when the run succeeds or is
// cancelled (a failed run keeps it for debugging), and the views behind `oj workspace`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createWorkspace, removeWorkspace } from '../../actors/index.js';
import { interpolateText, renderTemplate } from '../../runbook/index.js';
import type { PipelineBundle, WorkspaceDef } from '../../runbook/index.js';
import type { ActorEntry } from './supervisor.js';
import { toPipelineView } from './views.js';

export function workspacesDir(stateDir: string): string {
  return join(stateDir, 'workspaces');
}

export function workspacePath(stateDir: string, pipeline: string): string {
  return join(workspacesDir(stateDir), pipeline);
}

/** The workspace definition of a pipeline, when it owns one. */
export function workspaceDefOf(
  entry: ActorEntry,
  bundle: (hash: string) => unknown,
): WorkspaceDef | undefined {
  if (entry.kind !== 'pipeline') return undefined;
  return (bundle(entry.meta.defHash) as PipelineBundle).pipeline.workspace;
}

/** The run's branch: the definition's template filled with the run's variables. */
export function branchOf(def: WorkspaceDef, vars: Record<string, unknown>): string {
  return interpolateText(def.branch, vars);
}

export interface WorkspaceDeps {
  stateDir: string;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Per git command (and setup command) of a workspace; the actor's default when absent. */
  gitTimeoutMs?: number | undefined;
}

/**
 * Creates the run's worktree once (later calls reuse it): branch from base, synced files, the
 * instructions as CLAUDE.md and AGENTS.md, setup commands. Resolves with an error message, or null.
 */
export async function ensureWorkspace(
  deps: WorkspaceDeps,
  entry: ActorEntry,
  def: WorkspaceDef,
  vars: Record<string, unknown>,
  env: Record<string, string>,
  signal: AbortSignal,
): Promise<string | null> {
  const path = workspacePath(deps.stateDir, entry.id);
  try {
    const instructions = def.instructions ? renderTemplate(def.instructions, vars) : undefined;
    const info = await createWorkspace({
      repo: entry.meta.project,
      path,
      branch: branchOf(def, vars),
      base: interpolateText(def.base, vars),
      sync: def.sync,
      setup: def.setup.map((cmd) => interpolateText(cmd, vars)),
      env,
      signal,
      ...(deps.gitTimeoutMs === undefined ? {} : { timeoutMs: deps.gitTimeoutMs }),
      timeoutSetting: 'OJ_GIT_TIMEOUT',
      ...(instructions === undefined
        ? {}
        : { files: { 'CLAUDE.md': instructions, 'AGENTS.md': instructions } }),
    });
    if (info.created)
      deps.log('info', `${entry.id}: workspace ${path} on ${info.branch} from ${info.base}`);
    return null;
  } catch (err) {
    return `workspace of ${entry.id}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** After a run ends: remove its worktree when it succeeded or was cancelled, keep it otherwise. */
export async function settleWorkspace(
  deps: WorkspaceDeps,
  entry: ActorEntry,
  status: string,
): Promise<void> {
  const path = workspacePath(deps.stateDir, entry.id);
  if (!existsSync(path)) return;
  if (status !== 'done' && status !== 'cancelled') {
    deps.log(
      'info',
      `${entry.id} ${status}: its workspace ${path} is kept for debugging (oj workspace drop ${entry.id})`,
    );
    return;
  }
  try {
    await removeWorkspace({
      repo: entry.meta.project,
      path,
      ...(deps.gitTimeoutMs === undefined ? {} : { timeoutMs: deps.gitTimeoutMs }),
    });
  } catch (err) {
    deps.log('warn', `${entry.id}: could not remove workspace ${path}: ${String(err)}`);
  }
}

/**
 * On start: removes the worktrees of runs that ended done or cancelled but still have one — the
 * daemon was killed between a run's end and the removal, and replaying that end runs no effects.
 * One at a time: git serialises worktree changes of a repository anyway.
 */
export async function settleEndedWorkspaces(
  deps: WorkspaceDeps,
  pipelines: readonly ActorEntry[],
): Promise<void> {
  for (const entry of pipelines) {
    const { status } = toPipelineView(entry);
    if (status === 'done' || status === 'cancelled') await settleWorkspace(deps, entry, status);
  }
}

export interface WorkspaceView {
  id: string;
  path: string;
  pipeline: string | null;
  name: string | null;
  project: string | null;
  status: string;
  /** Terminal or unknown to any pipeline: what `oj workspace prune` removes. */
  prunable: boolean;
  createdAt: number;
}

/** Every workspace dir under the state dir, with the pipeline that owns it (if any). */
export function listWorkspaces(
  stateDir: string,
  pipeline: (id: string) => ActorEntry | undefined,
): WorkspaceView[] {
  let names: string[] = [];
  try {
    names = readdirSync(workspacesDir(stateDir));
  } catch {
    return [];
  }
  return names.map((id) => {
    const path = workspacePath(stateDir, id);
    const owner = pipeline(id);
    const status = owner ? toPipelineView(owner).status : 'orphaned';
    return {
      id,
      path,
      pipeline: owner ? owner.id : null,
      name: owner ? (owner.meta.name ?? owner.id) : null,
      project: owner ? owner.meta.project : null,
      status,
      prunable: !owner || ['done', 'failed', 'cancelled'].includes(status),
      createdAt: safeMtime(path),
    };
  });
}

function safeMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
