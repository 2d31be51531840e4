// Test helpers for the semaphore machine: a sample definition and a pure driver that feeds events
// through the machine with XState's `transition()` and collects the effects it emits.

import { initialTransition, transition } from 'xstate';
import type { SemaphoreDef } from '../runbook/index.js';
import { collectSemaphoreEffects } from './semaphore.context.js';
import type { SemaphoreEffect, SemaphoreEvent } from './semaphore.context.js';
import { createSemaphoreMachine } from './semaphore.machine.js';
import type { SemaphoreMachine, SemaphoreSnapshot } from './semaphore.machine.js';

export const SLOT_HEARTBEAT_MS = 60_000;
export const SLOT_TIMEOUT_MS = 7_200_000;

/** A semaphore `demo.agents` of 4 slots: 1 min heartbeats, 2 h slot timeout, as in the document. */
export function createSemaphoreDef(overrides: Partial<SemaphoreDef> = {}): SemaphoreDef {
  return {
    name: 'agents',
    runbook: 'demo',
    qualified: 'demo.agents',
    max: 4,
    slotTimeoutMs: SLOT_TIMEOUT_MS,
    slotHeartbeatMs: SLOT_HEARTBEAT_MS,
    onOrphan: [{ name: 'reclaim', builtin: 'reclaim' }],
    onOrphanWork: [{ name: 'requeue', builtin: 'requeue' }],
    ...overrides,
  };
}

/** A pure semaphore under test: feed events, read the snapshot and every effect emitted so far. */
export interface SemaphoreDriver {
  machine: SemaphoreMachine;
  snapshot: SemaphoreSnapshot;
  effects: SemaphoreEffect[];
  /** Sends each event in order; returns the effects those events emitted. */
  send: (...events: SemaphoreEvent[]) => SemaphoreEffect[];
}

export function driveSemaphore(def: SemaphoreDef = createSemaphoreDef()): SemaphoreDriver {
  const machine = createSemaphoreMachine(def);
  const [initial, actions] = initialTransition(machine);
  const driver: SemaphoreDriver = {
    machine,
    snapshot: initial,
    effects: collectSemaphoreEffects(actions),
    send: (...events) => {
      const emitted: SemaphoreEffect[] = [];
      for (const event of events) {
        const [next, nextActions] = transition(machine, driver.snapshot, event);
        driver.snapshot = next;
        emitted.push(...collectSemaphoreEffects(nextActions));
      }
      driver.effects.push(...emitted);
      return emitted;
    },
  };
  return driver;
}

/** Event builders; the grant `g-<owner>` belongs to `owner`; `at` defaults to 1 000 ms. */
export const semaphoreEvents = {
  acquire: (owner: string, weight = 1, at = 1_000, grant = `g-${owner}`): SemaphoreEvent => ({
    type: 'semaphore.acquire',
    at,
    grant,
    owner,
    weight,
  }),
  release: (grant: string, at = 1_000): SemaphoreEvent => ({
    type: 'semaphore.release',
    at,
    grant,
  }),
  heartbeat: (grant: string, at = 1_000): SemaphoreEvent => ({
    type: 'semaphore.heartbeat',
    at,
    grant,
  }),
  deadline: (id: string, at: number): SemaphoreEvent => ({ type: 'deadline', at, id }),
};
