// The strict shape of a runbook file, one zod schema per primitive. Every object is strict: an
// unknown key anywhere is an error (the Rust original shipped a broken runbook because a nested
// `command =` was silently ignored). Meaning (durations, references, templates) is checked later.
import * as z from 'zod';

// Runbooks are parsed once per process: zod's JIT (code generated per schema on first use) costs
// more than it saves here, and `new Function` is best avoided in a process that reads user files.
z.config({ jitless: true });

const text = z.string();
const nonEmpty = z.string().min(1, 'must not be empty');
const names = z.array(nonEmpty);
/** A recovery chain: one word or a list, e.g. `"escalate"` or `["nudge", "restart:2", "escalate"]`. */
const chain = z.union([nonEmpty, names]);
const duration = text; // an empty one is reported by parseDuration, with the accepted forms
const description = text.optional();

const inputSource = z.strictObject({ name: nonEmpty, source: nonEmpty });

export const commandSchema = z.strictObject({
  description,
  args: text.optional(),
  aliases: z.record(z.string(), nonEmpty).optional(),
  defaults: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  run: z.union([nonEmpty, z.strictObject({ pipeline: nonEmpty })]),
});

export const workerSchema = z.strictObject({
  description,
  queue: nonEmpty,
  handler: nonEmpty,
  concurrency: z.int().min(1).optional(),
  idle_action: nonEmpty.optional(),
  wake_on: names.optional(),
});

export const cronSchema = z.strictObject({
  description,
  interval: duration,
  monitors: names.optional(),
  run: nonEmpty.optional(),
});

export const queueSchema = z.strictObject({
  description,
  source: nonEmpty.optional(),
  poll: duration.optional(),
  order: z.enum(['fifo', 'priority']).optional(),
  visibility_timeout: duration.optional(),
  max_retries: z.int().min(0).optional(),
  on_exhaust: chain.optional(),
  dead: z.strictObject({ retention: duration.optional() }).optional(),
});

const phaseSchema = z.strictObject({
  name: nonEmpty,
  description,
  run: nonEmpty.optional(),
  agent: nonEmpty.optional(),
  strategy: nonEmpty.optional(),
  approve: text.optional(),
  pre: names.optional(),
  post: names.optional(),
  lock: nonEmpty.optional(),
  semaphore: z
    .union([nonEmpty, z.strictObject({ name: nonEmpty, weight: z.int().min(1).optional() })])
    .optional(),
  next: nonEmpty.optional(),
  on_fail: chain.optional(),
  timeout: duration.optional(),
  idempotent: z.boolean().optional(),
  inputs: z.array(inputSource).optional(),
});

/** `[pipeline.X.workspace]`: the git worktree the pipeline owns. */
export const workspaceSchema = z.strictObject({
  branch: nonEmpty.optional(),
  base: nonEmpty.optional(),
  sync: z.array(nonEmpty).optional(),
  instructions: text.optional(),
  setup: z.array(nonEmpty).optional(),
});

export const pipelineSchema = z.strictObject({
  description,
  inputs: names.optional(),
  workspace: workspaceSchema.optional(),
  defaults: z.record(z.string(), z.string()).optional(),
  max_visits: z.int().min(1).optional(),
  on_cancel: nonEmpty.optional(),
  phase: z.array(phaseSchema).min(1, 'needs at least one [[pipeline.<name>.phase]]'),
});

export const agentSchema = z.strictObject({
  description,
  command: nonEmpty,
  driver: z.enum(['claude', 'codex', 'generic']).optional(),
  prompt: text.optional(),
  prompt_file: nonEmpty.optional(),
  cwd: nonEmpty.optional(),
  env: z.record(z.string(), z.string()).optional(),
  timeout: duration.optional(),
  idle_timeout: duration.optional(),
  heartbeat: z.enum(['output', 'none']).optional(),
  on_stuck: chain.optional(),
  on_timeout: chain.optional(),
  on_exit: chain.optional(),
  inputs: z.array(inputSource).optional(),
});

export const guardSchema = z.strictObject({
  description,
  condition: nonEmpty,
  retry: z.strictObject({ max: z.int().min(0), interval: duration.optional() }).optional(),
  timeout: duration.optional(),
  on_timeout: chain.optional(),
  wake_on: names.optional(),
});

const attemptSchema = z.strictObject({
  name: nonEmpty,
  description,
  run: nonEmpty.optional(),
  agent: nonEmpty.optional(),
  timeout: duration.optional(),
  rollback: nonEmpty.optional(),
});

export const strategySchema = z.strictObject({
  description,
  checkpoint: nonEmpty.optional(),
  on_exhaust: chain.optional(),
  attempt: z.array(attemptSchema).min(1, 'needs at least one [[strategy.<name>.attempt]]'),
});

export const lockSchema = z.strictObject({
  description,
  timeout: duration.optional(),
  heartbeat: duration.optional(),
  on_stale: chain.optional(),
});

export const semaphoreSchema = z.strictObject({
  description,
  max: z.int().min(1),
  slot_timeout: duration.optional(),
  slot_heartbeat: duration.optional(),
  on_orphan: chain.optional(),
  on_orphan_work: chain.optional(),
});

export const monitorSchema = z.strictObject({
  description,
  source: nonEmpty,
  condition: nonEmpty.optional(),
  response: chain.optional(),
  action: nonEmpty.optional(),
});

export const actionSchema = z.strictObject({
  description,
  run: nonEmpty,
  cooldown: duration.optional(),
  max_attempts: z.int().min(1).optional(),
});

export const eventsSchema = z.strictObject({
  on_start: nonEmpty.optional(),
  on_phase_change: nonEmpty.optional(),
  on_complete: nonEmpty.optional(),
  on_fail: nonEmpty.optional(),
  on_cancel: nonEmpty.optional(),
  on_escalate: nonEmpty.optional(),
});

/** Per-kind entry schemas: each `[kind.name]` table is checked on its own so one bad entry does
 * not hide the problems of the others. */
export const ENTRY_SCHEMAS = {
  command: commandSchema,
  worker: workerSchema,
  cron: cronSchema,
  queue: queueSchema,
  pipeline: pipelineSchema,
  agent: agentSchema,
  guard: guardSchema,
  strategy: strategySchema,
  lock: lockSchema,
  semaphore: semaphoreSchema,
  monitor: monitorSchema,
  action: actionSchema,
} as const;

export type RawCommand = z.infer<typeof commandSchema>;
export type RawWorker = z.infer<typeof workerSchema>;
export type RawCron = z.infer<typeof cronSchema>;
export type RawQueue = z.infer<typeof queueSchema>;
export type RawPipeline = z.infer<typeof pipelineSchema>;
export type RawPhase = z.infer<typeof phaseSchema>;
export type RawAgent = z.infer<typeof agentSchema>;
export type RawGuard = z.infer<typeof guardSchema>;
export type RawStrategy = z.infer<typeof strategySchema>;
export type RawAttempt = z.infer<typeof attemptSchema>;
export type RawLock = z.infer<typeof lockSchema>;
export type RawSemaphore = z.infer<typeof semaphoreSchema>;
export type RawMonitor = z.infer<typeof monitorSchema>;
export type RawAction = z.infer<typeof actionSchema>;
export type RawEvents = z.infer<typeof eventsSchema>;
export type RawInputSource = z.infer<typeof inputSource>;
