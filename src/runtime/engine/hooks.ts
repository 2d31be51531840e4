// `[events]` hooks: which hook a notice about a pipeline calls, with the variables it can read.
import type { PipelineContext } from '../../machines/index.js';
import type { PipelineBundle } from '../../runbook/index.js';
import { HOOKS } from './records.js';
import type { ActorEntry } from './supervisor.js';
import { toPipelineView } from './views.js';

export interface HookCall {
  hook: string;
  script: string;
  vars: Record<string, string>;
}

/**
 * The hook a notice of `type` about pipeline `entry` runs, from the definition the pipeline started
 * with (an edited runbook does not change the hooks of running pipelines); null when it has none.
 */
export function eventHookCall(
  entry: ActorEntry,
  type: string,
  bundle: (hash: string) => unknown,
): HookCall | null {
  const hook = HOOKS[type];
  const script = hook && (bundle(entry.meta.defHash) as PipelineBundle).events?.[hook];
  if (!hook || !script) return null;
  const ctx = (entry.actor.getSnapshot() as { context: PipelineContext }).context;
  const vars = {
    id: entry.id,
    pipeline: entry.id,
    name: entry.meta.name ?? entry.id,
    phase: ctx.phase ?? '',
    status: toPipelineView(entry).status,
    error: ctx.error ?? '',
    runbook: entry.meta.qualified.slice(0, entry.meta.qualified.lastIndexOf('.')),
  };
  return { hook, script, vars };
}
