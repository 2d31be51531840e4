// `oj status`, `oj emit` and `oj events`: the one-screen overview, custom events, and the journal.
import type { CronView } from '../runtime/index.js';
import { call } from './call.js';
import { CliError, EXIT } from './errors.js';
import { formatAgo, formatStatus } from './format.js';
import { formatTable, printJson } from './output.js';
import { projectRoot } from './root.js';

interface Status {
  pipelines: Record<string, number>;
  active: {
    id: string;
    name: string;
    status: string;
    phase: string | null;
    startedAt: number | null;
  }[];
  workers: { name: string; state: string; active: number; concurrency: number }[];
  queues: {
    name: string;
    counts: { pending: number; active: number; done: number; dead: number };
  }[];
  crons?: CronView[];
  failures: { id: string; name: string; error: string; at: number }[];
}

export async function statusCommand(opts: { output: string }): Promise<void> {
  const s = await call<Status>('status', { project: projectRoot() });
  if (opts.output === 'json') return printJson(s);
  const counts = Object.entries(s.pipelines)
    .map(([status, n]) => `${n} ${formatStatus(status)}`)
    .join(', ');
  const out = [`pipelines: ${counts || 'none'}`];
  if (s.active.length)
    out.push(
      formatTable(
        ['ID', 'NAME', 'STATUS', 'PHASE', 'STARTED'],
        s.active.map((p) => [
          p.id,
          p.name,
          formatStatus(p.status),
          p.phase ?? '-',
          formatAgo(p.startedAt),
        ]),
      ),
    );
  out.push(
    `workers: ${s.workers.map((w) => `${w.name} ${w.state} ${w.active}/${w.concurrency}`).join(', ') || 'none started'}`,
  );
  out.push(
    `queues: ${s.queues.map((q) => `${q.name} ${q.counts.pending} pending, ${q.counts.active} active, ${q.counts.dead} dead`).join('; ') || 'none used'}`,
  );
  for (const c of s.crons ?? []) {
    const state = c.running ? 'running' : c.enabled ? 'enabled' : 'disabled';
    const last = c.lastRunAt ? `, last ${c.lastResult ?? 'run'} ${formatAgo(c.lastRunAt)}` : '';
    out.push(`cron ${c.name}: ${state}, ${c.runs} runs${last}`);
    for (const [target, t] of Object.entries(c.targets)) {
      const steps = Object.entries(t.steps).map(([step, n]) => `${step}×${n}`);
      out.push(`  ${target}: ${steps.join(', ')} (last ${t.lastStep} ${formatAgo(t.lastAt)})`);
    }
  }
  if (s.failures.length) {
    out.push('recent failures:');
    for (const f of s.failures)
      out.push(
        `  ${f.id} ${f.name} (${formatAgo(f.at)}): ${f.error.replace(/\s+/g, ' ').slice(0, 100)}`,
      );
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

/** `oj emit bug:created --id 42 --title "…"`: flags become the event's data. */
export async function emitCommand(
  name: string,
  rest: string[],
  opts: { output: string },
): Promise<void> {
  const data: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i] as string;
    if (!flag.startsWith('--') || flag.length < 3)
      throw new CliError(
        'USAGE',
        `expected --key value after the event name, got "${flag}"`,
        EXIT.usage,
      );
    const eq = flag.indexOf('=');
    if (eq > 0) data[flag.slice(2, eq)] = flag.slice(eq + 1);
    else {
      const value = rest[i + 1];
      if (value === undefined || value.startsWith('--')) data[flag.slice(2)] = 'true';
      else {
        data[flag.slice(2)] = value;
        i++;
      }
    }
  }
  const r = await call<{ seq: number }>('emit', { project: projectRoot(), name, data });
  if (opts.output === 'json') printJson(r);
}

export async function eventsCommand(opts: {
  follow?: boolean;
  output: string;
  limit?: string;
}): Promise<void> {
  const show = (e: unknown) => {
    const { seq, at, type, ...rest } = e as { seq: number; at: number; type: string };
    if (opts.output === 'json') process.stdout.write(`${JSON.stringify(e)}\n`);
    else
      process.stdout.write(
        `${String(seq).padStart(6)}  ${new Date(at).toISOString()}  ${type.padEnd(20)} ${JSON.stringify(rest)}\n`,
      );
  };
  const limit = opts.limit === undefined ? undefined : Number(opts.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0 && limit <= 100_000))
    throw new CliError(
      'USAGE',
      `--limit "${opts.limit}" is not a whole number from 1 to 100000`,
      EXIT.usage,
    );
  const recent = await call<unknown[]>(
    'events',
    { follow: opts.follow ?? false, limit },
    opts.follow ? { onEvent: show, timeoutMs: Infinity } : {},
  );
  if (!opts.follow && opts.output === 'json') return printJson(recent);
  if (!opts.follow) recent.forEach(show);
}
