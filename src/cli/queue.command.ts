// `oj queue add|list|show|retry|drop` and `oj worker start|stop|wake|list`: work items and the workers
// that take them.
import { readFileSync } from 'node:fs';
// eslint-disable-next-line no-restricted-imports -- the front door would load zod's schemas at start-up
import { MAX_ITEMS_PER_REQUEST, parseQueueItems } from '../wire/items.js';
import type { QueueItemInput } from '../wire/index.js';
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

/**
 * `oj queue add <queue> --file F`: every item of a JSON array or JSON-lines file (or stdin), sent in
 * batches. Items without an `id` get one derived from their data, so running the same file again
 * adds nothing new — the way to finish a batch cut short.
 */
export async function addItems(
  queue: string,
  pairs: string[],
  opts: { file: string; id?: string; priority?: string; after?: string; output: string },
): Promise<void> {
  const combined = [
    pairs.length ? 'key=value fields' : '',
    opts.id === undefined ? '' : '--id',
    opts.priority === undefined ? '' : '--priority',
    opts.after === undefined ? '' : '--after',
  ].filter(Boolean);
  if (combined.length)
    throw new CliError(
      'USAGE',
      `--file cannot be combined with ${combined.join(', ')}: put them in the file's items instead`,
      EXIT.usage,
    );
  const source = opts.file === '-' ? 'stdin' : opts.file;
  let text: string;
  try {
    text = readFileSync(opts.file === '-' ? 0 : opts.file, 'utf8');
  } catch (err) {
    throw new CliError('USAGE', `cannot read ${source}: ${(err as Error).message}`, EXIT.usage);
  }
  let items: QueueItemInput[];
  try {
    items = parseQueueItems(text);
  } catch (err) {
    throw new CliError(
      'USAGE',
      `${source}: ${(err as Error).message} (expected a JSON array of objects or one JSON object per line)`,
      EXIT.usage,
    );
  }
  const ids: string[] = [];
  let name = '';
  for (const batch of batches(items)) {
    const result = await call<{ queue: string; ids: string[] }>('queue.addMany', {
      project: projectRoot(),
      queue,
      items: batch,
    });
    name = result.queue;
    ids.push(...result.ids);
  }
  if (opts.output === 'json') return printJson({ queue: name, ids });
  process.stdout.write(`${ids.length} item${ids.length === 1 ? '' : 's'} added to ${name}\n`);
}

const MAX_BATCH_BYTES = 256 * 1024; // well under the control socket's 1 MB frame limit

function* batches(items: QueueItemInput[]): Generator<QueueItemInput[]> {
  let batch: QueueItemInput[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = JSON.stringify(item).length;
    if (batch.length && (batch.length >= MAX_ITEMS_PER_REQUEST || bytes + size > MAX_BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length || !items.length) yield batch; // an empty file still checks the queue exists
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
