// What the crash suite reads from the daemon (`oj … -o json`), typed as far as the suite uses it.
import type { CrashWorld } from './world.js';
import { parse } from './support.js';

export interface QueueView {
  counts: { pending: number; active: number; done: number; dead: number; blocked: number };
  items: { id: string; status: string; lastError: string | null; attempts: number }[];
}

export interface PipelineView {
  id: string;
  name: string;
  pipeline: string;
  status: string;
  phase: string | null;
  error: string | null;
  item?: { queue: string; item: string };
}

export interface WorkspaceView {
  id: string;
  path: string;
  pipeline: string | null;
  status: string;
}

export const TERMINAL: readonly string[] = ['done', 'failed', 'cancelled'];

export const queueOf = (world: CrashWorld, name: string) =>
  parse<QueueView>(world.oj('queue', 'show', name, '-o', 'json'));

export const pipelinesOf = (world: CrashWorld) =>
  parse<PipelineView[]>(world.oj('pipeline', 'list', '-o', 'json'));
