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
export { createQueueMachine } from './queue.machine.js';
export type { QueueMachine, QueueSnapshot } from './queue.machine.js';
export {
  QUEUE_EVENT_TYPES,
  QUEUE_ITEM_STATUSES,
  collectQueueEffects,
  migrateQueueSnapshot,
  queueCounts,
  queueDeadlines,
  takeableItems,
  toLeaseDeadlineId,
  toPurgeDeadlineId,
} from './queue.context.js';
export { listQueueItems, queueItem } from './queue.items.js';
export type {
  NewQueueItem,
  NotifyEffect,
  PollSourceEffect,
  QueueContext,
  QueueCounts,
  QueueEffect,
  QueueEffectEmitted,
  QueueEvent,
  QueueEventType,
  QueueFailDisposition,
  QueueItem,
  QueueItemStatus,
  QueueLease,
  QueueMeta,
} from './queue.context.js';
export { createWorkerMachine } from './worker.machine.js';
export type { WorkerMachine, WorkerSnapshot } from './worker.machine.js';
export {
  WORKER_EVENT_TYPES,
  collectWorkerEffects,
  freeSlots,
  toWakeDeadlineId,
  workerDeadlines,
} from './worker.context.js';
export type {
  TakeEffect,
  WorkerContext,
  WorkerEffect,
  WorkerEffectEmitted,
  WorkerEvent,
  WorkerEventType,
  WorkerMeta,
} from './worker.context.js';
export { createLockMachine } from './lock.machine.js';
export type { LockMachine, LockSnapshot } from './lock.machine.js';
export {
  LOCK_EVENT_TYPES,
  LOCK_REVOKE_REASONS,
  collectLockEffects,
  isLockStale,
  lockDeadlines,
  lockHolder,
  lockWaiters,
  toStaleDeadlineId,
} from './lock.context.js';
export type {
  LockContext,
  LockEffect,
  LockEffectEmitted,
  LockEvent,
  LockEventType,
  LockGrantedEffect,
  LockHolder,
  LockRevokeReason,
  LockRevokedEffect,
  LockWaiter,
} from './lock.context.js';
export { createSemaphoreMachine } from './semaphore.machine.js';
export type { SemaphoreMachine, SemaphoreSnapshot } from './semaphore.machine.js';
export {
  SEMAPHORE_EVENT_TYPES,
  SEMAPHORE_REFUSE_REASONS,
  collectSemaphoreEffects,
  semaphoreDeadlines,
  semaphoreHolders,
  semaphoreUsed,
  semaphoreWaiters,
  toOrphanDeadlineId,
} from './semaphore.context.js';
export type {
  SemaphoreContext,
  SemaphoreEffect,
  SemaphoreEffectEmitted,
  SemaphoreEvent,
  SemaphoreEventType,
  SemaphoreGrantedEffect,
  SemaphoreHolder,
  SemaphoreRefuseReason,
  SemaphoreRefusedEffect,
  SemaphoreRevokedEffect,
  SemaphoreWaiter,
} from './semaphore.context.js';
export { createStrategyMachine } from './strategy.machine.js';
export type { StrategyMachine, StrategySnapshot } from './strategy.machine.js';
export {
  STRATEGY_EVENT_TYPES,
  STRATEGY_OUTCOMES,
  collectStrategyEffects,
  strategyDeadlines,
  strategyOutcome,
  toAttemptDeadlineId,
  toAttemptEffectId,
  toCheckpointEffectId,
  toRollbackEffectId,
} from './strategy.context.js';
export type {
  StrategyAgentEffect,
  StrategyContext,
  StrategyEffect,
  StrategyEffectEmitted,
  StrategyEvent,
  StrategyEventType,
  StrategyInput,
  StrategyOutcome,
  StrategyShellEffect,
} from './strategy.context.js';
export { createCronMachine } from './cron.machine.js';
export type { CronMachine, CronSnapshot } from './cron.machine.js';
export {
  CRON_EVENT_TYPES,
  cronDeadlines,
  nextTick,
  parseCronReport,
  recordAttempts,
  toCronRunId,
} from './cron.context.js';
export type {
  CronContext,
  CronEffectEmitted,
  CronEvent,
  CronRunReport,
  RunCronEffect,
  TargetAttempts,
} from './cron.context.js';
export { createGuardMachine } from './guard.machine.js';
export type { GuardMachine, GuardSnapshot } from './guard.machine.js';
export {
  GUARD_EVENT_TYPES,
  TIMEOUT_DEADLINE_ID,
  guardDeadlines,
  guardOutcome,
  toRetryDeadlineId,
} from './guard.context.js';
export type {
  EvalConditionEffect,
  GuardContext,
  GuardEffectEmitted,
  GuardEvent,
  GuardInput,
  GuardOutcome,
} from './guard.context.js';
export { createAgentMachine } from './agent.machine.js';
export type { AgentMachine, AgentSnapshot } from './agent.machine.js';
export {
  AGENT_EVENT_TYPES,
  DECISION_OPTIONS,
  agentDeadlines,
  parseAgentEpoch,
  toAgentEpoch,
} from './agent.context.js';
export type {
  AgentContext,
  AgentDecision,
  AgentEffect,
  AgentEvent,
  AgentInput,
  AgentSessionState,
  EscalationCause,
  SessionRef,
} from './agent.context.js';
export { isPrintMode } from './agent.policy.js';
export { toDot, toGraph } from './graph.js';
export type { GraphEdge, GraphNode, PipelineGraph } from './graph.js';
