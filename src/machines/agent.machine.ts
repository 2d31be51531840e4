// The agent supervision machine, generated from a compiled AgentDef: `running` while a session
// works (or is being spawned), `escalated` while a decision waits for a human, `ended` once the run
// has an outcome. The rules live in agent.policy.ts; this file wires them into XState.

import { enqueueActions, setup } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import type { AgentDef } from '../runbook/index.js';
import { AGENT_MACHINE_ID } from './agent.context.js';
import type { AgentContext, AgentEffectEmitted, AgentEvent, AgentInput } from './agent.context.js';
import { firstSpawn, startAgent, stepAgent } from './agent.policy.js';

/** Builds the machine of one agent run of `def`. Pure: effects are emitted as data. */
export function createAgentMachine(def: AgentDef) {
  return setup({
    types: {
      context: {} as AgentContext,
      events: {} as AgentEvent,
      input: {} as AgentInput,
      emitted: {} as AgentEffectEmitted,
    },
    actions: {
      start: enqueueActions(({ context, enqueue }) => {
        enqueue.emit({ type: 'effect', effect: firstSpawn(context) });
      }),
      apply: enqueueActions(({ context, event, enqueue }) => {
        const { context: next, effects } = stepAgent(def, context, event);
        if (next !== context) enqueue.assign(() => next);
        for (const effect of effects) enqueue.emit({ type: 'effect', effect });
      }),
    },
    guards: {
      isOver: ({ context }) => context.outcome !== null,
      hasDecision: ({ context }) => context.decision !== null,
      hasNoDecision: ({ context }) => context.decision === null,
    },
  }).createMachine({
    id: AGENT_MACHINE_ID,
    context: ({ input }) => startAgent(def, input).context,
    initial: 'starting',
    on: { '*': { actions: 'apply' } },
    states: {
      starting: { entry: 'start', always: 'running' },
      running: {
        always: [
          { guard: 'isOver', target: 'ended' },
          { guard: 'hasDecision', target: 'escalated' },
        ],
      },
      escalated: {
        always: [
          { guard: 'isOver', target: 'ended' },
          { guard: 'hasNoDecision', target: 'running' },
        ],
      },
      ended: { type: 'final' },
    },
  });
}

export type AgentMachine = ReturnType<typeof createAgentMachine>;
export type AgentSnapshot = SnapshotFrom<AgentMachine>;
