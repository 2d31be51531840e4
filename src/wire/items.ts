// Queue items written as JSON: what a queue's `source` command prints and what
// `oj queue add <queue> --file` reads. Pure and free of zod, so the CLI can use it at start-up cost
// close to nothing.

/** The most items one `queue.addMany` request carries; the CLI sends larger files in batches. */
export const MAX_ITEMS_PER_REQUEST = 1000;

export interface QueueItemInput {
  id?: string;
  data: Record<string, string>;
  priority?: number;
  after?: string[];
}

/**
 * A JSON array of objects, or one JSON object per line (blank lines skipped). Each item keeps its
 * fields as strings (other values as JSON text); `id`, `priority` and `after` are also read as the
 * item's id, priority and dependencies when present. Throws a SyntaxError that names the item (and
 * the line, for JSON lines) for anything else.
 */
export function parseQueueItems(text: string): QueueItemInput[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) {
    const values = parseJson(trimmed, 'the JSON array');
    if (!Array.isArray(values)) throw new SyntaxError('expected a JSON array of objects');
    return values.map((value, i) => toItem(value, `item ${i + 1}`));
  }
  const items: QueueItemInput[] = [];
  const lines = trimmed.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    items.push(toItem(parseJson(line, `line ${i + 1}`), `line ${i + 1}`));
  }
  return items;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function toItem(value: unknown, where: string): QueueItemInput {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new SyntaxError(`${where} is not a JSON object`);
  const record = value as Record<string, unknown>;
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(record))
    data[k] = typeof v === 'string' ? v : JSON.stringify(v);
  const item: QueueItemInput = { data };
  if (record.id !== undefined && record.id !== null) item.id = String(record.id);
  if (typeof record.priority === 'number') item.priority = record.priority;
  if (Array.isArray(record.after)) item.after = record.after.map(String);
  return item;
}
