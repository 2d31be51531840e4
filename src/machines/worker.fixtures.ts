// Test helpers for the worker machine: a sample definition and a pure driver that feeds events
// through the machine with XState's `transition()` and collects the effects it emits.

import { initialTransition, transition } from 'xstate';
import type { WorkerDef } from '../runbook/index.js';
import { collectWorkerEffects } from './worker.context.js';
import type { WorkerEffect, WorkerEvent } from './worker.context.js';
import { createWorkerMachine } from './worker.machine.js';
import type { WorkerMachine, WorkerSnapshot } from './worker.machine.js';

export const IDLE_WAIT_MS = 30_000;

/** A worker `demo.fixer` on queue `demo.bugs`: 2 at a time, waiting 30 s when idle. */
export function createWorkerDef(overrides: Partial<WorkerDef> = {}): WorkerDef {
  return {
    name: 'fixer',
    runbook: 'demo',
    qualified: 'demo.fixer',
    queue: 'demo.bugs',
    handler: 'demo.fix',
    concurrency: 2,
    idleAction: { kind: 'wait', ms: IDLE_WAIT_MS },
    wakeOn: [],
    ...overrides,
  };
}

/** A pure worker under test: feed events, read the snapshot and every effect emitted so far. */
export interface WorkerDriver {
  machine: WorkerMachine;
  snapshot: WorkerSnapshot;
  effects: WorkerEffect[];
  /** Sends each event in order; returns the effects those events emitted. */
  send: (...events: WorkerEvent[]) => WorkerEffect[];
}

export function driveWorker(def: WorkerDef = createWorkerDef()): WorkerDriver {
  const machine = createWorkerMachine(def);
  const [initial, actions] = initialTransition(machine);
  const driver: WorkerDriver = {
    machine,
    snapshot: initial,
    effects: collectWorkerEffects(actions),
    send: (...events) => {
      const emitted: WorkerEffect[] = [];
      for (const event of events) {
        const [next, nextActions] = transition(machine, driver.snapshot, event);
        driver.snapshot = next;
        emitted.push(...collectWorkerEffects(nextActions));
      }
      driver.effects.push(...emitted);
      return emitted;
    },
  };
  return driver;
}

/** Event builders; `at` defaults to 1 000 ms. */
export const workerEvents = {
  start: (at = 1_000): WorkerEvent => ({ type: 'worker.start', at }),
  stop: (at = 1_000): WorkerEvent => ({ type: 'worker.stop', at }),
  wake: (at = 1_000): WorkerEvent => ({ type: 'worker.wake', at }),
  idle: (at = 1_000): WorkerEvent => ({ type: 'worker.idle', at }),
  dispatched: (pipeline: string, item: string, at = 1_000): WorkerEvent => ({
    type: 'worker.dispatched',
    at,
    pipeline,
    item,
  }),
  finished: (pipeline: string, at = 1_000): WorkerEvent => ({
    type: 'worker.finished',
    at,
    pipeline,
  }),
  deadline: (id: string, at: number): WorkerEvent => ({ type: 'deadline', at, id }),
};
