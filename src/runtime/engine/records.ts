// The journal's records: every input to the engine (a CLI request, an effect's result, a timer
// firing) is one of these, committed before it is processed. Types are `noun:verb`, as users see
// them in `oj events`.
import type { AgentContext, AgentSessionState, SessionRef } from '../../machines/index.js';
import type { EventHook } from '../../runbook/index.js';

/** Where a pipeline came from when a worker took a queue item for it. */
export interface ItemSource {
  queue: string;
  item: string;
  worker: string;
}

export type RecordBody =
  | { type: 'daemon:start'; version: string; pid: number }
  | {
      type: 'pipeline:create';
      /** The new pipeline's id is derived from the record's seq: `pl-<seq in base 36>`. */
      name: string;
      project: string;
      pipeline: string;
      hash: string;
      inputs: Record<string, string>;
    }
  | { type: 'pipeline:cancel'; id: string; reason?: string }
  | { type: 'pipeline:transition'; id: string; phase: string }
  | { type: 'pipeline:resume'; id: string }
  | { type: 'effect:done'; actor: string; effect: string; exitCode?: number; output?: string }
  | { type: 'effect:failed'; actor: string; effect: string; error: string; exitCode?: number }
  | { type: 'effect:progress'; actor: string; effect: string; waiting: boolean; reason?: string }
  | { type: 'timer:fired'; actor: string; deadline: string }
  | {
      type: 'queue:add';
      project: string;
      queue: string;
      /** The queue's definition (content hash) at the time of the add. */
      defHash: string;
      item: { id: string; data: Record<string, string>; priority: number; after: string[] };
    }
  | { type: 'queue:polled'; project: string; queue: string }
  | { type: 'queue:retry'; project: string; queue: string; item: string }
  | { type: 'queue:drop'; project: string; queue: string; item: string }
  | {
      type: 'worker:start';
      project: string;
      worker: string;
      /** Content hashes of the worker's definition, its queue's, and its handler pipeline bundle. */
      defHash: string;
      queueHash: string;
      handlerHash: string;
    }
  | { type: 'worker:stop'; project: string; worker: string }
  | { type: 'worker:wake'; project: string; worker: string }
  | { type: 'event:emit'; project: string; name: string; data: Record<string, string> }
  | { type: 'lock:force_release'; project: string; lock: string; reason: string }
  | {
      type: 'cron:enable' | 'cron:disable' | 'cron:once';
      project: string;
      cron: string;
      /** The cron's definition (content hash) at the time of the request. */
      defHash: string;
    }
  | { type: 'agent:spawned'; actor: string; generation: number; session: SessionRef }
  | {
      type: 'agent:state';
      actor: string;
      generation: number;
      state: AgentSessionState;
      prompt?: AgentContext['prompt'];
      error?: string;
    }
  | { type: 'agent:activity'; actor: string; generation: number }
  | {
      type: 'agent:exited';
      actor: string;
      generation: number;
      code: number | null;
      signal: string | null;
    }
  /** `oj done [--error]` from a phase command or agent: `epoch` says which run it speaks for. */
  | { type: 'phase:done'; pipeline: string; epoch: string; error?: string }
  | { type: 'decision:resolve'; decision: string; option: string; message?: string }
  /** `oj prune`: terminal pipelines to forget (their logs and worktrees go with them). */
  | { type: 'pipeline:prune'; ids: string[] }
  /** `oj session continue` on a finished agent phase: resume its conversation with `message`. */
  | { type: 'agent:continue'; pipeline: string; phase: string; visit: number; message: string };

export type RecordType = RecordBody['type'];

/** A committed journal record: its sequence number and the time it was accepted. */
export type JournalEntry = RecordBody & { seq: number; at: number };

/** The notifications the engine derives while processing (`pipeline:done`, `phase:start`…). */
export interface Notice {
  seq: number;
  at: number;
  type: string;
  project: string;
  data: Record<string, string>;
}

/** Which `[events]` hook a notice runs. */
export const HOOKS: Record<string, EventHook> = {
  'phase:start': 'on_phase_change',
  'pipeline:done': 'on_complete',
  'pipeline:failed': 'on_fail',
  'pipeline:cancelled': 'on_cancel',
  'pipeline:escalated': 'on_escalate',
  'pipeline:started': 'on_start',
};

/** Inputs the engine routes; every other record type (notices) is history only. */
export const INPUTS = new Set<string>([
  'pipeline:create',
  'pipeline:cancel',
  'pipeline:transition',
  'pipeline:resume',
  'effect:done',
  'effect:failed',
  'effect:progress',
  'timer:fired',
  'queue:add',
  'queue:polled',
  'queue:retry',
  'queue:drop',
  'worker:start',
  'worker:stop',
  'worker:wake',
  'lock:force_release',
  'cron:enable',
  'cron:disable',
  'cron:once',
  'event:emit',
  'agent:spawned',
  'agent:state',
  'agent:activity',
  'agent:exited',
  'phase:done',
  'decision:resolve',
  'agent:continue',
  'pipeline:prune',
]);

/**
 * The names an event can be waited for by (`wake_on`): a custom event's own name; a notice's type,
 * and for pipeline notices also `pipeline:<id|name>:<phase or status>`.
 */
export function eventNames(e: { type: string; [k: string]: unknown }): string[] {
  if (e.type === 'event:emit') return [String(e.name)];
  const names = [e.type];
  const ids = [e.pipeline, e.name].filter((x): x is string => typeof x === 'string');
  if (e.type === 'phase:start' && typeof e.phase === 'string')
    for (const id of ids) names.push(`pipeline:${id}:${e.phase}`);
  if (e.type.startsWith('pipeline:'))
    for (const id of ids) names.push(`pipeline:${id}:${e.type.slice(9)}`);
  return names;
}
