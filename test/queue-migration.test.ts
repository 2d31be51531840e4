// A daemon restarted on a queue snapshot stored before queue items were bucketed (written into
// LMDB between two runs, as an older oj left it) serves the same queue, and stores it bucketed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeProject, runOj } from './helpers/oj.js';
import { listQueueItems } from '../src/machines/index.js';
import type { QueueContext, QueueItem } from '../src/machines/index.js';
import { statePaths } from '../src/runtime/paths.js';
import { openStore } from '../src/runtime/store/index.js';
import type { SnapshotRecord } from '../src/runtime/store/index.js';

const RUNBOOK = `
[queue.todo]
order = "priority"
`;

interface StoredQueue {
  kind: string;
  xstate: { context: QueueContext };
}

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const undo of cleanup.splice(0).reverse()) undo();
});

/** Rewrites the stored snapshot of the one queue with `change`, with the daemon stopped. */
async function rewriteQueue(state: string, change: (record: SnapshotRecord) => SnapshotRecord) {
  const store = await openStore(statePaths(state).journal, { log: () => undefined });
  try {
    const { snapshots } = store.loadCheckpoint();
    const queues = [...snapshots].filter(([, r]) => (r.snapshot as StoredQueue).kind === 'queue');
    expect(queues).toHaveLength(1);
    const [id, record] = queues[0] as [string, SnapshotRecord];
    const put = new Map([[id, change(record)]]);
    await store.checkpoint({ seq: store.checkpointSeq, put });
    return record;
  } finally {
    await store.close();
  }
}

/** The record as an oj before bucketing stored it: schema 1, items flat by id, no `buckets`. */
function toFlatRecord(record: SnapshotRecord): SnapshotRecord {
  const stored = record.snapshot as StoredQueue;
  const { buckets: _, ...context } = stored.xstate.context;
  const items = Object.fromEntries(listQueueItems(stored.xstate.context).map((i) => [i.id, i]));
  const xstate = { ...stored.xstate, context: { ...context, items } };
  return { ...record, schema: 1, snapshot: { ...stored, xstate } };
}

describe('queue snapshots from before bucketing', () => {
  it('restores the same items, counts and order, then stores the queue bucketed', async () => {
    const project = makeProject({ 'todo.toml': RUNBOOK });
    const state = mkdtempSync(join(tmpdir(), 'oj-queue-migration-'));
    const oj = (...args: string[]) => runOj(args, { cwd: project, env: { OJ_STATE_DIR: state } });
    cleanup.push(() => {
      oj('daemon', 'stop', '--kill');
      rmSync(project, { recursive: true, force: true });
      rmSync(state, { recursive: true, force: true });
    });
    const show = () => JSON.parse(oj('queue', 'show', 'todo', '-o', 'json').stdout) as unknown;
    expect(oj('queue', 'add', 'todo', '--id', 'first', 'n=1').code).toBe(0);
    expect(oj('queue', 'add', 'todo', '--id', 'second', '--after', 'first', 'n=2').code).toBe(0);
    expect(oj('queue', 'add', 'todo', '--id', 'urgent', '--priority', '5', 'n=3').code).toBe(0);
    const before = show();
    expect(before).toMatchObject({
      counts: { pending: 2, blocked: 1 },
      items: [{ id: 'first' }, { id: 'second' }, { id: 'urgent' }],
    });
    expect(oj('daemon', 'stop').code).toBe(0);

    await rewriteQueue(state, toFlatRecord);
    expect(show()).toEqual(before);
    expect(oj('queue', 'add', 'todo', '--id', 'fourth', 'n=4').code).toBe(0);
    expect(oj('daemon', 'stop').code).toBe(0);

    const stored = await rewriteQueue(state, (record) => record);
    expect(stored.schema).toBeGreaterThan(1);
    const { context } = (stored.snapshot as StoredQueue).xstate;
    expect(context.buckets).toBe(64);
    const ids = (items: QueueItem[]) => items.map((i) => i.id).sort();
    expect(ids(listQueueItems(context))).toEqual(['first', 'fourth', 'second', 'urgent']);
  });
});
