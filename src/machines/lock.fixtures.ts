// Test helpers for the lock machine: a sample definition and a pure driver that feeds events
// through the machine with XState's `transition()` and collects the effects it emits.

import { initialTransition, transition } from 'xstate';
import type { LockDef } from '../runbook/index.js';
import { collectLockEffects } from './lock.context.js';
import type { LockEffect, LockEvent } from './lock.context.js';
import { createLockMachine } from './lock.machine.js';
import type { LockMachine, LockSnapshot } from './lock.machine.js';

export const HEARTBEAT_MS = 30_000;
export const TIMEOUT_MS = 1_800_000;

/** A lock `demo.main_branch`: 30 s heartbeats, 30 min timeout, as in the runbook document. */
export function createLockDef(overrides: Partial<LockDef> = {}): LockDef {
  return {
    name: 'main_branch',
    runbook: 'demo',
    qualified: 'demo.main_branch',
    timeoutMs: TIMEOUT_MS,
    heartbeatMs: HEARTBEAT_MS,
    onStale: [
      { name: 'release', builtin: 'release' },
      { name: 'rollback', builtin: 'rollback' },
      { name: 'escalate', builtin: 'escalate' },
    ],
    ...overrides,
  };
}

/** A pure lock under test: feed events, read the snapshot and every effect emitted so far. */
export interface LockDriver {
  machine: LockMachine;
  snapshot: LockSnapshot;
  effects: LockEffect[];
  /** Sends each event in order; returns the effects those events emitted. */
  send: (...events: LockEvent[]) => LockEffect[];
}

export function driveLock(def: LockDef = createLockDef()): LockDriver {
  const machine = createLockMachine(def);
  const [initial, actions] = initialTransition(machine);
  const driver: LockDriver = {
    machine,
    snapshot: initial,
    effects: collectLockEffects(actions),
    send: (...events) => {
      const emitted: LockEffect[] = [];
      for (const event of events) {
        const [next, nextActions] = transition(machine, driver.snapshot, event);
        driver.snapshot = next;
        emitted.push(...collectLockEffects(nextActions));
      }
      driver.effects.push(...emitted);
      return emitted;
    },
  };
  return driver;
}

/** Event builders; the grant `g-<owner>` belongs to `owner`; `at` defaults to 1 000 ms. */
export const lockEvents = {
  acquire: (owner: string, at = 1_000, grant = `g-${owner}`): LockEvent => ({
    type: 'lock.acquire',
    at,
    grant,
    owner,
  }),
  release: (grant: string, at = 1_000): LockEvent => ({ type: 'lock.release', at, grant }),
  heartbeat: (grant: string, at = 1_000): LockEvent => ({ type: 'lock.heartbeat', at, grant }),
  forceRelease: (reason?: string, at = 1_000): LockEvent => ({
    type: 'lock.force_release',
    at,
    ...(reason === undefined ? {} : { reason }),
  }),
  deadline: (id: string, at: number): LockEvent => ({ type: 'deadline', at, id }),
};
