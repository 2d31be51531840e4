// Ids the engine derives — actor ids, queue item ids from their data (so identical adds are
// idempotent) — and how a queue item becomes a pipeline's inputs.
import { createHash } from 'node:crypto';
import { toCanonicalJson } from '../../runbook/index.js';
import type { PipelineBundle } from '../../runbook/index.js';

/** A queue item's id when none is given: the same data always gets the same id. */
export function contentId(data: Record<string, string>): string {
  return createHash('sha256').update(toCanonicalJson(data)).digest('hex').slice(0, 12);
}

export function queueId(project: string, qualified: string): string {
  return `queue:${project}:${qualified}`;
}

export function workerId(project: string, qualified: string): string {
  return `worker:${project}:${qualified}`;
}

/** A queue item's data as the pipeline's inputs: by name, or the whole item for a single input. */
export function toInputs(
  bundle: PipelineBundle,
  data: Record<string, string>,
): Record<string, string> {
  const { inputs, defaults } = bundle.pipeline;
  const out: Record<string, string> = {};
  for (const name of inputs) {
    const value = data[name] ?? (inputs.length === 1 ? JSON.stringify(data) : defaults[name]);
    if (value !== undefined) out[name] = value;
  }
  return out;
}
