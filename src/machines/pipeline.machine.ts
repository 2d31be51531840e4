// The pipeline machine, generated from a compiled PipelineDef: one state per phase, each phase a
// short chain of steps (lock, semaphore, pre guards, work, post guards) run as emitted effects.

import { and } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { OjError } from '../errors/index.js';
import type { PhaseDef, PipelineDef, RecoveryStep } from '../runbook/index.js';
import type { PhaseStep, PipelineContext, PipelineEvent } from './pipeline.context.js';
import {
  IS_CURRENT_DEADLINE,
  IS_CURRENT_EFFECT,
  MACHINE_ID,
  setupPipeline,
} from './pipeline.setup.js';
import type {
  ActionRef,
  GuardRef,
  StateConfig,
  Transition,
  Transitions,
} from './pipeline.setup.js';

/** An absolute target: `#pipeline.failed`, `#pipeline.running.build`. */
function stateId(...path: string[]): string {
  return `#${[MACHINE_ID, ...path].join('.')}`;
}

/** One transition under all of `guards`; always re-entering, so a phase can run again. */
function toTransition(guards: GuardRef[], target: string, actions: ActionRef[]): Transition {
  const guard =
    guards.length === 0
      ? undefined
      : guards.length === 1
        ? guards[0]
        : and<PipelineContext, PipelineEvent, GuardRef[]>(guards);
  return { ...(guard === undefined ? {} : { guard }), target, actions, reenter: true };
}

/** Entering `phase` under `guards`: refused once the phase used up its visits, else entered. */
function enterRoutes(phase: string, guards: GuardRef[], actions: ActionRef[] = []): Transition[] {
  return [
    toTransition([...guards, { type: 'isOverVisitLimit', params: { phase } }], stateId('failed'), [
      ...actions,
      { type: 'refuseEntry', params: { phase } },
    ]),
    toTransition(guards, stateId('running', phase), actions),
  ];
}

/** A recovery chain: `restart:N` while budget remains, then the first step that stops it. */
function recoveryRoutes(phase: PhaseDef, match: GuardRef, steps: RecoveryStep[]): Transition[] {
  const routes: Transition[] = [];
  const fail = (actions: ActionRef[] = []) =>
    toTransition([match], stateId('failed'), [...actions, 'markEnded']);
  for (const step of steps) {
    // A step that names a runbook action is implemented by it; the pipeline cannot run actions.
    const builtin = step.action === undefined ? step.builtin : undefined;
    switch (builtin) {
      case 'restart': {
        const restart: GuardRef = {
          type: 'canRestart',
          params: { phase: phase.name, max: step.max ?? 1 },
        };
        routes.push(
          ...enterRoutes(
            phase.name,
            [match, restart],
            [{ type: 'countRestart', params: { phase: phase.name } }],
          ),
        );
        continue;
      }
      case 'escalate':
        return [...routes, toTransition([match], stateId('escalated'), [])];
      case 'requeue':
      case 'dead':
        return [...routes, fail([{ type: 'setDisposition', params: { disposition: builtin } }])];
      default:
        return [...routes, fail()];
    }
  }
  return [...routes, fail()];
}

/** Where a failed phase goes: its `on_fail` phase, its recovery chain, or `failed`. */
function failureRoutes(phase: PhaseDef, match: GuardRef): Transition[] {
  const { onFail } = phase;
  if (onFail === null) return [toTransition([match], stateId('failed'), ['markEnded'])];
  if (onFail.kind === 'phase') return enterRoutes(onFail.phase, [match]);
  return recoveryRoutes(phase, match, onFail.steps);
}

/**
 * A strategy phase whose attempts are exhausted follows the strategy's `on_exhaust` (carried by
 * the failure) instead of the phase's `on_fail`: escalate, or fail with a queue disposition.
 */
function exhaustRoutes(phase: PhaseDef): Transition[] {
  if (phase.strategy === undefined) return [];
  const when = (recovery: string): GuardRef[] => [
    IS_CURRENT_EFFECT,
    { type: 'hasRecovery', params: { recovery } },
  ];
  return [
    toTransition(when('escalate'), stateId('escalated'), []),
    toTransition(when('abandon'), stateId('failed'), ['markEnded']),
    ...(['requeue', 'dead'] as const).map((disposition) =>
      toTransition(when(disposition), stateId('failed'), [
        { type: 'setDisposition', params: { disposition } },
        'markEnded',
      ]),
    ),
  ];
}

/** The steps a phase runs, in order; only the ones it declares. */
function stepsOf(phase: PhaseDef): PhaseStep[] {
  const steps: PhaseStep[] = [];
  if (phase.lock !== undefined) steps.push('lock');
  if (phase.semaphore !== undefined) steps.push('semaphore');
  if (phase.pre.length > 0) steps.push('pre');
  steps.push('work');
  if (phase.post.length > 0) steps.push('post');
  return steps;
}

/** A step starts its effect on entry; its result moves to the next step, guard or phase. */
function stepState(phase: PhaseDef, step: PhaseStep, next: PhaseStep | undefined): StateConfig {
  const done: Transition[] = [];
  if ((step === 'pre' || step === 'post') && phase[step].length > 1) {
    const params = { phase: phase.name, step };
    done.push({
      guard: and<PipelineContext, PipelineEvent, GuardRef[]>([
        IS_CURRENT_EFFECT,
        { type: 'hasMoreGuards', params },
      ]),
      actions: { type: 'startStep', params: { ...params, index: 'next' } },
    });
  }
  const acquired: ActionRef[] = step === 'lock' || step === 'semaphore' ? ['hold'] : [];
  if (next !== undefined) {
    done.push({ guard: IS_CURRENT_EFFECT, target: next, actions: acquired });
  } else if (phase.next !== null) {
    done.push(...enterRoutes(phase.next, [IS_CURRENT_EFFECT]));
  } else {
    done.push(toTransition([IS_CURRENT_EFFECT], stateId('done'), ['markEnded']));
  }
  return {
    entry: { type: 'startStep', params: { phase: phase.name, step, index: 0 } },
    on: { 'effect.done': done },
  };
}

/** A phase counts its visit on entry and settles its effects and grants on exit. */
function phaseState(phase: PhaseDef): StateConfig {
  const steps = stepsOf(phase);
  const params = { phase: phase.name };
  const on: Transitions = {
    'effect.failed': [...exhaustRoutes(phase), ...failureRoutes(phase, IS_CURRENT_EFFECT)],
    'effect.progress': { guard: IS_CURRENT_EFFECT, actions: 'setWaiting' },
  };
  if (phase.timeoutMs !== undefined) on.deadline = failureRoutes(phase, IS_CURRENT_DEADLINE);
  return {
    initial: steps[0],
    entry: { type: 'enterPhase', params },
    exit: { type: 'leavePhase', params },
    on,
    states: Object.fromEntries(
      steps.map((step, i) => [step, stepState(phase, step, steps[i + 1])]),
    ),
  };
}

/** The ways out of `failed`/`escalated`: resume the phase that stopped, or jump to another. */
function restartRoutes(def: PipelineDef): Transitions {
  return {
    'pipeline.resume': def.phases.flatMap((p) =>
      enterRoutes(p.name, [{ type: 'isResumeOf', params: { phase: p.name } }], ['clearFailure']),
    ),
    'pipeline.transition': def.phases.flatMap((p) =>
      enterRoutes(
        p.name,
        [{ type: 'isTransitionTo', params: { phase: p.name } }],
        ['clearFailure'],
      ),
    ),
    'pipeline.cancel': { target: 'cancelled', actions: 'cancel' },
  };
}

/**
 * Builds the pipeline machine for a compiled definition. Pure: its actions only assign context
 * and emit `{ type: 'effect', effect }`; the runtime executes effects and sends their results.
 */
export function createPipelineMachine(def: PipelineDef) {
  const [first] = def.phases;
  if (first === undefined) {
    throw new OjError(
      'pipeline_without_phases',
      `pipeline "${def.qualified}" has no phases: declare at least one`,
    );
  }
  return setupPipeline(def).createMachine({
    id: MACHINE_ID,
    initial: 'pending',
    context: ({ input }) => ({
      id: input.id,
      inputs: { ...input.inputs },
      vars: {},
      phase: null,
      visits: {},
      restarts: {},
      inflight: null,
      deadline: null,
      held: [],
      waitingFor: null,
      escalatedFor: null,
      error: null,
      disposition: null,
      cancelReason: null,
      history: [],
      startedAt: null,
      endedAt: null,
    }),
    states: {
      pending: {
        on: {
          'pipeline.start': enterRoutes(first.name, [], ['begin']),
          'pipeline.cancel': { target: 'cancelled', actions: 'cancel' },
        },
      },
      running: {
        initial: first.name,
        on: {
          'pipeline.transition': def.phases.flatMap((p) =>
            enterRoutes(p.name, [{ type: 'isTransitionTo', params: { phase: p.name } }]),
          ),
          'pipeline.cancel': { target: 'cancelled', actions: 'cancel' },
        },
        states: Object.fromEntries(def.phases.map((p) => [p.name, phaseState(p)])),
      },
      escalated: { on: restartRoutes(def) },
      // Not final: a human may resume, transition or cancel; every other event is ignored.
      failed: { on: restartRoutes(def) },
      done: { type: 'final' },
      cancelled: { type: 'final' },
    },
  });
}

export type PipelineMachine = ReturnType<typeof createPipelineMachine>;
export type PipelineSnapshot = SnapshotFrom<PipelineMachine>;
