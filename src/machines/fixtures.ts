// Test helpers: sample pipeline definitions and a pure driver that feeds events through the
// machine with XState's `transition()` and collects the effects it emits.

import { initialTransition, transition } from 'xstate';
import type { PhaseDef, PipelineDef } from '../runbook/index.js';
import { collectEffects } from './effects.js';
import type { Effect } from './effects.js';
import type { PipelineEvent } from './pipeline.context.js';
import { createPipelineMachine } from './pipeline.machine.js';
import type { PipelineMachine, PipelineSnapshot } from './pipeline.machine.js';

/** A shell phase named `name`; `overrides` replace any field. */
export function createPhaseDef(name: string, overrides: Partial<PhaseDef> = {}): PhaseDef {
  return {
    name,
    run: `echo ${name}`,
    pre: [],
    post: [],
    next: null,
    onFail: null,
    idempotent: true,
    inputs: [],
    ...overrides,
  };
}

/** A pipeline `demo.build` over `phases`; `overrides` replace any other field. */
export function createPipelineDef(
  phases: PhaseDef[],
  overrides: Partial<Omit<PipelineDef, 'phases'>> = {},
): PipelineDef {
  return {
    name: 'build',
    runbook: 'demo',
    qualified: 'demo.build',
    inputs: ['name'],
    defaults: {},
    phases,
    maxVisits: 5,
    ...overrides,
  };
}

/** `plan → build → check`, chained by `next`, the last one done. */
export function createLinearDef(overrides: Partial<Omit<PipelineDef, 'phases'>> = {}): PipelineDef {
  return createPipelineDef(
    [
      createPhaseDef('plan', { next: 'build' }),
      createPhaseDef('build', { next: 'check' }),
      createPhaseDef('check'),
    ],
    overrides,
  );
}

/** A pure pipeline under test: feed events, read the snapshot and every effect emitted so far. */
export interface PipelineDriver {
  machine: PipelineMachine;
  snapshot: PipelineSnapshot;
  effects: Effect[];
  /** Sends each event in order; returns the effects those events emitted. */
  send: (...events: PipelineEvent[]) => Effect[];
}

/** Creates a pipeline `pl-1` for `def` with XState's pure transition functions. */
export function drivePipeline(def: PipelineDef, id = 'pl-1'): PipelineDriver {
  const machine = createPipelineMachine(def);
  const [initial, actions] = initialTransition(machine, { id });
  const driver: PipelineDriver = {
    machine,
    snapshot: initial,
    effects: collectEffects(actions),
    send: (...events) => {
      const emitted: Effect[] = [];
      for (const event of events) {
        const [next, nextActions] = transition(machine, driver.snapshot, event);
        driver.snapshot = next;
        emitted.push(...collectEffects(nextActions));
      }
      driver.effects.push(...emitted);
      return emitted;
    },
  };
  return driver;
}
