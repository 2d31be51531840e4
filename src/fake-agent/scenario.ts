// A fake-agent scenario: TOML with [agent], [timing] and [[turn]] tables, checked by a strict zod
// schema so a misspelt key fails loudly with its path instead of being ignored.
import { parse as parseToml } from 'smol-toml';
import * as z from 'zod';
import { FakeAgentError } from './errors.js';
import { stepSchema } from './steps.schema.js';

export const DEFAULT_CLOCK_START = '2025-01-01T00:00:00.000Z';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ms = z.number().int().nonnegative();

const agentSchema = z.strictObject({
  session_id: z.string().regex(UUID, 'expected a UUID').optional(),
  trusted: z.boolean().default(true),
  clock: z.iso.datetime({ offset: true }).default(DEFAULT_CLOCK_START),
  clock_step_ms: ms.default(1000), // how far the fake clock moves per log entry
  enter_in_paste: z.boolean().default(true),
  version: z.string().default('2.1.29'),
  model: z.string().default('claude-sonnet-4-5-20250929'),
});

const timingSchema = z.strictObject({
  idle_notification_ms: ms.default(0), // real Claude: ≈ 60000
  permission_notification_ms: ms.default(0), // real Claude: ≈ 8000
  paste_window_ms: ms.default(0), // an Enter this soon after typed text is also read as a paste
  step_ms: ms.default(0), // pause before each step, so "working" can be observed
  startup_ms: ms.default(0), // pause before the first prompt is drawn
});

const regexSource = z.string().refine(
  (source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'not a valid regular expression' },
);

const matcherSchema = z.union(
  [
    z.literal('*'),
    z.strictObject({ contains: z.string() }),
    z.strictObject({ regex: regexSource }),
    z.strictObject({ exact: z.string() }),
  ],
  { error: 'expected "*", { contains = "…" }, { regex = "…" } or { exact = "…" }' },
);

const turnSchema = z.strictObject({
  on: matcherSchema,
  max: z.number().int().positive().optional(),
  steps: z.array(stepSchema),
});

const scenarioSchema = z.strictObject({
  agent: agentSchema.default(agentSchema.parse({})),
  timing: timingSchema.default(timingSchema.parse({})),
  turn: z.array(turnSchema).default([]),
});

export type Scenario = z.output<typeof scenarioSchema>;
export type TurnMatcher = z.output<typeof turnSchema>['on'];

/** Parses and checks a scenario. Pure; throws FakeAgentError naming the file and key path. */
export function parseScenario(text: string, file: string): Scenario {
  let doc: unknown;
  try {
    doc = parseToml(text);
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new FakeAgentError('BAD_SCENARIO', `scenario "${file}": invalid TOML: ${first}`, {
      cause: err,
    });
  }
  const result = scenarioSchema.safeParse(doc);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${describeIssue(issue)}`);
  throw new FakeAgentError(
    'BAD_SCENARIO',
    `scenario "${file}" is invalid:\n${problems.join('\n')}\nfix the keys above (see the fake agent's scenario reference)`,
  );
}

/** `turn[0].steps[2].wirte: unknown key` — the path a user can find in the file. */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key`).join('\n  ');
  const where = formatPath(issue.path);
  return `${where || '(top level)'}: ${issue.message}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out;
}

/** Does `message` select this turn? Pure. */
export function matchesTurn(on: TurnMatcher, message: string): boolean {
  if (on === '*') return true;
  if ('contains' in on) return message.includes(on.contains);
  if ('exact' in on) return message.trim() === on.exact;
  return new RegExp(on.regex).test(message);
}
