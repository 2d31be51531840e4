// Compiles `[pipeline.X]` and its phases: references, routing (`next`, `on_fail`), reachability,
// visit limits, and the variable scope its phases, guards, agents and strategies will see.
import { GLOBAL_VARS } from './context.js';
import type { CompileContext, Scope } from './context.js';
import type { PathSegment } from './positions.js';
import { RECOVERY_ACTIONS } from './types.js';
import type {
  InputSourceDef,
  PhaseDef,
  PipelineDef,
  QualifiedName,
  WorkspaceDef,
} from './types.js';
import { checkTemplate, isLiquidTemplate } from './template.js';
import type { RawInputSource, RawPipeline } from './schema.js';
import { suggest } from './suggest.js';

/** Variables the runtime gives every phase of a pipeline, besides its inputs. */
export const PIPELINE_VARS = [
  'pipeline',
  'name',
  'phase',
  'workspace',
  'branch',
  ...GLOBAL_VARS,
] as const;
export const DEFAULT_MAX_VISITS = 10;

const PHASE_NAME = /^[a-z][a-z0-9_-]*$/;
const RESERVED_PHASES: readonly string[] = ['done', 'failed', 'cancelled', ...RECOVERY_ACTIONS];

/** A building block used by a pipeline, whose `{vars}` are checked against the pipeline's scope. */
export interface Usage {
  kind: 'agent' | 'guard' | 'strategy';
  target: QualifiedName;
  scope: Scope;
  /** Where the use is written (for messages). */
  by: string;
}

export function compilePipeline(
  ctx: CompileContext,
  name: string,
  raw: RawPipeline,
  usages: Usage[],
): PipelineDef {
  const base: PathSegment[] = ['pipeline', name];
  const inputs = raw.inputs ?? [];
  inputs.forEach((input, i) => checkIdentifier(ctx, input, [...base, 'inputs', i], 'input'));
  const defaults = raw.defaults ?? {};
  for (const key of Object.keys(defaults)) {
    if (!inputs.includes(key)) {
      const close = suggest(key, inputs);
      ctx.report(
        'UNKNOWN_VARIABLE',
        [...base, 'defaults', key],
        `default for "${key}", which is not an input of pipeline "${name}"`,
        close ? `did you mean "${close}"?` : `add "${key}" to inputs`,
        'key',
      );
    }
  }
  const pipelineScope: Scope = {
    names: new Set([...inputs, ...Object.keys(defaults), ...PIPELINE_VARS]),
    owner: `pipeline "${name}"`,
  };

  const phaseNames = raw.phase.map((p) => p.name);
  const seen = new Set<string>();
  raw.phase.forEach((p, i) => {
    const path = [...base, 'phase', i, 'name'];
    if (!PHASE_NAME.test(p.name)) {
      ctx.report(
        'BAD_NAME',
        path,
        `phase name "${p.name}" is not valid`,
        'phase names are lowercase: a letter, then letters, digits, "_" or "-"',
      );
    } else if (RESERVED_PHASES.includes(p.name)) {
      ctx.report(
        'BAD_NAME',
        path,
        `phase name "${p.name}" is reserved`,
        'choose another name; done, failed, cancelled and recovery actions have fixed meanings',
      );
    }
    if (seen.has(p.name))
      ctx.report(
        'DUPLICATE_NAME',
        path,
        `pipeline "${name}" already has a phase "${p.name}"`,
        'phase names must be unique within a pipeline',
      );
    seen.add(p.name);
  });

  const phases = raw.phase.map((p, i): PhaseDef => {
    const path: PathSegment[] = [...base, 'phase', i];
    const phaseInputs = compileInputs(ctx, p.inputs, [...path, 'inputs'], pipelineScope);
    const scope: Scope = {
      names: new Set([...pipelineScope.names, ...phaseInputs.map((x) => x.name)]),
      owner: `phase "${p.name}" of pipeline "${name}"`,
    };
    const doers = (['run', 'agent', 'strategy', 'approve'] as const).filter(
      (k) => p[k] !== undefined,
    );
    if (doers.length === 0) {
      ctx.report(
        'MISSING_KEY',
        path,
        `phase "${p.name}" does nothing`,
        'give it one of run = "...", agent = "...", strategy = "..." or approve = "..."',
        'key',
      );
    } else if (doers.length > 1) {
      ctx.report(
        'CONFLICT',
        [...path, doers[1] as string],
        `phase "${p.name}" sets both "${doers[0]}" and "${doers[1]}"`,
        'a phase does exactly one thing: split it into two phases',
        'key',
      );
    }
    ctx.vars(p.run, scope, [...path, 'run'], 'run');
    ctx.vars(p.approve, scope, [...path, 'approve'], 'approve');
    const phase: PhaseDef = {
      name: p.name,
      pre: refs(ctx, p.pre, 'guard', [...path, 'pre']),
      post: refs(ctx, p.post, 'guard', [...path, 'post']),
      next: routeNext(ctx, p.next, i, phaseNames, [...path, 'next']),
      onFail: routeFail(ctx, p.on_fail, phaseNames, [...path, 'on_fail']),
      idempotent: p.idempotent ?? false,
      inputs: phaseInputs,
    };
    if (p.run !== undefined) phase.run = p.run;
    if (p.approve !== undefined) phase.approve = p.approve;
    const agent = ctx.ref(p.agent, 'agent', [...path, 'agent']);
    if (agent) phase.agent = agent;
    const strategy = ctx.ref(p.strategy, 'strategy', [...path, 'strategy']);
    if (strategy) phase.strategy = strategy;
    const lock = ctx.ref(p.lock, 'lock', [...path, 'lock']);
    if (lock) phase.lock = lock;
    if (p.semaphore !== undefined) {
      const semName = typeof p.semaphore === 'string' ? p.semaphore : p.semaphore.name;
      const semPath =
        typeof p.semaphore === 'string' ? [...path, 'semaphore'] : [...path, 'semaphore', 'name'];
      const semaphore = ctx.ref(semName, 'semaphore', semPath);
      const weight = typeof p.semaphore === 'string' ? 1 : (p.semaphore.weight ?? 1);
      if (semaphore) phase.semaphore = { semaphore, weight };
    }
    const timeoutMs = ctx.duration(p.timeout, [...path, 'timeout']);
    if (timeoutMs !== undefined) phase.timeoutMs = timeoutMs;

    const by = `phase "${p.name}" of pipeline "${name}"`;
    for (const guard of [...phase.pre, ...phase.post])
      usages.push({ kind: 'guard', target: guard, scope, by });
    if (phase.agent) usages.push({ kind: 'agent', target: phase.agent, scope, by });
    if (phase.strategy) usages.push({ kind: 'strategy', target: phase.strategy, scope, by });
    return phase;
  });

  checkReachable(ctx, base, phases);
  ctx.vars(raw.on_cancel, pipelineScope, [...base, 'on_cancel'], 'on_cancel');
  const def: PipelineDef = {
    name,
    runbook: ctx.rb.name,
    qualified: ctx.qualify(name),
    inputs,
    defaults,
    phases,
    maxVisits: raw.max_visits ?? DEFAULT_MAX_VISITS,
  };
  if (raw.description !== undefined) def.description = raw.description;
  if (raw.on_cancel !== undefined) def.onCancel = raw.on_cancel;
  if (raw.workspace !== undefined)
    def.workspace = compileWorkspace(ctx, raw.workspace, [...base, 'workspace'], pipelineScope);
  return def;
}

/** `[pipeline.X.workspace]`: its texts may use the pipeline's variables. */
function compileWorkspace(
  ctx: CompileContext,
  raw: NonNullable<RawPipeline['workspace']>,
  path: PathSegment[],
  scope: Scope,
): WorkspaceDef {
  const def: WorkspaceDef = {
    branch: raw.branch ?? 'oj/{pipeline}',
    base: raw.base ?? 'HEAD',
    sync: raw.sync ?? [],
    setup: raw.setup ?? [],
  };
  ctx.vars(raw.branch, scope, [...path, 'branch'], 'branch');
  ctx.vars(raw.base, scope, [...path, 'base'], 'base');
  (raw.setup ?? []).forEach((cmd, i) => ctx.vars(cmd, scope, [...path, 'setup', i], 'setup'));
  (raw.sync ?? []).forEach((file, i) => {
    if (file.startsWith('/') || file.split('/').includes('..'))
      ctx.report(
        'BAD_VALUE',
        [...path, 'sync', i],
        `sync path "${file}" leaves the project`,
        'list paths relative to the project root, such as ".env" or ".claude/settings.json"',
      );
  });
  if (raw.instructions !== undefined) {
    const checked = checkTemplate(raw.instructions);
    def.instructions = {
      engine: isLiquidTemplate(raw.instructions) ? 'liquid' : 'interpolate',
      source: raw.instructions,
      vars: checked.ok ? checked.vars : [],
    };
    if (!checked.ok)
      ctx.report('TEMPLATE_SYNTAX', [...path, 'instructions'], `instructions: ${checked.message}`);
    for (const v of def.instructions.vars)
      if (!scope.names.has(v))
        ctx.report(
          'UNKNOWN_VARIABLE',
          [...path, 'instructions'],
          `instructions use "${v}", which ${scope.owner} does not have`,
          `available: ${[...scope.names].sort().join(', ')}`,
        );
  }
  return def;
}

/** Compiles `inputs = [{ name, source }]`; sources may read `scope`'s variables. */
export function compileInputs(
  ctx: CompileContext,
  raw: readonly RawInputSource[] | undefined,
  path: PathSegment[],
  scope: Scope | undefined,
): InputSourceDef[] {
  const seen = new Set<string>();
  return (raw ?? []).map((input, i) => {
    checkIdentifier(ctx, input.name, [...path, i, 'name'], 'input');
    if (seen.has(input.name))
      ctx.report('DUPLICATE_NAME', [...path, i, 'name'], `input "${input.name}" is declared twice`);
    seen.add(input.name);
    if (scope) ctx.vars(input.source, scope, [...path, i, 'source'], 'source');
    return { name: input.name, source: input.source };
  });
}

export function checkIdentifier(
  ctx: CompileContext,
  name: string,
  path: PathSegment[],
  what: string,
): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    ctx.report(
      'BAD_NAME',
      path,
      `${what} name "${name}" is not valid`,
      'use letters, digits and "_" (it is used as {' + 'name} in commands)',
    );
  }
}

function refs(
  ctx: CompileContext,
  list: readonly string[] | undefined,
  kind: 'guard',
  path: PathSegment[],
): QualifiedName[] {
  const out: QualifiedName[] = [];
  (list ?? []).forEach((ref, i) => {
    const q = ctx.ref(ref, kind, [...path, i]);
    if (q) out.push(q);
  });
  return out;
}

function routeNext(
  ctx: CompileContext,
  next: string | undefined,
  index: number,
  phaseNames: readonly string[],
  path: PathSegment[],
): string | null {
  if (next === undefined) return phaseNames[index + 1] ?? null;
  if (next === 'done') return null;
  if (phaseNames.includes(next)) return next;
  const close = suggest(next, [...phaseNames, 'done']);
  ctx.report(
    'UNKNOWN_REFERENCE',
    path,
    `next phase "${next}" does not exist`,
    close ? `did you mean "${close}"?` : `phases: ${phaseNames.join(', ')}, or "done"`,
  );
  // Route on as if `next` were absent, so the phases after it are not also reported unreachable.
  return phaseNames[index + 1] ?? null;
}

function routeFail(
  ctx: CompileContext,
  onFail: string | readonly string[] | undefined,
  phaseNames: readonly string[],
  path: PathSegment[],
): PhaseDef['onFail'] {
  if (onFail === undefined) return null;
  if (typeof onFail === 'string' && phaseNames.includes(onFail))
    return { kind: 'phase', phase: onFail };
  if (
    typeof onFail === 'string' &&
    !/[:]/.test(onFail) &&
    !(RECOVERY_ACTIONS as readonly string[]).includes(onFail) &&
    !ctx.registry.names(ctx.rb.name, 'action').includes(onFail)
  ) {
    const close = suggest(onFail, [
      ...phaseNames,
      'restart',
      'escalate',
      'abandon',
      'requeue',
      'dead',
    ]);
    ctx.report(
      'UNKNOWN_REFERENCE',
      path,
      `on_fail "${onFail}" is neither a phase nor a recovery action`,
      close ? `did you mean "${close}"?` : `phases: ${phaseNames.join(', ')}`,
    );
    return null;
  }
  return { kind: 'recovery', steps: ctx.chain(onFail, 'phase.on_fail', path) };
}

/** Every phase must be reachable from the first through `next` and `on_fail` routes. */
function checkReachable(
  ctx: CompileContext,
  base: PathSegment[],
  phases: readonly PhaseDef[],
): void {
  const first = phases[0];
  if (!first) return;
  const reached = new Set<string>([first.name]);
  const queue = [first];
  while (queue.length) {
    const phase = queue.shift() as PhaseDef;
    const targets = [phase.next, phase.onFail?.kind === 'phase' ? phase.onFail.phase : null];
    for (const t of targets) {
      if (t === null || reached.has(t)) continue;
      reached.add(t);
      const next = phases.find((p) => p.name === t);
      if (next) queue.push(next);
    }
  }
  phases.forEach((phase, i) => {
    if (reached.has(phase.name)) return;
    ctx.report(
      'UNREACHABLE_PHASE',
      [...base, 'phase', i, 'name'],
      `phase "${phase.name}" can never run: no next or on_fail leads to it`,
      `route to it with next = "${phase.name}" or on_fail = "${phase.name}", or remove it`,
    );
  });
}
