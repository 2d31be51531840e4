// `oj prune`: removes finished pipelines (with their logs and worktrees), orphaned worktrees and
// dead session files. Running, waiting and escalated pipelines are never removed.
import { durationOption } from './duration-option.js';
import { call } from './call.js';
import { printJson } from './output.js';
import { projectRoot } from './root.js';

interface PruneOptions {
  output: string;
  dryRun?: boolean;
  status?: string;
  maxAge?: string;
  worktrees?: boolean;
  sessions?: boolean;
  all?: boolean;
}

export async function pruneCommand(opts: PruneOptions): Promise<void> {
  const maxAgeMs = durationOption('--max-age', opts.maxAge);
  const result = await call<{
    pipelines: string[];
    worktrees: string[];
    sessions: string[];
    dryRun: boolean;
  }>('prune', {
    ...(opts.all ? { all: true } : { project: projectRoot() }),
    ...(opts.status ? { status: opts.status.split(',').map((s) => s.trim()) } : {}),
    ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
    ...(opts.worktrees ? { worktrees: true } : {}),
    ...(opts.sessions ? { sessions: true } : {}),
    ...(opts.dryRun ? { dryRun: true } : {}),
  });
  if (opts.output === 'json') return printJson(result);
  const verb = result.dryRun ? 'would remove' : 'removed';
  const parts = [
    [result.pipelines, 'pipeline'],
    [result.worktrees, 'orphaned worktree'],
    [result.sessions, 'session dir'],
  ] as const;
  const lines = parts
    .filter(([list]) => list.length)
    .map(
      ([list, what]) =>
        `${verb} ${list.length} ${what}${list.length === 1 ? '' : 's'}: ${list.join(', ')}`,
    );
  process.stdout.write(`${lines.length ? lines.join('\n') : 'nothing to prune'}\n`);
}
