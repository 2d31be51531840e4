// The engine's request handlers: what `oj pipeline|queue|worker|emit|events|status` ask the daemon.
// Each validates against the project's current runbooks and the actors' state, then journals an
// input and answers once it is processed (a request is acknowledged only after its commit).
import { OjError } from '../../errors/index.js';
import { bundlePipeline, formatIssue, suggest } from '../../runbook/index.js';
import type { Project, QueueDef, WorkerDef } from '../../runbook/index.js';
import type { LoadedProject } from '../../project/index.js';
import type { Store } from '../store/index.js';
import { pipelineLogPath } from './dispatch.js';
import { contentId } from './ids.js';
import { lockId, semaphoreId } from './resources.js';
import { cronBundle, cronId, toCronView } from './crons.js';
import type { CronView } from './crons.js';
import type { CronBundle } from './cron-run.js';
import { isLockStale } from '../../machines/index.js';
import type { Engine } from './engine.js';
import { queueId, workerId } from './ids.js';
import type { LockView, PipelineView, QueueView } from './views.js';
import { toLockView, toPipelineView, toQueueView, toSemaphoreView, toWorkerView } from './views.js';

export interface HandlerContext {
  signal: AbortSignal;
  push(data: unknown): void;
}
export type Handler = (params: never, ctx: HandlerContext) => Promise<unknown>;

export interface HandlerDeps {
  engine: Engine;
  store: Store;
  stateDir: string;
  loadProject(root: string): LoadedProject;
}

export class RequestError extends OjError {}

const fail = (code: string, message: string): never => {
  throw new RequestError(code, message);
};

export function createEngineHandlers(deps: HandlerDeps): Record<string, Handler> {
  const { engine, store } = deps;

  const project = (root: string): Project => {
    const loaded = deps.loadProject(root);
    if (loaded.issues.length) {
      fail(
        'RUNBOOK_INVALID',
        `the runbooks of ${root} have problems:\n${loaded.issues.map(formatIssue).join('\n')}\nfix them (oj runbook check), then try again`,
      );
    }
    return loaded.project;
  };
  const find = <T extends { name: string; qualified: string }>(
    defs: Record<string, T>,
    name: string,
    kind: string,
  ): T => {
    const all = Object.values(defs);
    const hit = all.filter((d) => d.qualified === name || d.name === name);
    if (hit.length === 1) return hit[0] as T;
    if (hit.length > 1)
      return fail(
        'AMBIGUOUS',
        `"${name}" names ${hit.length} ${kind}s: ${hit.map((d) => d.qualified).join(', ')}; write one of those`,
      );
    const close = suggest(
      name,
      all.map((d) => d.name),
    );
    return fail(
      'NOT_FOUND',
      `no ${kind} "${name}"${close ? `; did you mean "${close}"?` : ''} (${kind}s: ${all.map((d) => d.name).join(', ') || 'none'})`,
    );
  };
  const pipelineById = (prefix: string) => {
    const all = engine.actors('pipeline');
    const exact = all.find((e) => e.id === prefix || e.meta.name === prefix);
    if (exact) return exact;
    const hits = all.filter(
      (e) => e.id.startsWith(prefix) || (e.meta.name ?? '').startsWith(prefix),
    );
    if (hits.length === 1) return hits[0] as (typeof all)[number];
    if (hits.length > 1)
      return fail(
        'AMBIGUOUS',
        `"${prefix}" matches ${hits.length} pipelines (${hits
          .slice(0, 5)
          .map((h) => h.id)
          .join(', ')}…); give more of the id`,
      );
    return fail('NOT_FOUND', `no pipeline "${prefix}" (see: oj pipeline list)`);
  };
  const view = (id: string): PipelineView & { log: string } => {
    const entry = engine.actor(id);
    if (!entry) return fail('NOT_FOUND', `no pipeline "${id}"`);
    return { ...toPipelineView(entry), log: pipelineLogPath(deps.stateDir, id) };
  };
  const queueDef = (root: string, name: string): QueueDef =>
    find(project(root).queue, name, 'queue');
  const workerDef = (root: string, name: string): WorkerDef =>
    find(project(root).worker, name, 'worker');
  const putDef = async (def: { hash?: string }): Promise<string> => {
    const hash = def.hash ?? fail('INTERNAL', 'definition has no content hash');
    await store.putDefinition(hash, def);
    return hash;
  };

  return {
    'pipeline.create': async (p: {
      project: string;
      pipeline: string;
      inputs: Record<string, string>;
    }) => {
      const proj = project(p.project);
      const def = find(proj.pipeline, p.pipeline, 'pipeline');
      const missing = def.inputs.filter(
        (i) => p.inputs[i] === undefined && def.defaults[i] === undefined,
      );
      if (missing.length)
        fail(
          'MISSING_INPUT',
          `pipeline "${def.name}" needs input${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`,
        );
      const bundle = bundlePipeline(proj, def.qualified);
      if (!bundle?.pipeline.hash)
        return fail('INTERNAL', `pipeline "${def.name}" could not be bundled`);
      await store.putDefinition(bundle.pipeline.hash, bundle);
      const inputs = { ...def.defaults, ...p.inputs };
      const first = def.inputs.map((i) => inputs[i]).find((v) => v);
      const name = first ? `${def.name}-${slug(first)}` : def.name;
      const entry = await engine.submit({
        type: 'pipeline:create',
        project: p.project,
        pipeline: def.qualified,
        hash: bundle.pipeline.hash,
        inputs,
        name,
      });
      return view(`pl-${entry.seq.toString(36)}`);
    },
    'pipeline.list': async (p: { project?: string; status?: string[] }) =>
      engine
        .actors('pipeline')
        .filter((e) => !p.project || e.meta.project === p.project)
        .map(toPipelineView)
        .filter((v) => !p.status?.length || p.status.includes(v.status))
        .sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0)),
    'pipeline.show': async (p: { id: string }) => view(pipelineById(p.id).id),
    'pipeline.cancel': async (p: { id: string; reason?: string }) => {
      const entry = pipelineById(p.id);
      const status = toPipelineView(entry).status;
      if (status === 'done' || status === 'cancelled')
        fail('ALREADY_ENDED', `pipeline ${entry.id} is already ${status}`);
      await engine.submit({
        type: 'pipeline:cancel',
        id: entry.id,
        ...(p.reason ? { reason: p.reason } : {}),
      });
      return view(entry.id);
    },
    'pipeline.transition': async (p: { id: string; phase: string }) => {
      const entry = pipelineById(p.id);
      const phases = engine
        .definition<{ pipeline: { phases: { name: string }[] } }>(entry.meta.defHash)
        .pipeline.phases.map((x) => x.name);
      if (!phases.includes(p.phase)) {
        const close = suggest(p.phase, phases);
        fail(
          'NOT_FOUND',
          `pipeline ${entry.id} has no phase "${p.phase}"${close ? `; did you mean "${close}"?` : ''} (phases: ${phases.join(', ')})`,
        );
      }
      const status = toPipelineView(entry).status;
      if (status === 'done' || status === 'cancelled' || status === 'pending')
        fail('BAD_STATE', `pipeline ${entry.id} is ${status}: it cannot move to another phase`);
      await engine.submit({ type: 'pipeline:transition', id: entry.id, phase: p.phase });
      return view(entry.id);
    },
    'pipeline.resume': async (p: { id: string }) => {
      const entry = pipelineById(p.id);
      const status = toPipelineView(entry).status;
      if (status !== 'failed' && status !== 'escalated')
        fail(
          'BAD_STATE',
          `pipeline ${entry.id} is ${status}; only failed or escalated pipelines can be resumed`,
        );
      await engine.submit({ type: 'pipeline:resume', id: entry.id });
      return view(entry.id);
    },
    'pipeline.wait': async (p: { ids: string[]; all?: boolean; timeoutMs?: number }, ctx) => {
      const ids = p.ids.map((id) => pipelineById(id).id);
      const ended = (id: string) => ['done', 'failed', 'cancelled'].includes(view(id).status);
      const satisfied = () => (p.all ? ids.every(ended) : ids.some(ended));
      const last = new Map<string, string>();
      const progress = () => {
        for (const id of ids) {
          const v = view(id);
          const agent = engine.actors('agent').find((a) => a.meta.owner === id);
          const state = agent
            ? (agent.actor.getSnapshot() as { context: { state: string } }).context.state
            : null;
          const key = `${v.status}|${v.phase}|${state}`;
          if (last.get(id) === key) continue;
          last.set(id, key);
          ctx.push({ id, name: v.name, status: v.status, phase: v.phase, agent: state });
        }
      };
      progress();
      if (!satisfied()) {
        await new Promise<void>((resolve) => {
          const stop = engine.subscribe(() => {
            progress();
            if (satisfied()) finish();
          });
          const timer = p.timeoutMs === undefined ? undefined : setTimeout(finish, p.timeoutMs);
          ctx.signal.addEventListener('abort', finish, { once: true });
          function finish(): void {
            stop();
            if (timer) clearTimeout(timer);
            resolve();
          }
        });
      }
      return { done: satisfied(), pipelines: ids.map(view) };
    },
    'queue.add': async (p: {
      project: string;
      queue: string;
      data: Record<string, string>;
      id?: string;
      priority?: number;
      after?: string[];
    }) => {
      const def = queueDef(p.project, p.queue);
      const defHash = await putDef(def);
      const id = p.id ?? contentId(p.data);
      await engine.submit({
        type: 'queue:add',
        project: p.project,
        queue: def.qualified,
        defHash,
        item: { id, data: p.data, priority: p.priority ?? 0, after: p.after ?? [] },
      });
      return { queue: def.qualified, id };
    },
    'queue.addMany': async (p: {
      project: string;
      queue: string;
      items: { data: Record<string, string>; id?: string; priority?: number; after?: string[] }[];
    }) => {
      const def = queueDef(p.project, p.queue);
      const defHash = await putDef(def);
      // Submitted together, the appends share LMDB transactions; each item is still its own record.
      const ids = p.items.map((item) => item.id ?? contentId(item.data));
      await Promise.all(
        p.items.map((item, i) =>
          engine.submit({
            type: 'queue:add',
            project: p.project,
            queue: def.qualified,
            defHash,
            item: {
              id: ids[i] ?? '',
              data: item.data,
              priority: item.priority ?? 0,
              after: item.after ?? [],
            },
          }),
        ),
      );
      return { queue: def.qualified, ids };
    },
    'queue.list': async (p: { project: string }) =>
      Object.values(project(p.project).queue).map((def) => queueView(p.project, def)),
    'queue.show': async (p: { project: string; queue: string }) =>
      queueView(p.project, queueDef(p.project, p.queue)),
    'queue.retry': async (p: { project: string; queue: string; item: string }) =>
      queueItemOp(p, 'queue:retry'),
    'queue.drop': async (p: { project: string; queue: string; item: string }) =>
      queueItemOp(p, 'queue:drop'),
    'worker.start': async (p: { project: string; worker: string }) => {
      const proj = project(p.project);
      const def = find(proj.worker, p.worker, 'worker');
      const bundle = bundlePipeline(proj, def.handler);
      const queue = proj.queue[def.queue];
      if (!bundle?.pipeline.hash || !queue)
        return fail('INTERNAL', `worker "${def.name}" could not be prepared`);
      await store.putDefinition(bundle.pipeline.hash, bundle);
      const [defHash, queueHash] = [await putDef(def), await putDef(queue)];
      await engine.submit({
        type: 'worker:start',
        project: p.project,
        worker: def.qualified,
        defHash,
        queueHash,
        handlerHash: bundle.pipeline.hash,
      });
      return workerView(p.project, def);
    },
    'worker.stop': async (p: { project: string; worker: string }) => workerOp(p, 'worker:stop'),
    'worker.wake': async (p: { project: string; worker: string }) => workerOp(p, 'worker:wake'),
    'worker.list': async (p: { project: string }) =>
      Object.values(project(p.project).worker).map((def) => workerView(p.project, def)),
    emit: async (p: { project: string; name: string; data: Record<string, string> }) => {
      if (!/^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)+$/.test(p.name))
        fail(
          'BAD_EVENT',
          `event name "${p.name}" is not valid: events are named noun:verb, e.g. bug:created`,
        );
      const entry = await engine.submit({
        type: 'event:emit',
        project: p.project,
        name: p.name,
        data: p.data,
      });
      return { seq: entry.seq };
    },
    events: async (p: { since?: number; limit?: number; follow?: boolean }, ctx) => {
      const limit = p.limit ?? 50;
      const from = p.since ?? Math.max(store.firstSeq, store.lastSeq - limit + 1);
      const recent = [...store.read(Math.max(1, from))].slice(-limit);
      if (!p.follow) return recent;
      for (const e of recent) ctx.push(e);
      await new Promise<void>((resolve) => {
        const stop = engine.subscribe((e) => ctx.push(e));
        ctx.signal.addEventListener(
          'abort',
          () => {
            stop();
            resolve();
          },
          { once: true },
        );
      });
      return [];
    },
    'lock.list': async (p: { project: string }) =>
      Object.values(project(p.project).lock).map((def) =>
        lockView(p.project, def.qualified, def.name),
      ),
    'lock.is-stale': async (p: { project: string; lock: string }) => {
      const def = find(project(p.project).lock, p.lock, 'lock');
      const entry = engine.actor(lockId(p.project, def.qualified));
      const stale = entry ? isLockStale(entry.actor.getSnapshot() as never, Date.now()) : false;
      return { lock: def.qualified, stale, view: lockView(p.project, def.qualified, def.name) };
    },
    'lock.force-release': async (p: { project: string; lock: string; reason?: string }) => {
      const def = find(project(p.project).lock, p.lock, 'lock');
      const view = lockView(p.project, def.qualified, def.name);
      if (!view.holder) fail('NOT_HELD', `lock "${def.name}" is not held`);
      await engine.submit({
        type: 'lock:force_release',
        project: p.project,
        lock: def.qualified,
        reason: p.reason ?? 'released by oj lock force-release',
      });
      return lockView(p.project, def.qualified, def.name);
    },
    'cron.enable': async (p: { project: string; cron: string }) => cronOp(p, 'cron:enable'),
    'cron.disable': async (p: { project: string; cron: string }) => cronOp(p, 'cron:disable'),
    'cron.once': async (p: { project: string; cron: string }) => cronOp(p, 'cron:once'),
    'cron.list': async (p: { project: string }) =>
      Object.values(project(p.project).cron).map((def) =>
        toCronView(p.project, def, engine.actor(cronId(p.project, def.qualified))),
      ),
    'semaphore.list': async (p: { project: string }) =>
      Object.values(project(p.project).semaphore).map((def) => {
        const entry = engine.actor(semaphoreId(p.project, def.qualified));
        return entry
          ? toSemaphoreView(entry, def.max)
          : {
              name: def.name,
              semaphore: def.qualified,
              max: def.max,
              used: 0,
              holders: [],
              waiting: [],
            };
      }),
    status: async (p: { project?: string }) => {
      const pipelines = engine
        .actors('pipeline')
        .filter((e) => !p.project || e.meta.project === p.project)
        .map(toPipelineView);
      const byStatus: Record<string, number> = {};
      for (const v of pipelines) byStatus[v.status] = (byStatus[v.status] ?? 0) + 1;
      const context = engine.status.getSnapshot().context;
      return {
        pipelines: byStatus,
        active: pipelines
          .filter((v) => !['done', 'failed', 'cancelled'].includes(v.status))
          .slice(0, 20),
        workers: engine
          .actors('worker')
          .filter((e) => !p.project || e.meta.project === p.project)
          .map((e) => toWorkerView(e, engine.definition<WorkerDef>(e.meta.defHash).concurrency)),
        queues: engine
          .actors('queue')
          .filter((e) => !p.project || e.meta.project === p.project)
          .map((e) => {
            const v = toQueueView(e);
            return { name: v.name, queue: v.queue, counts: v.counts };
          }),
        crons: engine
          .actors('cron')
          .filter((e) => !p.project || e.meta.project === p.project)
          .map((e) => {
            const def = engine.definition<CronBundle>(e.meta.defHash).cron;
            return toCronView(e.meta.project, def, e);
          }),
        failures: context.failures.filter(
          (f) => !p.project || pipelines.some((v) => v.id === f.id),
        ),
      };
    },
  };

  async function queueItemOp(
    p: { project: string; queue: string; item: string },
    type: 'queue:retry' | 'queue:drop',
  ) {
    const def = queueDef(p.project, p.queue);
    const entry = engine.actor(queueId(p.project, def.qualified));
    const item = entry
      ? toQueueView(entry).items.find((i) => i.id === p.item || i.id.startsWith(p.item))
      : undefined;
    if (!item)
      return fail(
        'NOT_FOUND',
        `queue "${def.name}" has no item "${p.item}" (see: oj queue show ${def.name})`,
      );
    if (type === 'queue:drop' && item.status === 'active')
      fail(
        'BAD_STATE',
        `item "${item.id}" is being processed by pipeline ${item.pipeline}; cancel that pipeline first`,
      );
    if (type === 'queue:retry' && item.status === 'active')
      fail('BAD_STATE', `item "${item.id}" is being processed right now`);
    if (type === 'queue:retry' && item.status === 'done')
      fail('BAD_STATE', `item "${item.id}" is done; add it again to process it again`);
    await engine.submit({ type, project: p.project, queue: def.qualified, item: item.id });
    return { queue: def.qualified, id: item.id };
  }

  async function cronOp(
    p: { project: string; cron: string },
    type: 'cron:enable' | 'cron:disable' | 'cron:once',
  ): Promise<CronView> {
    const proj = project(p.project);
    const def = find(proj.cron, p.cron, 'cron');
    const { hash, bundle } = cronBundle(proj, def);
    await store.putDefinition(hash, bundle);
    await engine.submit({ type, project: p.project, cron: def.qualified, defHash: hash });
    return toCronView(p.project, def, engine.actor(cronId(p.project, def.qualified)));
  }

  async function workerOp(
    p: { project: string; worker: string },
    type: 'worker:stop' | 'worker:wake',
  ) {
    const def = workerDef(p.project, p.worker);
    if (!engine.actor(workerId(p.project, def.qualified)))
      fail('NOT_STARTED', `worker "${def.name}" is not started (oj worker start ${def.name})`);
    await engine.submit({ type, project: p.project, worker: def.qualified });
    return workerView(p.project, def);
  }

  /** A queue's view; a queue nothing was added to yet has no actor and is empty. */
  function queueView(root: string, def: QueueDef): QueueView {
    const entry = engine.actor(queueId(root, def.qualified));
    if (entry) return toQueueView(entry);
    const counts = { pending: 0, active: 0, done: 0, dead: 0, blocked: 0 };
    return { name: def.name, queue: def.qualified, project: root, counts, items: [] };
  }

  function lockView(root: string, qualified: string, name: string): LockView {
    const entry = engine.actor(lockId(root, qualified));
    return entry
      ? toLockView(entry)
      : { id: name, name, lock: qualified, holder: null, waiting: [], staleAt: null };
  }

  function workerView(root: string, def: WorkerDef) {
    const entry = engine.actor(workerId(root, def.qualified));
    return entry
      ? toWorkerView(entry, def.concurrency)
      : {
          name: def.name,
          worker: def.qualified,
          project: root,
          state: 'stopped',
          active: 0,
          concurrency: def.concurrency,
          pipelines: [],
        };
  }
}

function slug(value: string): string {
  return (
    value
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 24) || 'x'
  );
}
