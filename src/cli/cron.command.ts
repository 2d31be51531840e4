// `oj cron enable|disable|once|list`: a cron's schedule, its runs and what its monitors did.
import type { CronView } from '../runtime/index.js';
import { call } from './call.js';
import { formatAgo } from './format.js';
import { formatTable, printJson } from './output.js';
import { projectRoot } from './root.js';

export async function cronOp(
  verb: 'enable' | 'disable' | 'once',
  cron: string,
  opts: { output: string },
): Promise<void> {
  const view = await call<CronView>(`cron.${verb}`, { project: projectRoot(), cron });
  if (opts.output === 'json') return printJson(view);
  const done = { enable: 'enabled', disable: 'disabled', once: 'started' }[verb];
  process.stdout.write(`${done} ${view.name}${scheduleNote(view)}\n`);
}

export async function listCrons(opts: { output: string }): Promise<void> {
  const crons = await call<CronView[]>('cron.list', { project: projectRoot() });
  if (opts.output === 'json') return printJson(crons);
  const rows = crons.map((c) => [
    c.name,
    c.running ? 'running' : c.enabled ? 'enabled' : 'disabled',
    formatInterval(c.intervalMs),
    c.nextAt === null ? '-' : new Date(c.nextAt).toISOString().slice(11, 19),
    String(c.runs),
    c.lastRunAt === null ? '-' : `${c.lastResult ?? 'running'} ${formatAgo(c.lastRunAt)}`,
    c.lastError ?? '',
  ]);
  process.stdout.write(
    `${formatTable(['CRON', 'STATE', 'EVERY', 'NEXT', 'RUNS', 'LAST', 'ERROR'], rows)}\n`,
  );
}

function scheduleNote(view: CronView): string {
  return view.enabled ? ` (every ${formatInterval(view.intervalMs)})` : '';
}

function formatInterval(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
