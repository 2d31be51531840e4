// Stage 2 of parse → compile → create: checks meaning across every runbook of a project (references,
// recovery chains, durations, `{vars}`, templates) and produces the plain definitions machines use.
import { parseArgSpec } from './args.js';
import { compileInputs, compilePipeline } from './compile-pipeline.js';
import type { Usage } from './compile-pipeline.js';
import {
  base,
  compileAction,
  compileCron,
  compileEvents,
  compileGuard,
  compileLock,
  compileMonitor,
  compileQueue,
  compileSemaphore,
  compileStrategy,
  compileWorker,
} from './compile-blocks.js';
import { CompileContext } from './context.js';
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
import { KINDS } from './types.js';
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
    for (const [name, raw] of Object.entries(e.worker))
      put(project.worker, compileWorker(ctx, name, raw));
    for (const [name, raw] of Object.entries(e.cron))
      put(project.cron, compileCron(ctx, name, raw));
    for (const [name, raw] of Object.entries(e.queue))
      put(project.queue, compileQueue(ctx, name, raw));
    for (const [name, raw] of Object.entries(e.guard))
      put(project.guard, compileGuard(ctx, name, raw));
    for (const [name, raw] of Object.entries(e.strategy))
      put(project.strategy, compileStrategy(ctx, name, raw));
    for (const [name, raw] of Object.entries(e.lock))
      put(project.lock, compileLock(ctx, name, raw));
    for (const [name, raw] of Object.entries(e.semaphore))
      put(project.semaphore, compileSemaphore(ctx, name, raw));
    for (const [name, raw] of Object.entries(e.monitor))
      put(project.monitor, compileMonitor(ctx, name, raw));
    for (const [name, raw] of Object.entries(e.action))
      put(project.action, compileAction(ctx, name, raw));
    if (rb.events) project.events[rb.name] = compileEvents(ctx, rb.events);
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
