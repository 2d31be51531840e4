// Front door of the engine: `createEngineServices` is what the daemon plugs in — it opens the
// journal, starts the engine (restore, replay, reconcile) and returns its request handlers.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildShellEnv, runShell } from '../../actors/index.js';
import { loadProject } from '../../project/index.js';
import type { LoadedProject } from '../../project/index.js';
import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { openStore } from '../store/index.js';
import { Engine } from './engine.js';
import type { Log } from './engine.js';
import { createEngineHandlers } from './handlers.js';
import type { Handler } from './handlers.js';

export { Engine } from './engine.js';
export type { Handler, HandlerContext } from './handlers.js';

export interface EngineServicesOptions {
  stateDir: string;
  journalDir: string;
  version: string;
  log: Log;
  clock?: Clock;
  /** How long a graceful stop waits for running phases before cancelling them. */
  drainMs?: number;
}

/** Opens the journal and starts the engine; `close()` drains, checkpoints and closes the journal. */
export async function createEngineServices(
  options: EngineServicesOptions,
): Promise<{ handlers: Record<string, Handler>; close(): Promise<void>; engine: Engine }> {
  const clock = options.clock ?? systemClock;
  const store = await openStore(options.journalDir, { log: options.log });
  const projects = new ProjectCache();
  const engine = await Engine.start({
    store,
    clock,
    log: options.log,
    version: options.version,
    stateDir: options.stateDir,
    runShell: (request) => runShell(request, { clock, log: options.log }),
    baseEnv: process.env,
    buildEnv: buildShellEnv,
    eventHooks: (root, runbook) => {
      try {
        return projects.load(root).project.events[runbook];
      } catch {
        return undefined;
      }
    },
  });
  const handlers = createEngineHandlers({
    engine,
    store,
    stateDir: options.stateDir,
    loadProject: (root) => projects.load(root),
  });
  return {
    engine,
    handlers,
    async close() {
      await engine.close(options.drainMs ?? 10_000);
      await store.close();
    },
  };
}

/** Runbooks are loaded per request but only re-read when a file under .oj/runbooks changed. */
class ProjectCache {
  readonly #cache = new Map<string, { stamp: string; loaded: LoadedProject }>();

  load(root: string): LoadedProject {
    const stamp = stampOf(root);
    const hit = this.#cache.get(root);
    if (hit && hit.stamp === stamp) return hit.loaded;
    const loaded = loadProject(root, { hash: true });
    this.#cache.set(root, { stamp, loaded });
    return loaded;
  }
}

function stampOf(root: string): string {
  const dir = join(root, '.oj', 'runbooks');
  try {
    const parts: string[] = [];
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const path = join(d, name);
        const st = statSync(path);
        if (st.isDirectory()) walk(path);
        else parts.push(`${path}:${st.size}:${st.mtimeMs}`);
      }
    };
    walk(dir);
    return parts.sort().join('|');
  } catch {
    return 'missing';
  }
}
