// Content-hashed definitions. Each compiled definition gets the hash of its canonical JSON; a
// pipeline's hash also covers every block it uses (agents, guards, strategies, locks, semaphores),
// so the runtime can store "the definition this pipeline started with" and keep it when files change.
import type { Project } from './compile.js';
import { toCanonicalJson } from './hash.js';
import { KINDS } from './types.js';
import type {
  ActionDef,
  AgentDef,
  EventHook,
  GuardDef,
  LockDef,
  PipelineDef,
  QualifiedName,
  SemaphoreDef,
  StrategyDef,
} from './types.js';

/** A pipeline with every definition it runs, self-contained. */
export interface PipelineBundle {
  pipeline: PipelineDef;
  agents: Record<QualifiedName, AgentDef>;
  guards: Record<QualifiedName, GuardDef>;
  strategies: Record<QualifiedName, StrategyDef>;
  locks: Record<QualifiedName, LockDef>;
  semaphores: Record<QualifiedName, SemaphoreDef>;
  /** Named actions the agents' recovery chains use. */
  actions: Record<QualifiedName, ActionDef>;
  /** The `[events]` hooks of the pipeline's runbook, as they were when it started. */
  events?: Partial<Record<EventHook, string>>;
}

/** Gathers a pipeline and the blocks it uses. Pure. */
export function bundlePipeline(
  project: Project,
  qualified: QualifiedName,
): PipelineBundle | undefined {
  const pipeline = project.pipeline[qualified];
  if (!pipeline) return undefined;
  const bundle: PipelineBundle = {
    pipeline,
    agents: {},
    guards: {},
    strategies: {},
    locks: {},
    semaphores: {},
    actions: {},
  };
  const hooks = project.events[qualified.slice(0, qualified.lastIndexOf('.'))];
  if (hooks && Object.keys(hooks).length) bundle.events = hooks;
  const addAgent = (q: QualifiedName | undefined) => {
    const agent = q ? project.agent[q] : undefined;
    if (!agent) return;
    bundle.agents[agent.qualified] = agent;
    for (const step of [...agent.onStuck, ...agent.onTimeout, ...agent.onExit]) {
      const action = step.action ? project.action[step.action] : undefined;
      if (action) bundle.actions[action.qualified] = action;
    }
  };
  for (const phase of pipeline.phases) {
    addAgent(phase.agent);
    for (const g of [...phase.pre, ...phase.post]) {
      const guard = project.guard[g];
      if (guard) bundle.guards[g] = guard;
    }
    const strategy = phase.strategy ? project.strategy[phase.strategy] : undefined;
    if (strategy) {
      bundle.strategies[strategy.qualified] = strategy;
      for (const attempt of strategy.attempts) addAgent(attempt.agent);
    }
    const lock = phase.lock ? project.lock[phase.lock] : undefined;
    if (lock) bundle.locks[lock.qualified] = lock;
    const semaphore = phase.semaphore ? project.semaphore[phase.semaphore.semaphore] : undefined;
    if (semaphore) bundle.semaphores[semaphore.qualified] = semaphore;
  }
  return bundle;
}

/**
 * Fills `hash` on every definition of the project: its own canonical JSON, or for a pipeline its
 * whole bundle. Mutates `project`; pure otherwise.
 */
export function hashDefinitions(project: Project, hash: (text: string) => string): void {
  for (const kind of KINDS) {
    if (kind === 'pipeline') continue;
    for (const def of Object.values(project[kind]))
      def.hash = hash(toCanonicalJson({ ...def, hash: undefined }));
  }
  for (const def of Object.values(project.pipeline)) {
    const bundle = bundlePipeline(project, def.qualified) as PipelineBundle;
    def.hash = hash(toCanonicalJson({ ...bundle, pipeline: { ...def, hash: undefined } }));
  }
}
