// Front door of src/machines: pure machine factories and the data they exchange with the runtime.

export { EFFECT_KINDS, collectEffects } from './effects.js';
export type {
  AcquireLockEffect,
  AcquireSemaphoreEffect,
  CancelEffect,
  Effect,
  EffectEmitted,
  EffectKind,
  EvalGuardEffect,
  ReleaseLockEffect,
  ReleaseSemaphoreEffect,
  RunStrategyEffect,
  ShellEffect,
  SpawnAgentEffect,
} from './effects.js';
export { createPipelineMachine } from './pipeline.machine.js';
export type { PipelineMachine, PipelineSnapshot } from './pipeline.machine.js';
export { PIPELINE_EVENT_TYPES, PIPELINE_STATUSES, toPipelineStatus } from './pipeline.context.js';
export type {
  Deadline,
  Disposition,
  HeldResource,
  InflightEffect,
  PhaseOutcome,
  PhaseStep,
  PhaseVisit,
  PipelineContext,
  PipelineEvent,
  PipelineEventType,
  PipelineInput,
  PipelineStatus,
} from './pipeline.context.js';
