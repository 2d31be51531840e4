// The method registry of the CLI ↔ daemon protocol: each method's params (validated by the daemon),
// result and stream-event schemas, defined once. The CLI derives its request types from it.
import { z } from 'zod';
import { MAX_ITEMS_PER_REQUEST } from './items.js';

/** One method: what it takes, what it answers, and what a streaming call pushes before answering. */
export interface MethodDef<
  P extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
  E extends z.ZodType = z.ZodType,
> {
  readonly params: P;
  readonly result: R;
  readonly event: E;
}

/**
 * Declares a method. `params` is checked by the daemon before the handler runs (omitted params are
 * checked as `{}`); `result` (default unknown) and `event` (default: none, not a stream) type the
 * handler and the client and are not re-checked at run time.
 */
export function defineMethod<
  P extends z.ZodType,
  R extends z.ZodType = z.ZodUnknown,
  E extends z.ZodType = z.ZodNever,
>(params: P, result?: R, event?: E): MethodDef<P, R, E> {
  return { params, result: (result ?? z.unknown()) as R, event: (event ?? z.never()) as E };
}

const NoParams = z.object({}).strict();

export const DaemonStatusSchema = z.object({
  pid: z.number().int(),
  version: z.string(),
  protocol: z.number().int(),
  startedAt: z.number(), // epoch ms
  uptimeMs: z.number(),
  stateDir: z.string(),
  socket: z.string(),
  connections: z.number().int(),
  /** Event-loop delay since the daemon started (perf_hooks), in ms; and its resident memory. */
  eventLoop: z.object({ p50: z.number(), p99: z.number(), max: z.number() }).optional(),
  rssBytes: z.number().optional(),
  /**
   * The main thread's time on a CPU and waiting for one, in ms since the daemon started (Linux
   * schedstat). Tells a busy daemon from a starved one when the event loop is late.
   */
  mainThread: z.object({ runMs: z.number(), waitMs: z.number() }).optional(),
});

const project = z.string().min(1); // the project root, absolute
const id = z.string().min(1);
const strings = z.record(z.string(), z.string());

/** Agent sessions, decisions and `oj done`. */
const AGENT_METHODS = {
  'session.list': defineMethod(z.object({ project: project.optional() }).strict()),
  'session.show': defineMethod(z.object({ id }).strict()),
  'session.peek': defineMethod(z.object({ id }).strict()),
  'session.send': defineMethod(
    z.object({ id, text: z.string().max(100_000), enter: z.boolean().optional() }).strict(),
  ),
  'session.nudge': defineMethod(z.object({ id, message: z.string().optional() }).strict()),
  'session.kill': defineMethod(z.object({ id }).strict()),
  'session.continue': defineMethod(z.object({ id, message: z.string().min(1) }).strict()),
  'session.idle-time': defineMethod(z.object({ id }).strict()),
  'session.attach-info': defineMethod(z.object({ id }).strict()),
  'decision.list': defineMethod(z.object({ project: project.optional() }).strict()),
  'decision.show': defineMethod(z.object({ id }).strict()),
  'decision.resolve': defineMethod(
    z.object({ id, option: id, message: z.string().optional() }).strict(),
  ),
  'workspace.list': defineMethod(
    z.object({ project: project.optional(), orphaned: z.boolean().optional() }).strict(),
  ),
  'workspace.show': defineMethod(z.object({ id }).strict()),
  'workspace.drop': defineMethod(z.object({ id, force: z.boolean().optional() }).strict()),
  'workspace.prune': defineMethod(z.object({ dryRun: z.boolean().optional() }).strict()),
  prune: defineMethod(
    z
      .object({
        project: project.optional(),
        status: z.array(z.string()).optional(),
        maxAgeMs: z.number().int().min(0).optional(),
        ids: z.array(id).min(1).optional(),
        worktrees: z.boolean().optional(),
        sessions: z.boolean().optional(),
        all: z.boolean().optional(),
        dryRun: z.boolean().optional(),
      })
      .strict(),
  ),
  'pipeline.graph': defineMethod(z.object({ id }).strict()),
  'pipeline.log': defineMethod(
    z.object({ id, bytes: z.number().int().min(1).max(1_048_576).optional() }).strict(),
  ),
  'dashboard.start': defineMethod(
    z.object({ port: z.number().int().min(0).max(65_535).optional() }).strict(),
  ),
  done: defineMethod(z.object({ pipeline: id, epoch: id, error: z.string().optional() }).strict()),
} as const;

/** The engine's methods: pipelines, queues, workers, events and status (DESIGN.md §4 commands). */
const ENGINE_METHODS = {
  'pipeline.create': defineMethod(z.object({ project, pipeline: id, inputs: strings }).strict()),
  'pipeline.list': defineMethod(
    z.object({ project: project.optional(), status: z.array(z.string()).optional() }).strict(),
  ),
  'pipeline.show': defineMethod(z.object({ id }).strict()),
  'pipeline.cancel': defineMethod(z.object({ id, reason: z.string().optional() }).strict()),
  'pipeline.transition': defineMethod(z.object({ id, phase: id }).strict()),
  'pipeline.resume': defineMethod(z.object({ id }).strict()),
  'pipeline.wait': defineMethod(
    z
      .object({
        ids: z.array(id).min(1),
        all: z.boolean().optional(),
        timeoutMs: z.number().int().min(0).optional(),
      })
      .strict(),
    z.unknown(),
    // Progress while waiting: a pipeline's status, phase or agent state changed.
    z.object({
      id: z.string(),
      name: z.string(),
      status: z.string(),
      phase: z.string().nullable(),
      agent: z.string().nullable(),
    }),
  ),
  'queue.add': defineMethod(
    z
      .object({
        project,
        queue: id,
        data: strings,
        id: z.string().min(1).max(200).optional(),
        priority: z.number().finite().optional(),
        after: z.array(id).optional(),
      })
      .strict(),
  ),
  // Many items in one request (`oj queue add --file`); each is journaled as its own `queue:add`.
  'queue.addMany': defineMethod(
    z
      .object({
        project,
        queue: id,
        items: z
          .array(
            z
              .object({
                data: strings,
                id: z.string().min(1).max(200).optional(),
                priority: z.number().finite().optional(),
                after: z.array(id).optional(),
              })
              .strict(),
          )
          .max(MAX_ITEMS_PER_REQUEST),
      })
      .strict(),
  ),
  'queue.list': defineMethod(z.object({ project }).strict()),
  'queue.show': defineMethod(z.object({ project, queue: id }).strict()),
  'queue.retry': defineMethod(z.object({ project, queue: id, item: id }).strict()),
  'queue.drop': defineMethod(z.object({ project, queue: id, item: id }).strict()),
  'worker.start': defineMethod(z.object({ project, worker: id }).strict()),
  'worker.stop': defineMethod(z.object({ project, worker: id }).strict()),
  'worker.wake': defineMethod(z.object({ project, worker: id }).strict()),
  'worker.list': defineMethod(z.object({ project }).strict()),
  emit: defineMethod(z.object({ project, name: id, data: strings }).strict()),
  events: defineMethod(
    z
      .object({
        since: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(100_000).optional(),
        follow: z.boolean().optional(),
      })
      .strict(),
    z.array(z.unknown()),
    z.unknown(),
  ),
  status: defineMethod(z.object({ project: project.optional() }).strict()),
  'lock.list': defineMethod(z.object({ project }).strict()),
  'cron.enable': defineMethod(z.object({ project, cron: id }).strict()),
  'cron.disable': defineMethod(z.object({ project, cron: id }).strict()),
  'cron.once': defineMethod(z.object({ project, cron: id }).strict()),
  'cron.list': defineMethod(z.object({ project }).strict()),
  'lock.is-stale': defineMethod(z.object({ project, lock: id }).strict()),
  'lock.force-release': defineMethod(
    z.object({ project, lock: id, reason: z.string().optional() }).strict(),
  ),
  'semaphore.list': defineMethod(z.object({ project }).strict()),
  ...AGENT_METHODS,
} as const;

/**
 * Every method the daemon may serve. Adding one is one line here plus its handler in the daemon
 * (a method without a handler answers UNKNOWN_METHOD).
 */
export const METHODS = {
  ping: defineMethod(NoParams, z.object({ pong: z.literal(true), time: z.number() })),
  'daemon.status': defineMethod(NoParams, DaemonStatusSchema),
  'daemon.stop': defineMethod(
    z.object({ kill: z.boolean().optional() }).strict(), // kill: skip draining in-flight work
    z.object({ stopping: z.literal(true), pid: z.number().int() }),
  ),
  ...ENGINE_METHODS,
} as const satisfies Record<string, MethodDef>;

export type Methods = typeof METHODS;
export type MethodName = keyof Methods & string;
/** What a caller passes (optional fields may be left out). */
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
/** What a handler receives, after defaults. */
export type ParsedParamsOf<M extends MethodName> = z.output<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = z.output<Methods[M]['result']>;
export type EventOf<M extends MethodName> = z.output<Methods[M]['event']>;
export type DaemonStatus = z.infer<typeof DaemonStatusSchema>;
