// Queue tools and the project overview: add_to_queue, list_queues, show_queue and status, forwarding
// to the daemon methods `oj queue …` and `oj status` use.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { QueueView } from '../runtime/index.js';
import type { OjMcpDeps } from './deps.js';
import { addTool, toJsonResult } from './tool.js';

const queueName = z.string().min(1).describe('the queue name from the runbook, e.g. "bugs"');
const NOT_FOUND = 'list_queues shows the queues';

export function registerQueueTools(server: McpServer, deps: OjMcpDeps): void {
  const log = deps.log;

  addTool(
    server,
    'add_to_queue',
    {
      title: 'Add an item to a queue',
      description:
        "Adds a work item to one of the project's queues; a worker on that queue picks it up. " +
        'Data values become strings (the pipeline sees them as inputs). Returns the item id.',
      input: {
        queue: queueName,
        data: z
          .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
          .describe('the item, e.g. {"title": "Fix login", "id": 42}'),
        id: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe('the item id (default: generated); adding an id twice is refused'),
        priority: z.number().finite().optional().describe('higher is taken first (default 0)'),
        after: z
          .array(z.string().min(1))
          .optional()
          .describe('item ids that must be done before this one is taken'),
      },
      annotations: { destructiveHint: false },
      notFound: NOT_FOUND,
    },
    async (input) => {
      const data: Record<string, string> = {};
      for (const [k, v] of Object.entries(input.data)) data[k] = String(v);
      const result = await deps.call('queue.add', {
        project: deps.projectRoot(),
        queue: input.queue,
        data,
        ...(input.id === undefined ? {} : { id: input.id }),
        ...(input.priority === undefined ? {} : { priority: input.priority }),
        ...(input.after?.length ? { after: input.after } : {}),
      });
      return toJsonResult(result);
    },
    log,
  );

  addTool(
    server,
    'list_queues',
    {
      title: 'List queues',
      description:
        "The project's queues with how many items are pending, active, done, dead and blocked.",
      input: {},
      annotations: { readOnlyHint: true },
    },
    async () => {
      const list = (await deps.call('queue.list', { project: deps.projectRoot() })) as QueueView[];
      return toJsonResult({ queues: list.map(({ items: _items, ...q }) => q) });
    },
    log,
  );

  addTool(
    server,
    'show_queue',
    {
      title: 'Show a queue',
      description:
        "One queue's counts and items: id, status, attempts, the pipeline working on it, what it " +
        'waits for, its data and last error.',
      input: { queue: queueName },
      annotations: { readOnlyHint: true },
      notFound: NOT_FOUND,
    },
    async (input) =>
      toJsonResult(
        await deps.call('queue.show', { project: deps.projectRoot(), queue: input.queue }),
      ),
    log,
  );

  addTool(
    server,
    'status',
    {
      title: 'Project status',
      description:
        'The one-screen overview of the project: pipeline counts by status, active pipelines, ' +
        'workers, queues, crons and recent failures.',
      input: {},
      annotations: { readOnlyHint: true },
    },
    async () => toJsonResult(await deps.call('status', { project: deps.projectRoot() })),
    log,
  );
}
