// Request handlers for looking inside one pipeline (the dashboard's pipeline page): its machine as
// Graphviz dot with the current state highlighted, and the tail of its output log.
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { OjError } from '../../errors/index.js';
import { toDot, toGraph } from '../../machines/index.js';
import type { PipelineBundle } from '../../runbook/index.js';
import { pipelineLogPath } from './dispatch.js';
import type { Engine } from './engine.js';
import type { Handler } from './handlers.js';

class InspectError extends OjError {}

export function createInspectHandlers(engine: Engine, stateDir: string): Record<string, Handler> {
  const pipeline = (id: string) => {
    const exact = engine.actor(id);
    const entry =
      exact?.kind === 'pipeline'
        ? exact
        : engine.actors('pipeline').find((e) => e.id.startsWith(id) || e.meta.name === id);
    if (!entry) throw new InspectError('NOT_FOUND', `no pipeline "${id}" (see: oj pipeline list)`);
    return entry;
  };
  return {
    'pipeline.graph': async (p: { id: string }) => {
      const entry = pipeline(p.id);
      const def = engine.definition<PipelineBundle>(entry.meta.defHash).pipeline;
      const snapshot = entry.actor.getSnapshot() as { value: unknown; machine?: { id: string } };
      const root = (entry.machine as { id: string }).id;
      const current = leafPaths(snapshot.value).map((path) => [root, ...path].join('.'));
      return { id: entry.id, current, dot: toDot(toGraph(def), { highlight: current }) };
    },
    'pipeline.log': async (p: { id: string; bytes?: number }) => {
      const entry = pipeline(p.id);
      const file = pipelineLogPath(stateDir, entry.id);
      if (!existsSync(file)) return { id: entry.id, text: '' };
      const size = statSync(file).size;
      const want = Math.min(size, p.bytes ?? 64 * 1024);
      const buffer = Buffer.alloc(want);
      const fd = openSync(file, 'r');
      try {
        readSync(fd, buffer, 0, want, size - want);
      } finally {
        closeSync(fd);
      }
      return { id: entry.id, text: buffer.toString('utf8'), truncated: want < size };
    },
  };
}

/** `{running: {build: 'work'}}` → [['running', 'build', 'work']]. */
function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value === 'string') return [[...prefix, value]];
  if (value && typeof value === 'object')
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      leafPaths(v, [...prefix, k]),
    );
  return [prefix];
}
