// The pipeline machine's named actions and guards (closed over the PipelineDef) and the XState
// types of references to them, which pipeline.machine.ts uses to generate the config.

import { assign, enqueueActions, setup } from 'xstate';
import type { ParameterizedObject, TransitionConfig } from 'xstate';
import { OjError } from '../errors/index.js';
import { formatDuration } from '../runbook/index.js';
import type { PhaseDef, PipelineDef } from '../runbook/index.js';
import type { Effect, EffectEmitted } from './effects.js';
import {
  appendVisit,
  closeVisit,
  describeStepFailure,
  describeVisitLimit,
  toDeadlineId,
  toPhaseOutcome,
  toStepEffectId,
} from './pipeline.context.js';
import type {
  Disposition,
  HeldResource,
  InflightEffect,
  PhaseStep,
  PipelineContext,
  PipelineEvent,
  PipelineInput,
} from './pipeline.context.js';

interface PhaseParams {
  phase: string;
}
/** `index: 'next'` starts the guard after the in-flight one. */
interface StepParams {
  phase: string;
  step: PhaseStep;
  index: number | 'next';
}
interface GuardStepParams {
  phase: string;
  step: 'pre' | 'post';
}

/** The machine id; state ids are `pipeline.<state>` and `pipeline.running.<phase>`. */
export const MACHINE_ID = 'pipeline';

/** Each definition's phases by name: a lookup per step, so a long pipeline's steps stay O(1). */
const phaseIndex = new WeakMap<PipelineDef, Map<string, PhaseDef>>();

function findPhase(def: PipelineDef, name: string): PhaseDef {
  let byName = phaseIndex.get(def);
  if (byName === undefined) {
    byName = new Map(def.phases.map((p) => [p.name, p]));
    phaseIndex.set(def, byName);
  }
  const phase = byName.get(name);
  if (phase === undefined) {
    throw new OjError(
      'pipeline_unknown_phase',
      `pipeline "${def.qualified}" has no phase "${name}": the definition was not compiled`,
    );
  }
  return phase;
}

/** The name a step's effect acts on: the lock, semaphore, guard or the phase itself. */
function stepSubject(phase: PhaseDef, step: PhaseStep, index: number): string {
  switch (step) {
    case 'lock':
      return phase.lock ?? '';
    case 'semaphore':
      return phase.semaphore?.semaphore ?? '';
    case 'pre':
    case 'post':
      return phase[step][index] ?? '';
    case 'work':
      return phase.name;
  }
}

/** The effect that starts `step` of the current visit of `phase`. Pure. */
function toStepEffect(
  context: PipelineContext,
  phase: PhaseDef,
  step: PhaseStep,
  index: number,
): Effect {
  const visit = context.visits[phase.name] ?? 0;
  const id = toStepEffectId(context.id, phase.name, visit, step, index);
  const base = { id, pipeline: context.id, phase: phase.name };
  const subject = stepSubject(phase, step, index);
  switch (step) {
    case 'lock':
      return { kind: 'acquireLock', ...base, lock: subject };
    case 'semaphore':
      return {
        kind: 'acquireSemaphore',
        ...base,
        semaphore: subject,
        weight: phase.semaphore?.weight ?? 1,
      };
    case 'pre':
    case 'post':
      return { kind: 'evalGuard', ...base, guard: subject, when: step };
    case 'work':
      if (phase.agent !== undefined)
        return { kind: 'spawnAgent', ...base, agent: phase.agent, epoch: visit };
      if (phase.strategy !== undefined)
        return { kind: 'runStrategy', ...base, strategy: phase.strategy };
      if (phase.approve !== undefined)
        return { kind: 'awaitApproval', ...base, question: phase.approve };
      return {
        kind: 'shell',
        ...base,
        script: phase.run ?? '',
        ...(phase.timeoutMs === undefined ? {} : { timeoutMs: phase.timeoutMs }),
      };
  }
}

/** The release effect that gives a held grant back. */
function toReleaseEffect(context: PipelineContext, phase: string, held: HeldResource): Effect {
  const base = { id: `${held.grant}:release`, pipeline: context.id, phase, grant: held.grant };
  return held.kind === 'lock'
    ? { kind: 'releaseLock', ...base, lock: held.name }
    : { kind: 'releaseSemaphore', ...base, semaphore: held.name, weight: held.weight };
}

function isResultOf(event: PipelineEvent, inflight: InflightEffect): boolean {
  return (
    (event.type === 'effect.done' || event.type === 'effect.failed') && event.id === inflight.id
  );
}

function describeFailure(
  def: PipelineDef,
  context: PipelineContext,
  event: PipelineEvent,
): string | null {
  const { inflight, deadline } = context;
  if (event.type === 'effect.failed' && inflight !== null && event.id === inflight.id) {
    const subject = stepSubject(findPhase(def, inflight.phase), inflight.step, inflight.index);
    return describeStepFailure(inflight, subject, event.error, event.exitCode);
  }
  if (
    event.type === 'deadline' &&
    deadline !== null &&
    event.id === deadline.id &&
    context.phase !== null
  ) {
    const timeout = findPhase(def, context.phase).timeoutMs ?? 0;
    return `phase "${context.phase}" timed out after ${formatDuration(timeout)}`;
  }
  return null;
}

/** The implementations, closed over `def`; the generated config references them by name. */
export function setupPipeline(def: PipelineDef) {
  return setup({
    types: {
      context: {} as PipelineContext,
      events: {} as PipelineEvent,
      input: {} as PipelineInput,
      emitted: {} as EffectEmitted,
    },
    actions: {
      begin: assign(({ context, event }) => {
        if (event.type !== 'pipeline.start') return {};
        return {
          inputs: { ...def.defaults, ...context.inputs, ...event.inputs },
          vars: { ...context.vars, ...event.vars },
          startedAt: event.at,
        };
      }),
      enterPhase: assign(({ context, event }, { phase }: PhaseParams) => {
        const visit = (context.visits[phase] ?? 0) + 1;
        const { timeoutMs } = findPhase(def, phase);
        return {
          phase,
          visits: { ...context.visits, [phase]: visit },
          deadline:
            timeoutMs === undefined
              ? null
              : { id: toDeadlineId(context.id, phase, visit), at: event.at + timeoutMs },
          history: appendVisit(context.history, { phase, visit, enteredAt: event.at }),
          endedAt: null,
        };
      }),
      startStep: enqueueActions(({ context, enqueue }, params: StepParams) => {
        const { phase, step } = params;
        const index = params.index === 'next' ? (context.inflight?.index ?? -1) + 1 : params.index;
        const effect = toStepEffect(context, findPhase(def, phase), step, index);
        enqueue.assign({
          inflight: { id: effect.id, kind: effect.kind, phase, step, index },
          waitingFor: null,
          escalatedFor: null,
        });
        enqueue.emit({ type: 'effect', effect });
      }),
      hold: assign(({ context }) => {
        const { inflight } = context;
        if (inflight === null) return {};
        const phase = findPhase(def, inflight.phase);
        const held: HeldResource | null =
          inflight.step === 'lock' && phase.lock !== undefined
            ? { kind: 'lock', name: phase.lock, grant: inflight.id }
            : inflight.step === 'semaphore' && phase.semaphore !== undefined
              ? {
                  kind: 'semaphore',
                  name: phase.semaphore.semaphore,
                  weight: phase.semaphore.weight,
                  grant: inflight.id,
                }
              : null;
        return held === null ? {} : { held: [...context.held, held] };
      }),
      // An agent's open decision escalates the pipeline without ending the phase.
      setWaiting: assign(({ event }) => {
        if (event.type !== 'effect.progress' || !event.waiting)
          return { waitingFor: null, escalatedFor: null };
        return event.escalated
          ? { waitingFor: null, escalatedFor: event.reason ?? 'needs a human' }
          : { waitingFor: event.reason ?? 'waiting', escalatedFor: null };
      }),
      // Leaving a phase settles everything that belonged to it, whichever way it is left: the
      // in-flight effect is cancelled unless it is the one reporting, grants are given back.
      leavePhase: enqueueActions(({ context, event, enqueue }, { phase }: PhaseParams) => {
        const error = describeFailure(def, context, event);
        if (context.inflight !== null && !isResultOf(event, context.inflight)) {
          const target = context.inflight.id;
          enqueue.emit({
            type: 'effect',
            effect: { kind: 'cancelEffect', id: `${target}:cancel`, pipeline: context.id, target },
          });
        }
        for (const held of context.held) {
          enqueue.emit({ type: 'effect', effect: toReleaseEffect(context, phase, held) });
        }
        enqueue.assign({
          inflight: null,
          deadline: null,
          held: [],
          waitingFor: null,
          escalatedFor: null,
          history: closeVisit(context.history, phase, event.at, toPhaseOutcome(event)),
          ...(error === null ? {} : { error }),
        });
      }),
      countRestart: assign(({ context }, { phase }: PhaseParams) => ({
        restarts: { ...context.restarts, [phase]: (context.restarts[phase] ?? 0) + 1 },
      })),
      refuseEntry: assign(({ context, event }, { phase }: PhaseParams) => {
        const visits = Math.min((context.visits[phase] ?? 0) + 1, def.maxVisits + 1);
        return {
          phase,
          visits: { ...context.visits, [phase]: visits },
          error: describeVisitLimit(phase, visits, def.maxVisits),
          endedAt: event.at,
        };
      }),
      setDisposition: assign((_, { disposition }: { disposition: Disposition }) => ({
        disposition,
      })),
      clearFailure: assign({ error: null, disposition: null, endedAt: null }),
      markEnded: assign(({ event }) => ({ endedAt: event.at })),
      cancel: enqueueActions(({ context, event, enqueue }) => {
        const reason = event.type === 'pipeline.cancel' ? (event.reason ?? null) : null;
        enqueue.assign({ cancelReason: reason, endedAt: event.at });
        if (def.onCancel !== undefined) {
          const effect: Effect = {
            kind: 'shell',
            id: `${context.id}:on_cancel`,
            pipeline: context.id,
            phase: context.phase,
            script: def.onCancel,
          };
          enqueue.emit({ type: 'effect', effect });
        }
      }),
    },
    guards: {
      isCurrentEffect: ({ context, event }) =>
        'id' in event &&
        event.type !== 'deadline' &&
        context.inflight !== null &&
        event.id === context.inflight.id,
      isCurrentDeadline: ({ context, event }) =>
        event.type === 'deadline' && context.deadline !== null && event.id === context.deadline.id,
      hasMoreGuards: ({ context }, { phase, step }: GuardStepParams) =>
        (context.inflight?.index ?? 0) + 1 < findPhase(def, phase)[step].length,
      canRestart: ({ context }, { phase, max }: { phase: string; max: number }) =>
        (context.restarts[phase] ?? 0) < max,
      isOverVisitLimit: ({ context }, { phase }: PhaseParams) =>
        (context.visits[phase] ?? 0) >= def.maxVisits,
      isTransitionTo: ({ event }, { phase }: PhaseParams) =>
        event.type === 'pipeline.transition' && event.phase === phase,
      isResumeOf: ({ context }, { phase }: PhaseParams) => context.phase === phase,
      hasRecovery: ({ event }, { recovery }: { recovery: string }) =>
        event.type === 'effect.failed' && event.recovery === recovery,
    },
  });
}

type PipelineSetup = ReturnType<typeof setupPipeline>;
type MachineConfig = Parameters<PipelineSetup['createMachine']>[0];
export type StateConfig = NonNullable<MachineConfig['states']>[string];
export type Transitions = NonNullable<StateConfig['on']>;
// `'*'` types a transition for any pipeline event; it is assignable to every event's key.
export type Transition = Exclude<
  Extract<NonNullable<Transitions['*']>, readonly unknown[]>[number],
  string | undefined
>;
// The named guards and actions with their params, as XState types the references to them.
export type GuardRef =
  Transition extends TransitionConfig<
    PipelineContext,
    PipelineEvent,
    PipelineEvent,
    never,
    ParameterizedObject,
    infer G,
    string,
    EffectEmitted
  >
    ? G
    : never;
export type ActionRef = Extract<NonNullable<Transition['actions']>, readonly unknown[]>[number];

// Guards without params still need `params` spelled out to type as references.
export const IS_CURRENT_EFFECT: GuardRef = { type: 'isCurrentEffect', params: undefined };
export const IS_CURRENT_DEADLINE: GuardRef = { type: 'isCurrentDeadline', params: undefined };
