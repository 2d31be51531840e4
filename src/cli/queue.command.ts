// `oj queue add|list|show|retry|drop` and `oj worker start|stop|wake|list`: work items and the workers
// that take them.
import { call } from './call.js';
import { CliError, EXIT } from './errors.js';
import { formatStatus } from './format.js';
import { formatTable, printJson } from './output.js';
import { projectRoot } from './root.js';
import type { QueueView, WorkerView } from '../runtime/index.js';

/** `key=value` pairs; `--id`, `--priority` and `--after` come as options. */
export async function addItem(
  queue: string,
  pairs: string[],
  opts: { id?: string; priority?: string; after?: string; output: string },
): Promise<void> {
  const data: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new CliError(
        'USAGE',
        `"${pair}" is not key=value (e.g. oj queue add ${queue} title="Fix login")`,
        EXIT.usage,
      );
    data[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const priority = opts.priority === undefined ? undefined : Number(opts.priority);
  if (priority !== undefined && !Number.isFinite(priority))
    throw new CliError('USAGE', `--priority "${opts.priority}" is not a number`, EXIT.usage);
  const after = opts.after ? opts.after.split(',').filter(Boolean) : undefined;
  const result = await call<{ queue: string; id: string }>('queue.add', {
    project: projectRoot(),
    queue,
    data,
    id: opts.id,
    priority,
    after,
  });
  if (opts.output === 'json') return printJson(result);
  process.stdout.write(`${result.id}\n`);
}

export async function listQueues(opts: { output: string }): Promise<void> {
  const list = await call<QueueView[]>('queue.list', { project: projectRoot() });
  if (opts.output === 'json') return printJson(list.map(({ items: _items, ...q }) => q));
  const rows = list.map((q) => [
    q.name,
    String(q.counts.pending),
    String(q.counts.active),
    String(q.counts.done),
    String(q.counts.dead),
    String(q.counts.blocked),
  ]);
  process.stdout.write(
    `${formatTable(['QUEUE', 'PENDING', 'ACTIVE', 'DONE', 'DEAD', 'BLOCKED'], rows)}\n`,
  );
}

export async function showQueue(queue: string, opts: { output: string }): Promise<void> {
  const q = await call<QueueView>('queue.show', { project: projectRoot(), queue });
  if (opts.output === 'json') return printJson(q);
  const rows = q.items.map((i) => [
    i.id,
    formatStatus(i.status),
    String(i.attempts),
    i.pipeline ?? '',
    i.after.join(','),
    Object.entries(i.data)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')
      .slice(0, 50),
    i.lastError ?? '',
  ]);
  process.stdout.write(
    `${q.name} (${q.queue}): ${q.counts.pending} pending, ${q.counts.active} active, ${q.counts.done} done, ${q.counts.dead} dead\n`,
  );
  process.stdout.write(
    `${formatTable(['ITEM', 'STATUS', 'TRIES', 'PIPELINE', 'AFTER', 'DATA', 'LAST ERROR'], rows)}\n`,
  );
}

export async function itemOp(
  method: 'queue.retry' | 'queue.drop',
  queue: string,
  item: string,
  opts: { output: string },
): Promise<void> {
  const result = await call<{ queue: string; id: string }>(method, {
    project: projectRoot(),
    queue,
    item,
  });
  if (opts.output === 'json') return printJson(result);
  process.stdout.write(`${method === 'queue.retry' ? 'retrying' : 'dropped'} ${result.id}\n`);
}

export async function workerOp(
  method: 'worker.start' | 'worker.stop' | 'worker.wake',
  worker: string,
  opts: { output: string },
): Promise<void> {
  const w = await call<WorkerView>(method, { project: projectRoot(), worker });
  if (opts.output === 'json') return printJson(w);
  process.stdout.write(`worker ${w.name}: ${w.state}, ${w.active}/${w.concurrency} busy\n`);
}

export async function listWorkers(opts: { output: string }): Promise<void> {
  const list = await call<WorkerView[]>('worker.list', { project: projectRoot() });
  if (opts.output === 'json') return printJson(list);
  const rows = list.map((w) => [
    w.name,
    w.state,
    `${w.active}/${w.concurrency}`,
    w.pipelines.join(' '),
  ]);
  process.stdout.write(`${formatTable(['WORKER', 'STATE', 'SLOTS', 'PIPELINES'], rows)}\n`);
}
