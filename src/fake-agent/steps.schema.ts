// The strict zod schemas of a scenario's steps. A step is a table named by its one kind key
// (`{ say = "…" }`, `{ run = "npm test", permission = "ask" }`); unknown keys are rejected.
import * as z from 'zod';

export const ERROR_CATEGORIES = [
  'unauthorized',
  'out_of_credits',
  'rate_limited',
  'no_internet',
  'server_error',
  'other',
] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

const CRASH_SIGNALS = [
  'SIGSEGV',
  'SIGABRT',
  'SIGBUS',
  'SIGKILL',
  'SIGTERM',
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
] as const;
const IGNORABLE_SIGNALS = ['SIGTERM', 'SIGHUP', 'SIGINT', 'ESC'] as const;

const text = z.string();
const flag = z.union([z.literal(true), z.strictObject({})], {
  error: 'expected true or {}',
});
const permission = z.enum(['ask', 'allow']).optional();
const count = z.number().int().nonnegative();

// Steps nest step lists (`on_deny`). z.lazy and a loosely typed forward reference break the cycle;
// `Step` below restores the precise type of the nested list.
let nestedStep: z.ZodType<unknown> = z.never();
const nested = z.lazy(() => z.array(nestedStep)).optional();

const option = z.union([z.string(), z.strictObject({ label: z.string(), description: text })], {
  error: 'expected an option label or { label, description }',
});
const question = z.strictObject({
  question: text,
  header: text.optional(),
  options: z.array(option).min(1).max(7),
});

export const STEP_SCHEMAS = {
  say: z.strictObject({ say: text }),
  write: z.strictObject({ write: text.min(1), content: text, permission, on_deny: nested }),
  edit: z.strictObject({
    edit: text.min(1),
    find: text.min(1),
    replace: text,
    permission,
    on_deny: nested,
  }),
  run: z.strictObject({
    run: text.min(1),
    permission,
    timeout_ms: count.optional(),
    on_deny: nested,
  }),
  commit: z.strictObject({ commit: text.min(1), permission, on_deny: nested }),
  done: z.strictObject({
    done: z.strictObject({ error: text.optional() }),
    permission,
    on_deny: nested,
  }),
  idle: z.strictObject({ idle: flag }),
  prompt: z.strictObject({
    prompt: text,
    tool: text.min(1).optional(),
    output: text.optional(),
    on_deny: nested,
  }),
  ask: z.strictObject({
    ask: z.union([text, z.array(question).min(1).max(4)], {
      error: 'expected a question or a list of { question, header, options }',
    }),
    header: text.optional(),
    options: z.array(option).min(1).max(7).optional(),
    answers: z.array(z.union([z.number().int().min(1), z.string()])).optional(),
    on_deny: nested,
  }),
  plan: z.strictObject({ plan: text, on_deny: nested }),
  error: z.strictObject({ error: z.enum(ERROR_CATEGORIES), message: text.optional() }),
  hang: z.strictObject({
    hang: z.strictObject({ ignore: z.array(z.enum(IGNORABLE_SIGNALS)).optional() }),
  }),
  crash: z.strictObject({
    crash: z.union(
      [
        z.strictObject({ exit_code: z.number().int().min(0).max(255), output: text.optional() }),
        z.strictObject({ signal: z.enum(CRASH_SIGNALS), output: text.optional() }),
      ],
      { error: 'expected { exit_code = N } or { signal = "SIGSEGV" } (optionally with output)' },
    ),
  }),
  flood: z.strictObject({ flood: count }),
  sleep: z.strictObject({ sleep: count }),
  barrier: z.strictObject({ barrier: text.min(1) }),
  clear: z.strictObject({ clear: flag }),
  exit: z.strictObject({
    exit: z.strictObject({ code: z.number().int().min(0).max(255).optional() }),
  }),
} as const;

export type StepKind = keyof typeof STEP_SCHEMAS;
export const STEP_KINDS = Object.keys(STEP_SCHEMAS) as StepKind[];

type RawStep = {
  [K in StepKind]: { kind: K } & z.output<(typeof STEP_SCHEMAS)[K]>;
}[StepKind];
// An interface, so the recursion through Step is resolved lazily.
interface NestedSteps {
  on_deny?: Step[];
}
type WithNestedSteps<T> = T extends { on_deny?: unknown } ? Omit<T, 'on_deny'> & NestedSteps : T;

/** One parsed step, tagged with its kind. */
export type Step = WithNestedSteps<RawStep>;
export type StepOf<K extends StepKind> = Extract<Step, { kind: K }>;

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A step table: finds its kind key, then checks it against that kind's strict schema. */
export const stepSchema: z.ZodType<Step> = z.unknown().transform((value, ctx): Step => {
  const kinds = isTable(value) ? STEP_KINDS.filter((k) => k in value) : [];
  if (kinds.length !== 1) {
    const found = kinds.length ? `both ${kinds.map((k) => `"${k}"`).join(' and ')}` : 'none';
    ctx.addIssue({
      code: 'custom',
      message: `a step is a table with exactly one kind key (${STEP_KINDS.join(', ')}); found ${found}`,
    });
    return z.NEVER;
  }
  const kind = kinds[0] as StepKind;
  const parsed = STEP_SCHEMAS[kind].safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
    return z.NEVER;
  }
  return { kind, ...parsed.data } as Step;
});
nestedStep = stepSchema;
