// Compiles the primitives that need no cross-entry analysis: workers, crons, queues, guards,
// strategies, locks, semaphores, monitors, actions and `[events]` hooks. Defaults live here.
import { GLOBAL_VARS } from './context.js';
import type { CompileContext, Scope } from './context.js';
import type { PathSegment } from './positions.js';
import type {
  RawAction,
  RawCron,
  RawEvents,
  RawGuard,
  RawLock,
  RawMonitor,
  RawQueue,
  RawSemaphore,
  RawStrategy,
  RawWorker,
} from './schema.js';
import { EVENT_HOOKS } from './types.js';
import type {
  ActionDef,
  CronDef,
  DefBase,
  EventHook,
  GuardDef,
  LockDef,
  MonitorDef,
  QueueDef,
  SemaphoreDef,
  StrategyDef,
  WorkerDef,
} from './types.js';

export const DEFAULTS = {
  idleWaitMs: 30_000, // a worker with nothing to do looks again after 30 s (wake_on is faster)
  queuePollMs: 30_000,
  visibilityTimeoutMs: 30 * 60_000,
  deadRetentionMs: 7 * 24 * 3_600_000,
  guardRetryIntervalMs: 10_000,
} as const;

/** Variables an `[events]` hook can read. */
const EVENT_VARS = [
  'id',
  'pipeline',
  'name',
  'phase',
  'status',
  'error',
  'runbook',
  ...GLOBAL_VARS,
];

export function base(ctx: CompileContext, name: string, description: string | undefined): DefBase {
  return { name, runbook: ctx.rb.name, qualified: ctx.qualify(name), description };
}

export function globalScope(owner: string): Scope {
  return { names: new Set(GLOBAL_VARS), owner };
}

export function compileWorker(ctx: CompileContext, name: string, raw: RawWorker): WorkerDef {
  const path = ['worker', name];
  return {
    ...base(ctx, name, raw.description),
    queue: ctx.ref(raw.queue, 'queue', [...path, 'queue']) ?? '',
    handler: ctx.ref(raw.handler, 'pipeline', [...path, 'handler']) ?? '',
    concurrency: raw.concurrency ?? 1,
    idleAction: idleAction(ctx, raw.idle_action, [...path, 'idle_action']),
    wakeOn: ctx.patterns(raw.wake_on, [...path, 'wake_on']),
  };
}

export function compileCron(ctx: CompileContext, name: string, raw: RawCron): CronDef {
  const path = ['cron', name];
  const intervalMs = ctx.duration(raw.interval, [...path, 'interval']) ?? 0;
  if (intervalMs <= 0 && /^0/.test(raw.interval)) {
    ctx.report('BAD_DURATION', [...path, 'interval'], 'interval must be longer than 0');
  }
  if (!raw.monitors?.length && !raw.run) {
    const hint = 'give it monitors = ["..."] or run = "..."';
    ctx.report('MISSING_KEY', path, `cron "${name}" has nothing to do`, hint, 'key');
  }
  ctx.vars(raw.run, globalScope(`cron "${name}"`), [...path, 'run'], 'run');
  return {
    ...base(ctx, name, raw.description),
    intervalMs,
    monitors: (raw.monitors ?? []).flatMap(
      (m, i) => ctx.ref(m, 'monitor', [...path, 'monitors', i]) ?? [],
    ),
    run: raw.run,
  };
}

export function compileQueue(ctx: CompileContext, name: string, raw: RawQueue): QueueDef {
  const path = ['queue', name];
  ctx.vars(raw.source, globalScope(`queue "${name}"`), [...path, 'source'], 'source');
  if (raw.poll !== undefined && raw.source === undefined) {
    const hint = 'add source = "<command printing JSON>" or remove poll';
    const message = `queue "${name}" sets poll but has no source to poll`;
    ctx.report('CONFLICT', [...path, 'poll'], message, hint, 'key');
  }
  const retention = ctx.duration(raw.dead?.retention, [...path, 'dead', 'retention']);
  return {
    ...base(ctx, name, raw.description),
    source: raw.source,
    pollMs: ctx.duration(raw.poll, [...path, 'poll']) ?? DEFAULTS.queuePollMs,
    order: raw.order ?? 'fifo',
    visibilityTimeoutMs:
      ctx.duration(raw.visibility_timeout, [...path, 'visibility_timeout']) ??
      DEFAULTS.visibilityTimeoutMs,
    maxRetries: raw.max_retries ?? 0,
    onExhaust: ctx.chain(raw.on_exhaust, 'queue.on_exhaust', [...path, 'on_exhaust'], ['dead']),
    dead: { retentionMs: retention ?? DEFAULTS.deadRetentionMs },
  };
}

export function compileGuard(ctx: CompileContext, name: string, raw: RawGuard): GuardDef {
  const path = ['guard', name];
  if (raw.on_timeout !== undefined && raw.timeout === undefined) {
    const message = `guard "${name}" sets on_timeout but no timeout`;
    ctx.report('CONFLICT', [...path, 'on_timeout'], message, 'add timeout = "5m"', 'key');
  }
  const interval = ctx.duration(raw.retry?.interval, [...path, 'retry', 'interval']);
  return {
    ...base(ctx, name, raw.description),
    condition: raw.condition,
    retry: { max: raw.retry?.max ?? 0, intervalMs: interval ?? DEFAULTS.guardRetryIntervalMs },
    timeoutMs: ctx.duration(raw.timeout, [...path, 'timeout']),
    onTimeout: ctx.chain(raw.on_timeout, 'guard.on_timeout', [...path, 'on_timeout']),
    wakeOn: ctx.patterns(raw.wake_on, [...path, 'wake_on']),
  };
}

export function compileStrategy(ctx: CompileContext, name: string, raw: RawStrategy): StrategyDef {
  const path = ['strategy', name];
  const seen = new Set<string>();
  const attempts = raw.attempt.map((a, i) => {
    const at = [...path, 'attempt', i];
    if (seen.has(a.name)) {
      const message = `strategy "${name}" already has an attempt "${a.name}"`;
      ctx.report('DUPLICATE_NAME', [...at, 'name'], message);
    }
    seen.add(a.name);
    if ((a.run === undefined) === (a.agent === undefined)) {
      const code = a.run === undefined ? 'MISSING_KEY' : 'CONFLICT';
      const message = `attempt "${a.name}" must set exactly one of run or agent`;
      ctx.report(code, at, message, undefined, 'key');
    }
    return {
      name: a.name,
      run: a.run,
      agent: ctx.ref(a.agent, 'agent', [...at, 'agent']),
      timeoutMs: ctx.duration(a.timeout, [...at, 'timeout']),
      rollback: a.rollback,
    };
  });
  return {
    ...base(ctx, name, raw.description),
    checkpoint: raw.checkpoint,
    onExhaust: ctx.chain(raw.on_exhaust, 'strategy.on_exhaust', [...path, 'on_exhaust']),
    attempts,
  };
}

export function compileLock(ctx: CompileContext, name: string, raw: RawLock): LockDef {
  const path = ['lock', name];
  return {
    ...base(ctx, name, raw.description),
    timeoutMs: ctx.duration(raw.timeout, [...path, 'timeout']),
    heartbeatMs: ctx.duration(raw.heartbeat, [...path, 'heartbeat']),
    onStale: ctx.chain(raw.on_stale, 'lock.on_stale', [...path, 'on_stale'], ['release']),
  };
}

export function compileSemaphore(
  ctx: CompileContext,
  name: string,
  raw: RawSemaphore,
): SemaphoreDef {
  const path = ['semaphore', name];
  return {
    ...base(ctx, name, raw.description),
    max: raw.max,
    slotTimeoutMs: ctx.duration(raw.slot_timeout, [...path, 'slot_timeout']),
    slotHeartbeatMs: ctx.duration(raw.slot_heartbeat, [...path, 'slot_heartbeat']),
    onOrphan: ctx.chain(raw.on_orphan, 'semaphore.on_orphan', [...path, 'on_orphan'], ['reclaim']),
    onOrphanWork: ctx.chain(
      raw.on_orphan_work,
      'semaphore.on_orphan_work',
      [...path, 'on_orphan_work'],
      ['requeue'],
    ),
  };
}

export function compileMonitor(ctx: CompileContext, name: string, raw: RawMonitor): MonitorDef {
  const path = ['monitor', name];
  if (raw.response !== undefined && raw.action !== undefined) {
    const hint = 'use response for a recovery chain or action for one shell command';
    const message = `monitor "${name}" sets both response and action`;
    ctx.report('CONFLICT', [...path, 'action'], message, hint, 'key');
  }
  if (raw.response === undefined && raw.action === undefined) {
    const message = `monitor "${name}" does nothing with what it finds`;
    ctx.report('MISSING_KEY', path, message, 'add response = ["..."] or action = "..."', 'key');
  }
  ctx.vars(raw.source, globalScope(`monitor "${name}"`), [...path, 'source'], 'source');
  return {
    ...base(ctx, name, raw.description),
    source: raw.source,
    condition: raw.condition,
    response:
      raw.response === undefined
        ? undefined
        : ctx.chain(raw.response, 'monitor.response', [...path, 'response']),
    action: raw.action,
  };
}

export function compileAction(ctx: CompileContext, name: string, raw: RawAction): ActionDef {
  return {
    ...base(ctx, name, raw.description),
    run: raw.run,
    cooldownMs: ctx.duration(raw.cooldown, ['action', name, 'cooldown']),
    maxAttempts: raw.max_attempts,
  };
}

export function compileEvents(
  ctx: CompileContext,
  raw: RawEvents,
): Partial<Record<EventHook, string>> {
  const hooks: Partial<Record<EventHook, string>> = {};
  for (const hook of EVENT_HOOKS) {
    const script = raw[hook];
    if (script === undefined) continue;
    const scope = { names: new Set(EVENT_VARS), owner: `[events] ${hook}` };
    ctx.vars(script, scope, ['events', hook], hook);
    hooks[hook] = script;
  }
  return hooks;
}

function idleAction(
  ctx: CompileContext,
  text: string | undefined,
  path: PathSegment[],
): WorkerDef['idleAction'] {
  if (text === undefined) return { kind: 'wait', ms: DEFAULTS.idleWaitMs };
  if (text === 'stop') return { kind: 'stop' };
  const m = /^wait(?::(.+))?$/.exec(text);
  if (m) {
    const ms = m[1] === undefined ? undefined : ctx.duration(m[1], path);
    return { kind: 'wait', ms: ms ?? DEFAULTS.idleWaitMs };
  }
  const hint = 'use "wait:<duration>" (e.g. "wait:30s") or "stop"';
  ctx.report('BAD_VALUE', path, `idle_action "${text}" is not valid`, hint);
  return { kind: 'wait', ms: DEFAULTS.idleWaitMs };
}
