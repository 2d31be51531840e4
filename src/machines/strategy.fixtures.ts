// Test helpers for the strategy machine: the runbook document's `merge` strategy and a pure driver
// that feeds events through the machine with XState's `transition()` and collects its effects.

import { initialTransition, transition } from 'xstate';
import type { StrategyDef } from '../runbook/index.js';
import { collectStrategyEffects } from './strategy.context.js';
import type { StrategyEffect, StrategyEvent, StrategyInput } from './strategy.context.js';
import { createStrategyMachine } from './strategy.machine.js';
import type { StrategyMachine, StrategySnapshot } from './strategy.machine.js';

export const RUN = 'run-1';
export const START_AT = 1_000;
export const FF_TIMEOUT_MS = 60_000;
export const REBASE_TIMEOUT_MS = 300_000;

/**
 * The strategy `demo.merge` as in the runbook document: checkpoint, then fast-forward (1 min, no
 * rollback), rebase (5 min, rollback) and an agent (rollback; no timeout, to cover both kinds).
 */
export function createStrategyDef(overrides: Partial<StrategyDef> = {}): StrategyDef {
  return {
    name: 'merge',
    runbook: 'demo',
    qualified: 'demo.merge',
    checkpoint: 'git rev-parse HEAD',
    onExhaust: [{ name: 'escalate', builtin: 'escalate' }],
    attempts: [
      { name: 'fast-forward', run: 'git merge --ff-only FETCH_HEAD', timeoutMs: FF_TIMEOUT_MS },
      {
        name: 'rebase',
        run: 'git rebase origin/main',
        timeoutMs: REBASE_TIMEOUT_MS,
        rollback: 'git rebase --abort; git reset --hard {checkpoint}',
      },
      {
        name: 'agent-resolve',
        agent: 'demo.conflict_resolution',
        rollback: 'git reset --hard {checkpoint}',
      },
    ],
    ...overrides,
  };
}

export const INPUT: StrategyInput = { id: RUN, pipeline: 'pl-1', phase: 'merge', at: START_AT };

/** A pure strategy run under test: feed events, read the snapshot and every effect so far. */
export interface StrategyDriver {
  machine: StrategyMachine;
  snapshot: StrategySnapshot;
  effects: StrategyEffect[];
  /** Sends each event in order; returns the effects those events emitted. */
  send: (...events: StrategyEvent[]) => StrategyEffect[];
}

export function driveStrategy(
  def: StrategyDef = createStrategyDef(),
  input: StrategyInput = INPUT,
): StrategyDriver {
  const machine = createStrategyMachine(def);
  const [initial, actions] = initialTransition(machine, input);
  const driver: StrategyDriver = {
    machine,
    snapshot: initial,
    effects: collectStrategyEffects(actions),
    send: (...events) => {
      const emitted: StrategyEffect[] = [];
      for (const event of events) {
        const [next, nextActions] = transition(machine, driver.snapshot, event);
        driver.snapshot = next;
        emitted.push(...collectStrategyEffects(nextActions));
      }
      driver.effects.push(...emitted);
      return emitted;
    },
  };
  return driver;
}

/** Event builders; ids are relative to the run (`'attempt0'` means `run-1:attempt0`). */
export const strategyEvents = {
  done: (step: string, at = 2_000, output?: unknown): StrategyEvent => ({
    type: 'effect.done',
    id: `${RUN}:${step}`,
    at,
    ...(output === undefined ? {} : { output }),
  }),
  failed: (step: string, error = 'exit 1', at = 2_000): StrategyEvent => ({
    type: 'effect.failed',
    id: `${RUN}:${step}`,
    at,
    error,
  }),
  deadline: (step: string, at: number): StrategyEvent => ({
    type: 'deadline',
    id: `${RUN}:${step}:deadline`,
    at,
  }),
  cancel: (at = 2_000): StrategyEvent => ({ type: 'strategy.cancel', at }),
};
