// Compiled runbook definitions: the plain, JSON-serialisable objects the machines are built from.
// Durations are in milliseconds, references are resolved to qualified names, defaults are applied.

/** Every primitive a runbook can declare, in the order the runbook document presents them. */
export const KINDS = [
  'command',
  'worker',
  'cron',
  'queue',
  'pipeline',
  'agent',
  'guard',
  'strategy',
  'lock',
  'semaphore',
  'monitor',
  'action',
] as const;
export type Kind = (typeof KINDS)[number];

/** A qualified name: `<runbook>.<name>`, e.g. `bugfix.fix` or `std.merge.main_branch`. */
export type QualifiedName = string;

/** The recovery vocabulary of the runbook document. `restart:N` is `restart` with `max = N`. */
export const RECOVERY_ACTIONS = [
  'nudge',
  'restart',
  'requeue',
  'dead',
  'escalate',
  'abandon',
  'rollback',
  'release',
  'reclaim',
] as const;
export type RecoveryAction = (typeof RECOVERY_ACTIONS)[number];

/**
 * One step of a recovery chain. `action` is set when the step names a runbook `[action.X]`
 * (which then implements it, even when X is also a built-in word such as `nudge`).
 */
export interface RecoveryStep {
  /** The word as written, without `:N` (`restart`, `nudge`, or an action's name). */
  name: string;
  /** The built-in recovery action this step performs, when it is one. */
  builtin?: RecoveryAction;
  /** The named action that implements this step, when one is defined. */
  action?: QualifiedName;
  /** From `restart:N`: how many times this step may be taken before the chain moves on. */
  max?: number;
}

/** A text with `{var}` placeholders, or a Jinja-style (Liquid) template. */
export interface TemplateDef {
  engine: 'interpolate' | 'liquid';
  source: string;
  /** Root variable names the template reads (e.g. `bug` for `{bug.description}`). */
  vars: string[];
}

/** A named value computed by running a shell command (its stdout, parsed as JSON when it is JSON). */
export interface InputSourceDef {
  name: string;
  source: string;
}

export interface DefBase {
  /** The primitive's own name, e.g. `fix`. */
  name: string;
  /** The runbook (file stem) that declares it, e.g. `bugfix`; `std.<name>` for shipped ones. */
  runbook: string;
  /** `<runbook>.<name>`. */
  qualified: QualifiedName;
  description?: string;
  /**
   * Content hash of the compiled definition (for a pipeline, of it and every block it uses);
   * filled by compilation, so two identical definitions always hash alike.
   */
  hash?: string;
}

// ---- entrypoints ---------------------------------------------------------------------------

export interface PositionalSpec {
  name: string;
  required: boolean;
  variadic: boolean;
  /** From `defaults`; only an optional, non-variadic positional may have one. */
  default?: string;
}

export interface FlagSpec {
  name: string;
  /** `--opt <val>` takes a value; `--flag` is boolean. */
  takesValue: boolean;
  /** The placeholder shown in usage, e.g. `version` for `--tag <version>`. */
  valueName?: string;
  /** `--opt <val>` outside brackets must be given (or have a default). */
  required: boolean;
  /** Single-letter aliases from `aliases`, without the dash. */
  short: string[];
  default?: string | boolean;
}

export interface ArgSpec {
  /** The spec exactly as written in the runbook. */
  source: string;
  positionals: PositionalSpec[];
  flags: FlagSpec[];
}

/** The values `oj run` binds: strings, booleans for flags, string lists for variadics. */
export type ArgValue = string | boolean | string[];
export type BoundArgs = Record<string, ArgValue>;

export interface CommandDef extends DefBase {
  args: ArgSpec;
  run: { kind: 'shell'; script: string } | { kind: 'pipeline'; pipeline: QualifiedName };
}

export interface WorkerDef extends DefBase {
  queue: QualifiedName;
  handler: QualifiedName;
  concurrency: number;
  idleAction: { kind: 'wait'; ms: number } | { kind: 'stop' };
  wakeOn: string[];
}

export interface CronDef extends DefBase {
  intervalMs: number;
  monitors: QualifiedName[];
  run?: string;
}

// ---- building blocks -----------------------------------------------------------------------

export interface QueueDef extends DefBase {
  source?: string;
  /** How often a `source` queue polls its command. */
  pollMs: number;
  order: 'fifo' | 'priority';
  visibilityTimeoutMs: number;
  maxRetries: number;
  onExhaust: RecoveryStep[];
  dead: { retentionMs: number };
}

export interface SemaphoreUse {
  semaphore: QualifiedName;
  weight: number;
}

export interface PhaseDef {
  name: string;
  /** Exactly one of run / agent / strategy / approve is set. */
  run?: string;
  agent?: QualifiedName;
  strategy?: QualifiedName;
  /** A human approval: the question a decision (approve / reject) asks; `{var}` text. */
  approve?: string;
  pre: QualifiedName[];
  post: QualifiedName[];
  lock?: QualifiedName;
  semaphore?: SemaphoreUse;
  /** The phase that follows on success, or `null` when the pipeline is done after this one. */
  next: string | null;
  /** Where a failure goes: another phase, a recovery chain, or (null) the pipeline fails. */
  onFail: { kind: 'phase'; phase: string } | { kind: 'recovery'; steps: RecoveryStep[] } | null;
  timeoutMs?: number;
  /** Safe to run again after a crash interrupted it. */
  idempotent: boolean;
  inputs: InputSourceDef[];
}

/** The git worktree a pipeline owns (`[pipeline.X.workspace]`): `{var}` texts, filled per run. */
export interface WorkspaceDef {
  /** Branch created (or reset) at `base` for the run; default `oj/{pipeline}`. */
  branch: string;
  /** The ref it starts from; default `HEAD`. */
  base: string;
  /** Files copied from the project into the worktree when present (`.env`, `.claude/…`). */
  sync: string[];
  /** Written to CLAUDE.md and AGENTS.md in the worktree, rendered with the run's variables. */
  instructions?: TemplateDef;
  /** Shell commands run once in a new worktree. */
  setup: string[];
}

export interface PipelineDef extends DefBase {
  inputs: string[];
  workspace?: WorkspaceDef;
  defaults: Record<string, string>;
  phases: PhaseDef[];
  /** How many times one phase may be entered before the pipeline fails instead of looping. */
  maxVisits: number;
  /** Shell cleanup run once when the pipeline is cancelled. */
  onCancel?: string;
}

export interface AgentDef extends DefBase {
  command: string;
  /** Which driver observes it: Claude Code hooks/logs, Codex JSONL, or output activity only. */
  driver: 'claude' | 'codex' | 'generic';
  prompt?: TemplateDef;
  /** The path given as `prompt_file`, relative to the project root; its text is in `prompt`. */
  promptFile?: string;
  cwd?: string;
  env: Record<string, string>;
  timeoutMs?: number;
  idleTimeoutMs?: number;
  heartbeat: 'output' | 'none';
  onStuck: RecoveryStep[];
  onTimeout: RecoveryStep[];
  onExit: RecoveryStep[];
  inputs: InputSourceDef[];
}

export interface GuardDef extends DefBase {
  condition: string;
  retry: { max: number; intervalMs: number };
  timeoutMs?: number;
  onTimeout: RecoveryStep[];
  wakeOn: string[];
}

export interface AttemptDef {
  name: string;
  run?: string;
  agent?: QualifiedName;
  timeoutMs?: number;
  rollback?: string;
}

export interface StrategyDef extends DefBase {
  checkpoint?: string;
  onExhaust: RecoveryStep[];
  attempts: AttemptDef[];
}

export interface LockDef extends DefBase {
  timeoutMs?: number;
  heartbeatMs?: number;
  onStale: RecoveryStep[];
}

export interface SemaphoreDef extends DefBase {
  max: number;
  slotTimeoutMs?: number;
  slotHeartbeatMs?: number;
  onOrphan: RecoveryStep[];
  onOrphanWork: RecoveryStep[];
}

export interface MonitorDef extends DefBase {
  source: string;
  condition?: string;
  /** Exactly one of response / action is set. */
  response?: RecoveryStep[];
  action?: string;
}

export interface ActionDef extends DefBase {
  run: string;
  cooldownMs?: number;
  maxAttempts?: number;
}

/** `[events]` hooks: shell commands run when pipelines of this runbook change. */
export const EVENT_HOOKS = [
  'on_start',
  'on_phase_change',
  'on_complete',
  'on_fail',
  'on_cancel',
  'on_escalate',
] as const;
export type EventHook = (typeof EVENT_HOOKS)[number];
