// `oj workspace list|show|drop|prune`: the git worktrees pipelines own.
import { call } from './call.js';
import { formatAgo } from './format.js';
import { formatTable, printJson } from './output.js';
import { projectRoot } from './root.js';

interface WorkspaceView {
  id: string;
  path: string;
  pipeline: string | null;
  name: string | null;
  status: string;
  prunable: boolean;
  createdAt: number;
}

export async function listWorkspaces(opts: {
  output: string;
  all?: boolean;
  orphaned?: boolean;
}): Promise<void> {
  const list = await call<WorkspaceView[]>('workspace.list', {
    ...(opts.all ? {} : { project: projectRoot() }),
    ...(opts.orphaned ? { orphaned: true } : {}),
  });
  if (opts.output === 'json') return printJson(list);
  if (list.length === 0) {
    process.stdout.write('no workspaces\n');
    return;
  }
  const rows = list.map((w) => [w.id, w.name ?? '-', w.status, formatAgo(w.createdAt), w.path]);
  process.stdout.write(
    `${formatTable(['WORKSPACE', 'PIPELINE', 'STATUS', 'CREATED', 'PATH'], rows)}\n`,
  );
}

export async function showWorkspace(id: string, opts: { output: string }): Promise<void> {
  const w = await call<WorkspaceView>('workspace.show', { id });
  if (opts.output === 'json') return printJson(w);
  process.stdout.write(
    [
      `${w.id}  ${w.path}`,
      `  pipeline: ${w.pipeline ? `${w.name ?? w.pipeline} (${w.pipeline})` : '(none: orphaned)'}`,
      `  status:   ${w.status}${w.prunable ? ' (prunable)' : ''}`,
      `  created:  ${formatAgo(w.createdAt)}`,
    ].join('\n') + '\n',
  );
}

export async function dropWorkspace(
  id: string,
  opts: { output: string; force?: boolean },
): Promise<void> {
  const result = await call<{ dropped: string[] }>('workspace.drop', {
    id,
    force: opts.force === true,
  });
  if (opts.output === 'json') return printJson(result);
  process.stdout.write(`dropped ${result.dropped.join(', ')}\n`);
}

export async function pruneWorkspaces(opts: { output: string; dryRun?: boolean }): Promise<void> {
  const result = await call<{ dropped: string[]; dryRun: boolean }>('workspace.prune', {
    dryRun: opts.dryRun === true,
  });
  if (opts.output === 'json') return printJson(result);
  if (result.dropped.length === 0) {
    process.stdout.write('nothing to prune\n');
    return;
  }
  const verb = result.dryRun ? 'would remove' : 'removed';
  process.stdout.write(`${verb} ${result.dropped.length}: ${result.dropped.join(', ')}\n`);
}
