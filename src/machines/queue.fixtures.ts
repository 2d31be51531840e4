// Test helpers for the queue machine: a sample definition and a pure driver that feeds events
// through the machine with XState's `transition()` and collects the effects it emits.

import { initialTransition, transition } from 'xstate';
import type { QueueDef } from '../runbook/index.js';
import { collectQueueEffects } from './queue.context.js';
import type { NewQueueItem, QueueEffect, QueueEvent, QueueItem } from './queue.context.js';
import { queueItem } from './queue.items.js';
import { createQueueMachine } from './queue.machine.js';
import type { QueueMachine, QueueSnapshot } from './queue.machine.js';

export const VISIBILITY_MS = 60_000;
export const RETENTION_MS = 3_600_000;
export const POLL_MS = 30_000;

/** A FIFO queue `demo.bugs` without a source: 1 min leases, 2 retries, dead items kept 1 h. */
export function createQueueDef(overrides: Partial<QueueDef> = {}): QueueDef {
  return {
    name: 'bugs',
    runbook: 'demo',
    qualified: 'demo.bugs',
    pollMs: POLL_MS,
    order: 'fifo',
    visibilityTimeoutMs: VISIBILITY_MS,
    maxRetries: 2,
    onExhaust: [{ name: 'dead', builtin: 'dead' }],
    dead: { retentionMs: RETENTION_MS },
    ...overrides,
  };
}

/** A pure queue under test: feed events, read the snapshot and every effect emitted so far. */
export interface QueueDriver {
  machine: QueueMachine;
  snapshot: QueueSnapshot;
  effects: QueueEffect[];
  /** Sends each event in order; returns the effects those events emitted. */
  send: (...events: QueueEvent[]) => QueueEffect[];
  /** The item `id`; throws when there is none (a test that expects one fails loudly). */
  item: (id: string) => QueueItem;
}

export function driveQueue(def: QueueDef = createQueueDef()): QueueDriver {
  const machine = createQueueMachine(def);
  const [initial, actions] = initialTransition(machine);
  const driver: QueueDriver = {
    machine,
    snapshot: initial,
    effects: collectQueueEffects(actions),
    send: (...events) => {
      const emitted: QueueEffect[] = [];
      for (const event of events) {
        const [next, nextActions] = transition(machine, driver.snapshot, event);
        driver.snapshot = next;
        emitted.push(...collectQueueEffects(nextActions));
      }
      driver.effects.push(...emitted);
      return emitted;
    },
    item: (id) => {
      const item = queueItem(driver.snapshot.context, id);
      if (item === undefined) throw new Error(`no item "${id}" in the queue`);
      return item;
    },
  };
  return driver;
}

/** Event builders; `at` defaults to 1 000 ms. */
export const queueEvents = {
  add: (item: Partial<NewQueueItem> & { id: string }, at = 1_000): QueueEvent => ({
    type: 'queue.add',
    at,
    item: { data: {}, ...item },
  }),
  take: (item: string, pipeline: string, at = 1_000): QueueEvent => ({
    type: 'queue.take',
    at,
    item,
    worker: 'demo.fixer',
    pipeline,
  }),
  complete: (item: string, pipeline: string, at = 1_000): QueueEvent => ({
    type: 'queue.complete',
    at,
    item,
    pipeline,
  }),
  fail: (
    item: string,
    pipeline: string,
    disposition?: 'requeue' | 'dead',
    at = 1_000,
  ): QueueEvent => ({
    type: 'queue.fail',
    at,
    item,
    pipeline,
    error: 'boom',
    ...(disposition === undefined ? {} : { disposition }),
  }),
  retry: (item: string, at = 1_000): QueueEvent => ({ type: 'queue.retry', at, item }),
  drop: (item: string, at = 1_000): QueueEvent => ({ type: 'queue.drop', at, item }),
  deadline: (id: string, at: number): QueueEvent => ({ type: 'deadline', at, id }),
};
