// Front door of the engine: `createEngineServices` is what the daemon plugs in — it opens the
// journal, starts the engine (restore, replay, reconcile) and returns its request handlers.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { withOjShims } from '../shims.js';
import {
  ShellSpawnerPool,
  buildShellEnv,
  sendNotification,
  toNotifyOptions,
} from '../../actors/index.js';
import { loadProject } from '../../project/index.js';
import { parseDuration } from '../../runbook/index.js';
import type { LoadedProject } from '../../project/index.js';
import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { openStore } from '../store/index.js';
import { Engine } from './engine.js';
import type { Log } from './engine.js';
import { createEngineHandlers } from './handlers.js';
import { createAgentHandlers } from './agent-handlers.js';
import { createWorkspaceHandlers } from './workspace-handlers.js';
import { createPruneHandlers } from './prune-handlers.js';
import { createInspectHandlers } from './inspect-handlers.js';
import { killAllSessions } from '../../session/index.js';
import { startWebServer } from '../../web/index.js';
import type { WebServer } from '../../web/index.js';
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
export async function createEngineServices(options: EngineServicesOptions): Promise<{
  handlers: Record<string, Handler>;
  close(opts?: { kill?: boolean }): Promise<void>;
  engine: Engine;
}> {
  const clock = options.clock ?? systemClock;
  const store = await openStore(options.journalDir, { log: options.log });
  const projects = new ProjectCache();
  const notifyOptions = toNotifyOptions(process.env);
  const inspector = await startInspector(process.env.OJ_INSPECT, options.log);
  // Phase shells start in small processes of their own (see ShellSpawner); their script is
  // bundled beside the daemon's chunks.
  const shells = new ShellSpawnerPool(new URL('./shell-spawner.js', import.meta.url), options.log);
  shells.warm();
  const engine = await Engine.start({
    ...(inspector ? { inspect: inspector.inspect } : {}),
    store,
    clock,
    log: options.log,
    version: options.version,
    stateDir: options.stateDir,
    gitTimeoutMs: gitTimeout(process.env.OJ_GIT_TIMEOUT, options.log),
    runShell: (request) => shells.run(request),
    startDetached: (request) => shells.start(request),
    baseEnv: { ...process.env, PATH: withOjShims(options.stateDir, process.env.PATH) },
    buildEnv: buildShellEnv,
    sessionTiming: process.env.OJ_SESSION_TIMING === 'test' ? 'test' : 'production',
    ...(process.env.OJ_FAKE_AGENTS ? { fakeAgents: process.env.OJ_FAKE_AGENTS } : {}),
    notify: (n) =>
      void sendNotification(n, notifyOptions, {
        log: options.log,
        platform: process.platform,
        fetch,
      }),
  });
  let web: Promise<WebServer> | null = null;
  const handlers: Record<string, Handler> = {
    ...createEngineHandlers({
      engine,
      store,
      stateDir: options.stateDir,
      loadProject: (root) => projects.load(root),
    }),
    ...createAgentHandlers(engine, () => clock.now()),
    ...createWorkspaceHandlers(engine, options.stateDir),
    ...createPruneHandlers(engine, options.stateDir, () => clock.now()),
    ...createInspectHandlers(engine, options.stateDir),
    // `oj dashboard`: the HTTP API and dashboard, started on first request, on 127.0.0.1 only.
    'dashboard.start': async (p: { port?: number }) => {
      web ??= startWebServer(
        { handlers, subscribe: (l) => engine.subscribe(l), log: options.log },
        p.port ?? 0,
      ).catch((err: unknown) => {
        web = null;
        throw err;
      });
      const server = await web;
      return { url: server.url, token: server.token, link: `${server.url}?token=${server.token}` };
    },
  };
  return {
    engine,
    handlers,
    async close(opts?: { kill?: boolean }) {
      inspector?.stop();
      await (await web?.catch(() => null))?.close();
      if (opts?.kill) await killAllSessions(options.stateDir, options.log);
      await engine.close(opts?.kill ? 0 : (options.drainMs ?? 10_000));
      await shells.close();
      await store.close();
    },
  };
}

/**
 * OJ_GIT_TIMEOUT (a duration such as `30s`): how long each git or setup command of a pipeline's
 * workspace may run before its process group is killed and the phase fails; default 2m.
 */
function gitTimeout(text: string | undefined, log: Log): number | undefined {
  if (!text) return undefined;
  const parsed = parseDuration(text);
  if (parsed.ok && parsed.ms > 0) return parsed.ms;
  const why = parsed.ok ? 'it must be longer than 0' : parsed.message;
  log('warn', `OJ_GIT_TIMEOUT=${text} is ignored (${why}); git commands get the default 2m`);
  return undefined;
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

/**
 * OJ_INSPECT=ws://host:port streams every actor's XState inspection events (the @statelyai/inspect
 * WebSocket protocol) to that server, for the Stately inspector and other tools. Off by default.
 */
async function startInspector(url: string | undefined, log: Log) {
  if (!url) return null;
  try {
    const { createWebSocketInspector } = await import('@statelyai/inspect');
    log('info', `streaming XState inspection events to ${url}`);
    return createWebSocketInspector({ url });
  } catch (err) {
    log('warn', `OJ_INSPECT=${url}: the inspector could not start: ${String(err)}`);
    return null;
  }
}
