// Effect descriptors: the plain data machines emit instead of doing I/O (DESIGN.md §2, "effects as
// data"). Executors in src/actors run them; results come back as events carrying the effect's id.

import type { QualifiedName } from '../runbook/index.js';

/** Every kind of effect a machine in this folder can emit. */
export const EFFECT_KINDS = [
  'shell',
  'spawnAgent',
  'runStrategy',
  'evalGuard',
  'acquireLock',
  'releaseLock',
  'acquireSemaphore',
  'releaseSemaphore',
  'cancelEffect',
  'awaitApproval',
] as const;
export type EffectKind = (typeof EFFECT_KINDS)[number];

interface EffectBase {
  /** Stable and deterministic: the same journal always produces the same ids. */
  id: string;
  /** The pipeline instance the effect belongs to. */
  pipeline: string;
}

/** Run a shell script; `script` is the raw runbook text, which the executor interpolates. */
export interface ShellEffect extends EffectBase {
  kind: 'shell';
  /** The phase it runs for; null for pipeline-level scripts such as `on_cancel` before start. */
  phase: string | null;
  script: string;
  timeoutMs?: number;
}

/** Start an agent session; `epoch` is the phase visit it belongs to (late events carry it). */
export interface SpawnAgentEffect extends EffectBase {
  kind: 'spawnAgent';
  phase: string;
  agent: QualifiedName;
  epoch: number;
}

/** Wait for a human: a decision asking `question` (approve → done, reject → failed). */
export interface AwaitApprovalEffect extends EffectBase {
  kind: 'awaitApproval';
  phase: string;
  question: string;
}

export interface RunStrategyEffect extends EffectBase {
  kind: 'runStrategy';
  phase: string;
  strategy: QualifiedName;
}

/** Evaluate a guard; done = condition met, failed = guard failed (the executor owns retries). */
export interface EvalGuardEffect extends EffectBase {
  kind: 'evalGuard';
  phase: string;
  guard: QualifiedName;
  when: 'pre' | 'post';
}

export interface AcquireLockEffect extends EffectBase {
  kind: 'acquireLock';
  phase: string;
  lock: QualifiedName;
}

/** `grant` is the id of the acquire effect whose grant is given back. */
export interface ReleaseLockEffect extends EffectBase {
  kind: 'releaseLock';
  phase: string;
  lock: QualifiedName;
  grant: string;
}

export interface AcquireSemaphoreEffect extends EffectBase {
  kind: 'acquireSemaphore';
  phase: string;
  semaphore: QualifiedName;
  weight: number;
}

export interface ReleaseSemaphoreEffect extends EffectBase {
  kind: 'releaseSemaphore';
  phase: string;
  semaphore: QualifiedName;
  weight: number;
  grant: string;
}

/** Stop the effect `target` (kill the process, withdraw the lock request, …). */
export interface CancelEffect extends EffectBase {
  kind: 'cancelEffect';
  target: string;
}

export type Effect =
  | ShellEffect
  | SpawnAgentEffect
  | RunStrategyEffect
  | EvalGuardEffect
  | AcquireLockEffect
  | ReleaseLockEffect
  | AcquireSemaphoreEffect
  | ReleaseSemaphoreEffect
  | CancelEffect
  | AwaitApprovalEffect;

/** What machines `emit()`; the runtime listens with `actor.on('effect', …)`. */
export interface EffectEmitted {
  type: 'effect';
  effect: Effect;
}

/**
 * The effects among the actions returned by XState's pure `transition()`/`initialTransition()`,
 * in order. Pure; executes nothing.
 */
export function collectEffects(
  actions: ReadonlyArray<{ type: string; params?: unknown }>,
): Effect[] {
  const effects: Effect[] = [];
  for (const action of actions) {
    if (action.type !== 'xstate.emit') continue;
    const emitted = (action.params as { event?: Partial<EffectEmitted> } | undefined)?.event;
    if (emitted?.type === 'effect' && emitted.effect !== undefined) effects.push(emitted.effect);
  }
  return effects;
}
