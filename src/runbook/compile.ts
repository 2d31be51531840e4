// Stage 2 of parse → compile → create: checks meaning across every runbook of a project (references,
// recovery chains, durations, `{vars}`, templates) and produces the plain definitions machines use.
import { parseArgSpec } from './args.js';
import { compileInputs, compilePipeline } from './compile-pipeline.js';
import type { Usage } from './compile-pipeline.js';
import { CompileContext, GLOBAL_VARS } from './context.js';
import type { Scope } from './context.js';
import type { RunbookIssue } from './errors.js';
import { hashDefinitions } from './bundle.js';
import type { ParsedRunbook } from './parse.js';
import type { PathSegment } from './positions.js';
import { Registry } from './refs.js';
import type { RawAgent, RawCommand } from './schema.js';
import { findPlaceholders } from './interpolate.js';
import { checkTemplate, isLiquidTemplate } from './template.js';
import type { TemplateCheck } from './template.js';
import { EVENT_HOOKS, KINDS } from './types.js';
import type {
  ActionDef,
  AgentDef,
  CommandDef,
  CronDef,
  EventHook,
  GuardDef,
  Kind,
  LockDef,
  MonitorDef,
  PipelineDef,
  QualifiedName,
  QueueDef,
  SemaphoreDef,
  StrategyDef,
  TemplateDef,
  WorkerDef,
} from './types.js';

/** Everything a project's runbooks define, by kind and qualified name. */
export interface Project {
  runbooks: { name: string; file: string; hash?: string }[];
  command: Record<QualifiedName, CommandDef>;
  worker: Record<QualifiedName, WorkerDef>;
  cron: Record<QualifiedName, CronDef>;
  queue: Record<QualifiedName, QueueDef>;
  pipeline: Record<QualifiedName, PipelineDef>;
  agent: Record<QualifiedName, AgentDef>;
  guard: Record<QualifiedName, GuardDef>;
  strategy: Record<QualifiedName, StrategyDef>;
  lock: Record<QualifiedName, LockDef>;
  semaphore: Record<QualifiedName, SemaphoreDef>;
  monitor: Record<QualifiedName, MonitorDef>;
  action: Record<QualifiedName, ActionDef>;
  /** `[events]` hooks by runbook name. */
  events: Record<string, Partial<Record<EventHook, string>>>;
}

export interface CompileDeps {
  /**
   * Content hash of a text (e.g. `sha256:<hex>`). Injected so the pure core needs no crypto of its
   * own; the loader passes node:crypto's native sha-256. Without it definitions carry no hash.
   */
  hash?: (text: string) => string;
  /** Reads a `prompt_file` (relative to the runbook's directory); undefined when it is missing. */
  readTemplate(runbookFile: string, path: string): { file: string; text: string } | undefined;
}

/** Kinds whose names are global: `oj run build`, `oj worker start bugfix`, `oj cron enable x`. */
const ENTRYPOINTS: readonly Kind[] = ['command', 'worker', 'cron'];
const COMMAND_BUILTINS = ['project', 'state_dir'];
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
const DEFAULTS = {
  idleWaitMs: 30_000,
  queuePollMs: 30_000,
  visibilityTimeoutMs: 30 * 60_000,
  deadRetentionMs: 7 * 24 * 3_600_000,
  guardRetryIntervalMs: 10_000,
} as const;

/** Compiles parsed runbooks into a project. Pure; all issues (parse and compile) are returned. */
export function compileRunbooks(
  parsed: readonly ParsedRunbook[],
  deps: CompileDeps,
): { project: Project; issues: RunbookIssue[] } {
  const issues: RunbookIssue[] = parsed.flatMap((rb) => rb.issues);
  const registry = new Registry(parsed);
  const project = emptyProject();
  const contexts = new Map<string, CompileContext>();
  const usages: Usage[] = [];
  const entrypointOwners = new Map<string, string>();

  for (const rb of parsed) {
    const ctx = new CompileContext(rb, registry, issues);
    contexts.set(rb.name, ctx);
    project.runbooks.push({
      name: rb.name,
      file: rb.file,
      ...(deps.hash ? { hash: deps.hash(rb.text) } : {}),
    });
    for (const kind of ENTRYPOINTS) {
      for (const name of rb.declared[kind]) {
        const key = `${kind}:${name}`;
        const owner = entrypointOwners.get(key);
        if (owner)
          ctx.report(
            'DUPLICATE_NAME',
            [kind, name],
            `${kind} "${name}" is also defined in runbook "${owner}"`,
            `${kind} names are global (oj ${kind === 'command' ? 'run' : kind} ${name}); rename one`,
            'key',
          );
        else entrypointOwners.set(key, rb.name);
      }
    }
    const e = rb.entries;
    for (const [name, raw] of Object.entries(e.command))
      put(project.command, compileCommand(ctx, name, raw, registry));
    for (const [name, raw] of Object.entries(e.pipeline))
      put(project.pipeline, compilePipeline(ctx, name, raw, usages));
    for (const [name, raw] of Object.entries(e.agent))
      put(project.agent, compileAgent(ctx, name, raw, deps));
    for (const [name, raw] of Object.entries(e.worker)) {
      const path = ['worker', name];
      const def: WorkerDef = {
        ...base(ctx, name, raw.description),
        queue: ctx.ref(raw.queue, 'queue', [...path, 'queue']) ?? '',
        handler: ctx.ref(raw.handler, 'pipeline', [...path, 'handler']) ?? '',
        concurrency: raw.concurrency ?? 1,
        idleAction: idleAction(ctx, raw.idle_action, [...path, 'idle_action']),
        wakeOn: ctx.patterns(raw.wake_on, [...path, 'wake_on']),
      };
      put(project.worker, def);
    }
    for (const [name, raw] of Object.entries(e.cron)) {
      const path = ['cron', name];
      const intervalMs = ctx.duration(raw.interval, [...path, 'interval']) ?? 0;
      if (intervalMs <= 0 && /^0/.test(raw.interval))
        ctx.report('BAD_DURATION', [...path, 'interval'], 'interval must be longer than 0');
      if (!raw.monitors?.length && !raw.run)
        ctx.report(
          'MISSING_KEY',
          path,
          `cron "${name}" has nothing to do`,
          'give it monitors = ["..."] or run = "..."',
          'key',
        );
      const def: CronDef = {
        ...base(ctx, name, raw.description),
        intervalMs,
        monitors: (raw.monitors ?? []).flatMap(
          (m, i) => ctx.ref(m, 'monitor', [...path, 'monitors', i]) ?? [],
        ),
      };
      ctx.vars(raw.run, globalScope(`cron "${name}"`), [...path, 'run'], 'run');
      if (raw.run !== undefined) def.run = raw.run;
      put(project.cron, def);
    }
    for (const [name, raw] of Object.entries(e.queue)) {
      const path = ['queue', name];
      ctx.vars(raw.source, globalScope(`queue "${name}"`), [...path, 'source'], 'source');
      const def: QueueDef = {
        ...base(ctx, name, raw.description),
        pollMs: ctx.duration(raw.poll, [...path, 'poll']) ?? DEFAULTS.queuePollMs,
        order: raw.order ?? 'fifo',
        visibilityTimeoutMs:
          ctx.duration(raw.visibility_timeout, [...path, 'visibility_timeout']) ??
          DEFAULTS.visibilityTimeoutMs,
        maxRetries: raw.max_retries ?? 0,
        onExhaust: ctx.chain(raw.on_exhaust, 'queue.on_exhaust', [...path, 'on_exhaust'], ['dead']),
        dead: {
          retentionMs:
            ctx.duration(raw.dead?.retention, [...path, 'dead', 'retention']) ??
            DEFAULTS.deadRetentionMs,
        },
      };
      if (raw.poll !== undefined && raw.source === undefined)
        ctx.report(
          'CONFLICT',
          [...path, 'poll'],
          `queue "${name}" sets poll but has no source to poll`,
          'add source = "<command printing JSON>" or remove poll',
          'key',
        );
      if (raw.source !== undefined) def.source = raw.source;
      put(project.queue, def);
    }
    for (const [name, raw] of Object.entries(e.guard)) {
      const path = ['guard', name];
      const def: GuardDef = {
        ...base(ctx, name, raw.description),
        condition: raw.condition,
        retry: {
          max: raw.retry?.max ?? 0,
          intervalMs:
            ctx.duration(raw.retry?.interval, [...path, 'retry', 'interval']) ??
            DEFAULTS.guardRetryIntervalMs,
        },
        onTimeout: ctx.chain(raw.on_timeout, 'guard.on_timeout', [...path, 'on_timeout']),
        wakeOn: ctx.patterns(raw.wake_on, [...path, 'wake_on']),
      };
      const timeoutMs = ctx.duration(raw.timeout, [...path, 'timeout']);
      if (timeoutMs !== undefined) def.timeoutMs = timeoutMs;
      if (raw.on_timeout !== undefined && raw.timeout === undefined)
        ctx.report(
          'CONFLICT',
          [...path, 'on_timeout'],
          `guard "${name}" sets on_timeout but no timeout`,
          'add timeout = "5m"',
          'key',
        );
      put(project.guard, def);
    }
    for (const [name, raw] of Object.entries(e.strategy)) {
      const path = ['strategy', name];
      const seen = new Set<string>();
      const def: StrategyDef = {
        ...base(ctx, name, raw.description),
        onExhaust: ctx.chain(raw.on_exhaust, 'strategy.on_exhaust', [...path, 'on_exhaust']),
        attempts: raw.attempt.map((a, i) => {
          const at = [...path, 'attempt', i];
          if (seen.has(a.name))
            ctx.report(
              'DUPLICATE_NAME',
              [...at, 'name'],
              `strategy "${name}" already has an attempt "${a.name}"`,
            );
          seen.add(a.name);
          if ((a.run === undefined) === (a.agent === undefined)) {
            ctx.report(
              a.run === undefined ? 'MISSING_KEY' : 'CONFLICT',
              at,
              `attempt "${a.name}" must set exactly one of run or agent`,
              undefined,
              'key',
            );
          }
          const attempt: StrategyDef['attempts'][number] = { name: a.name };
          if (a.run !== undefined) attempt.run = a.run;
          const agent = ctx.ref(a.agent, 'agent', [...at, 'agent']);
          if (agent) attempt.agent = agent;
          const timeoutMs = ctx.duration(a.timeout, [...at, 'timeout']);
          if (timeoutMs !== undefined) attempt.timeoutMs = timeoutMs;
          if (a.rollback !== undefined) attempt.rollback = a.rollback;
          return attempt;
        }),
      };
      if (raw.checkpoint !== undefined) def.checkpoint = raw.checkpoint;
      put(project.strategy, def);
    }
    for (const [name, raw] of Object.entries(e.lock)) {
      const path = ['lock', name];
      const def: LockDef = {
        ...base(ctx, name, raw.description),
        onStale: ctx.chain(raw.on_stale, 'lock.on_stale', [...path, 'on_stale'], ['release']),
      };
      const timeoutMs = ctx.duration(raw.timeout, [...path, 'timeout']);
      if (timeoutMs !== undefined) def.timeoutMs = timeoutMs;
      const heartbeatMs = ctx.duration(raw.heartbeat, [...path, 'heartbeat']);
      if (heartbeatMs !== undefined) def.heartbeatMs = heartbeatMs;
      put(project.lock, def);
    }
    for (const [name, raw] of Object.entries(e.semaphore)) {
      const path = ['semaphore', name];
      const def: SemaphoreDef = {
        ...base(ctx, name, raw.description),
        max: raw.max,
        onOrphan: ctx.chain(
          raw.on_orphan,
          'semaphore.on_orphan',
          [...path, 'on_orphan'],
          ['reclaim'],
        ),
        onOrphanWork: ctx.chain(
          raw.on_orphan_work,
          'semaphore.on_orphan_work',
          [...path, 'on_orphan_work'],
          ['requeue'],
        ),
      };
      const slotTimeoutMs = ctx.duration(raw.slot_timeout, [...path, 'slot_timeout']);
      if (slotTimeoutMs !== undefined) def.slotTimeoutMs = slotTimeoutMs;
      const slotHeartbeatMs = ctx.duration(raw.slot_heartbeat, [...path, 'slot_heartbeat']);
      if (slotHeartbeatMs !== undefined) def.slotHeartbeatMs = slotHeartbeatMs;
      put(project.semaphore, def);
    }
    for (const [name, raw] of Object.entries(e.monitor)) {
      const path = ['monitor', name];
      if (raw.response !== undefined && raw.action !== undefined)
        ctx.report(
          'CONFLICT',
          [...path, 'action'],
          `monitor "${name}" sets both response and action`,
          'use response for a recovery chain or action for one shell command',
          'key',
        );
      if (raw.response === undefined && raw.action === undefined)
        ctx.report(
          'MISSING_KEY',
          path,
          `monitor "${name}" does nothing with what it finds`,
          'add response = ["..."] or action = "..."',
          'key',
        );
      ctx.vars(raw.source, globalScope(`monitor "${name}"`), [...path, 'source'], 'source');
      const def: MonitorDef = { ...base(ctx, name, raw.description), source: raw.source };
      if (raw.condition !== undefined) def.condition = raw.condition;
      if (raw.response !== undefined)
        def.response = ctx.chain(raw.response, 'monitor.response', [...path, 'response']);
      if (raw.action !== undefined) def.action = raw.action;
      put(project.monitor, def);
    }
    for (const [name, raw] of Object.entries(e.action)) {
      const def: ActionDef = { ...base(ctx, name, raw.description), run: raw.run };
      const cooldownMs = ctx.duration(raw.cooldown, ['action', name, 'cooldown']);
      if (cooldownMs !== undefined) def.cooldownMs = cooldownMs;
      if (raw.max_attempts !== undefined) def.maxAttempts = raw.max_attempts;
      put(project.action, def);
    }
    if (rb.events) {
      const hooks: Partial<Record<EventHook, string>> = {};
      for (const hook of EVENT_HOOKS) {
        const script = rb.events[hook];
        if (script === undefined) continue;
        ctx.vars(
          script,
          { names: new Set(EVENT_VARS), owner: `[events] ${hook}` },
          ['events', hook],
          hook,
        );
        hooks[hook] = script;
      }
      project.events[rb.name] = hooks;
    }
  }

  checkUsages(project, contexts, usages);
  if (deps.hash) hashDefinitions(project, deps.hash);
  issues.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
  return { project, issues };
}

function compileCommand(
  ctx: CompileContext,
  name: string,
  raw: RawCommand,
  registry: Registry,
): CommandDef {
  const path: PathSegment[] = ['command', name];
  const { spec, issues } = parseArgSpec(raw.args ?? '', raw.aliases ?? {}, raw.defaults ?? {});
  for (const issue of issues) {
    if (issue.entry) {
      const at = [...path, issue.entry.table, issue.entry.key];
      ctx.report('BAD_ARGS', at, issue.message, issue.hint, issue.entry.at);
    } else if (issue.offset !== undefined && raw.args !== undefined) {
      const pos = ctx.offsetPosition([...path, 'args'], issue.offset);
      ctx.reportAt(
        'BAD_ARGS',
        ctx.rb.file,
        pos.line,
        pos.col,
        [...path, 'args'],
        issue.message,
        issue.hint,
      );
    } else {
      ctx.report('BAD_ARGS', [...path, 'args'], issue.message, issue.hint);
    }
  }
  const argNames = [...spec.positionals.map((p) => p.name), ...spec.flags.map((f) => f.name)];
  const scope: Scope = {
    names: new Set([...argNames.map(toVarName), ...argNames, ...COMMAND_BUILTINS]),
    owner: `command "${name}"`,
  };
  let run: CommandDef['run'];
  if (typeof raw.run === 'string') {
    ctx.vars(raw.run, scope, [...path, 'run'], 'run');
    run = { kind: 'shell', script: raw.run };
  } else {
    const pipeline = ctx.ref(raw.run.pipeline, 'pipeline', [...path, 'run', 'pipeline']) ?? '';
    const target = pipeline ? registry.pipeline(pipeline) : undefined;
    if (target) {
      for (const input of target.inputs ?? []) {
        if (!argNames.includes(input) && !(input in (target.defaults ?? {}))) {
          ctx.report(
            'UNKNOWN_VARIABLE',
            [...path, 'args'],
            `pipeline "${raw.run.pipeline}" needs input "${input}", which command "${name}" does not take`,
            `add <${input}> to args`,
          );
        }
      }
    }
    run = { kind: 'pipeline', pipeline };
  }
  return { ...base(ctx, name, raw.description), args: spec, run };
}

function compileAgent(
  ctx: CompileContext,
  name: string,
  raw: RawAgent,
  deps: CompileDeps,
): AgentDef {
  const path: PathSegment[] = ['agent', name];
  const def: AgentDef = {
    ...base(ctx, name, raw.description),
    command: raw.command,
    driver: raw.driver ?? inferDriver(raw.command),
    env: raw.env ?? {},
    heartbeat: raw.heartbeat ?? 'output',
    onStuck: ctx.chain(raw.on_stuck, 'agent.on_stuck', [...path, 'on_stuck'], ['escalate']),
    onTimeout: ctx.chain(raw.on_timeout, 'agent.on_timeout', [...path, 'on_timeout'], ['escalate']),
    onExit: ctx.chain(raw.on_exit, 'agent.on_exit', [...path, 'on_exit'], ['escalate']),
    inputs: compileInputs(ctx, raw.inputs, [...path, 'inputs'], undefined),
  };
  if (raw.prompt !== undefined && raw.prompt_file !== undefined) {
    ctx.report(
      'CONFLICT',
      [...path, 'prompt_file'],
      `agent "${name}" sets both prompt and prompt_file`,
      'keep one of them',
      'key',
    );
  }
  if (raw.prompt !== undefined) {
    const checked = checkTemplate(raw.prompt);
    def.prompt = toTemplateDef(raw.prompt, checked);
    if (!checked.ok) {
      const offset = offsetOf(raw.prompt, checked.line, checked.col);
      const { line, col } = ctx.offsetPosition([...path, 'prompt'], offset);
      ctx.reportAt(
        'TEMPLATE_SYNTAX',
        ctx.rb.file,
        line,
        col,
        [...path, 'prompt'],
        `prompt template: ${checked.message}`,
      );
    }
  } else if (raw.prompt_file !== undefined) {
    def.promptFile = raw.prompt_file;
    const found = deps.readTemplate(ctx.rb.file, raw.prompt_file);
    if (!found) {
      ctx.report(
        'MISSING_FILE',
        [...path, 'prompt_file'],
        `prompt_file "${raw.prompt_file}" does not exist`,
        'paths are relative to the runbook file',
      );
    } else {
      const checked = checkTemplate(found.text);
      def.prompt = toTemplateDef(found.text, checked);
      if (!checked.ok)
        ctx.reportAt(
          'TEMPLATE_SYNTAX',
          found.file,
          checked.line,
          checked.col,
          [...path, 'prompt_file'],
          `template: ${checked.message}`,
        );
    }
  }
  if (raw.idle_timeout !== undefined && def.heartbeat === 'none') {
    ctx.report(
      'CONFLICT',
      [...path, 'idle_timeout'],
      `agent "${name}" sets idle_timeout but heartbeat = "none"`,
      'idle is measured from the heartbeat: use heartbeat = "output"',
      'key',
    );
  }
  if (raw.prompt_file !== undefined && raw.prompt === undefined) def.promptFile = raw.prompt_file;
  if (raw.cwd !== undefined) def.cwd = raw.cwd;
  const timeoutMs = ctx.duration(raw.timeout, [...path, 'timeout']);
  if (timeoutMs !== undefined) def.timeoutMs = timeoutMs;
  const idleTimeoutMs = ctx.duration(raw.idle_timeout, [...path, 'idle_timeout']);
  if (idleTimeoutMs !== undefined) def.idleTimeoutMs = idleTimeoutMs;
  return def;
}

/** Checks the `{vars}` of agents, guards and strategies against every pipeline that uses them. */
function checkUsages(
  project: Project,
  contexts: ReadonlyMap<string, CompileContext>,
  usages: readonly Usage[],
): void {
  const done = new Set<string>();
  for (const use of usages) {
    const key = `${use.kind}:${use.target}:${[...use.scope.names].sort().join(',')}`;
    if (done.has(key)) continue;
    done.add(key);
    const runbook = use.target.slice(0, use.target.lastIndexOf('.'));
    const ctx = contexts.get(runbook);
    if (!ctx) continue;
    const scope: Scope = { names: use.scope.names, owner: use.by };
    if (use.kind === 'guard') {
      const g = project.guard[use.target];
      if (!g) continue;
      ctx.vars(g.condition, scope, ['guard', g.name, 'condition'], 'condition');
      g.wakeOn.forEach((p, i) =>
        ctx.vars(p, scope, ['guard', g.name, 'wake_on', i], 'event pattern'),
      );
    } else if (use.kind === 'agent') {
      const a = project.agent[use.target];
      if (a) checkAgentUse(ctx, a, scope);
    } else {
      const s = project.strategy[use.target];
      if (!s) continue;
      const withCheckpoint: Scope = {
        names: new Set([...scope.names, ...(s.checkpoint ? ['checkpoint'] : [])]),
        owner: use.by,
      };
      ctx.vars(s.checkpoint, scope, ['strategy', s.name, 'checkpoint'], 'checkpoint');
      s.attempts.forEach((a, i) => {
        ctx.vars(a.run, withCheckpoint, ['strategy', s.name, 'attempt', i, 'run'], 'run');
        ctx.vars(
          a.rollback,
          withCheckpoint,
          ['strategy', s.name, 'attempt', i, 'rollback'],
          'rollback',
        );
        const agent = a.agent ? project.agent[a.agent] : undefined;
        const agentCtx = agent ? contexts.get(agent.runbook) : undefined;
        const owner = `attempt "${a.name}" of strategy "${s.name}" (${use.by})`;
        if (agent && agentCtx)
          checkAgentUse(agentCtx, agent, { names: withCheckpoint.names, owner });
      });
    }
  }
}

/** Checks an agent's cwd, input sources and prompt against the scope of one place that runs it. */
function checkAgentUse(ctx: CompileContext, a: AgentDef, scope: Scope): void {
  const names = new Set([...scope.names, ...a.inputs.map((i) => i.name)]);
  const agentScope: Scope = { names, owner: scope.owner };
  ctx.vars(a.cwd, agentScope, ['agent', a.name, 'cwd'], 'cwd');
  a.inputs.forEach((input, i) =>
    ctx.vars(input.source, scope, ['agent', a.name, 'inputs', i, 'source'], 'source'),
  );
  const where = ['agent', a.name, a.promptFile ? 'prompt_file' : 'prompt'];
  for (const v of a.prompt?.vars ?? []) {
    if (names.has(v)) continue;
    const liquid = a.prompt?.engine === 'liquid';
    const written = liquid ? `{{ ${v} }}` : `{${v}}`;
    // Inline prompts point at the first use; a prompt_file points at its path.
    const source = a.prompt?.source ?? '';
    const offset = liquid
      ? source.search(new RegExp(`\\b${v}\\b`))
      : findPlaceholders(source).find((p) => p.root === v)?.start;
    const inline = !a.promptFile && offset !== undefined && offset >= 0;
    const at = inline ? ctx.offsetPosition(where, offset) : undefined;
    ctx.unknownVar(v, written, agentScope, where, 'prompt', at);
  }
}

function idleAction(
  ctx: CompileContext,
  text: string | undefined,
  path: PathSegment[],
): WorkerDef['idleAction'] {
  if (text === undefined) return { kind: 'wait', ms: DEFAULTS.idleWaitMs };
  if (text === 'stop') return { kind: 'stop' };
  const m = /^wait(?::(.+))?$/.exec(text);
  if (m)
    return {
      kind: 'wait',
      ms:
        m[1] === undefined
          ? DEFAULTS.idleWaitMs
          : (ctx.duration(m[1], path) ?? DEFAULTS.idleWaitMs),
    };
  ctx.report(
    'BAD_VALUE',
    path,
    `idle_action "${text}" is not valid`,
    'use "wait:<duration>" (e.g. "wait:30s") or "stop"',
  );
  return { kind: 'wait', ms: DEFAULTS.idleWaitMs };
}

function inferDriver(command: string): AgentDef['driver'] {
  const program = command.trim().split(/\s+/)[0]?.split('/').at(-1) ?? '';
  if (program === 'claude') return 'claude';
  if (program === 'codex') return 'codex';
  return 'generic';
}

/** `--dry-run` binds as `dry_run` too, so shell commands can say `{dry_run}`. */
function toVarName(argName: string): string {
  return argName.replace(/-/g, '_');
}

function globalScope(owner: string): Scope {
  return { names: new Set(GLOBAL_VARS), owner };
}

function base(ctx: CompileContext, name: string, description: string | undefined) {
  return {
    name,
    runbook: ctx.rb.name,
    qualified: ctx.qualify(name),
    ...(description !== undefined ? { description } : {}),
  };
}

function put<T extends { qualified: QualifiedName }>(map: Record<QualifiedName, T>, def: T): void {
  map[def.qualified] = def;
}

/** A template definition from one parse (the check already found the variables it reads). */
function toTemplateDef(source: string, checked: TemplateCheck): TemplateDef {
  const engine = isLiquidTemplate(source) ? 'liquid' : 'interpolate';
  return { engine, source, vars: checked.ok ? checked.vars : [] };
}

/** The character offset of 1-based line/col inside `text`. */
function offsetOf(text: string, line: number, col: number): number {
  const lines = text.split('\n');
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += (lines[i]?.length ?? 0) + 1;
  return offset + col - 1;
}

function emptyProject(): Project {
  const project = { runbooks: [], events: {} } as unknown as Project;
  for (const kind of KINDS) (project as unknown as Record<string, object>)[kind] = {};
  return project;
}
