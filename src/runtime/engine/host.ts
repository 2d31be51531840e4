// What the engine lends the modules that coordinate actors (resources.ts, work.ts): sending events
// within the current processing step, definitions, and pipeline creation.
import type { ActorEntry, ActorMeta, Supervisor } from './supervisor.js';

export type EngineEvent = { type: string; at: number } & Record<string, unknown>;

export interface EngineHost {
  sup: Supervisor;
  send(entry: ActorEntry, event: EngineEvent, touched: Set<string>): void;
  /** Sends to a pipeline and reacts to what changed (notices, its queue item). */
  sendPipeline(entry: ActorEntry, event: EngineEvent, touched: Set<string>): void;
  bundle(hash: string): unknown;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** Drops an ended actor's snapshot at the next checkpoint. */
  forget(id: string): void;
  /** A new pipeline id, derived from the journal sequence of the input being processed. */
  nextPipelineId(seq: number): string;
  createPipeline(
    id: string,
    hash: string,
    inputs: Record<string, string>,
    meta: ActorMeta,
    touched: Set<string>,
  ): void;
}
