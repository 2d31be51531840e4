// Invalid runbooks and the diagnostics they must produce: for each broken fixture in
// test/fixtures/invalid/, the exact code, file:line:col, path, message and hint a user would see.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compileRunbooks, formatIssue, parseRunbook } from '../src/runbook/index.js';
import type { CompileDeps, IssueCode, RunbookIssue } from '../src/runbook/index.js';
import { makeProject, runOj } from './helpers/oj.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/invalid/', import.meta.url));

/** `[fixture, code, 'line:col', path, message fragment, hint fragment?]` */
type Row = [string, IssueCode, string, string, string | RegExp, string?];

interface Case {
  fixture: string;
  code: IssueCode;
  at: string;
  path: string;
  message: string | RegExp;
  hint: string | undefined;
}

const toCase = ([fixture, code, at, path, message, hint]: Row): Case => ({
  fixture,
  code,
  at,
  path,
  message,
  hint,
});

/** Reads prompt templates relative to the runbook's fixture directory; undefined when missing. */
function templatesIn(dir: string): CompileDeps {
  return {
    readTemplate(_runbookFile, path) {
      try {
        return { file: path, text: readFileSync(join(dir, path), 'utf8') };
      } catch {
        return undefined;
      }
    },
  };
}

/** Compiles one fixture alone, as file `test.toml` of runbook `test`. */
function checkFixture(fixture: string): RunbookIssue[] {
  const text = readFileSync(join(FIXTURES, `${fixture}.toml`), 'utf8');
  const parsed = parseRunbook(text, 'test.toml', 'test');
  return compileRunbooks([parsed], { readTemplate: () => undefined }).issues;
}

/** Compiles every runbook of a fixture directory together, each named after its file stem. */
function checkProject(dir: string): RunbookIssue[] {
  const root = join(FIXTURES, dir);
  const files = readdirSync(root).filter((f) => f.endsWith('.toml'));
  const parsed = files.map((f) =>
    parseRunbook(readFileSync(join(root, f), 'utf8'), f, basename(f, '.toml')),
  );
  return compileRunbooks(parsed, templatesIn(root)).issues;
}

function expected(c: Case, file: string): RunbookIssue {
  const [line, col] = c.at.split(':').map(Number);
  return expect.objectContaining({
    code: c.code,
    file,
    line,
    col,
    path: c.path,
    message:
      typeof c.message === 'string'
        ? expect.stringContaining(c.message)
        : expect.stringMatching(c.message),
    ...(c.hint === undefined ? {} : { hint: expect.stringContaining(c.hint) }),
  }) as RunbookIssue;
}

// Problems that truly follow from a fixture's one mistake (a misspelt `run` leaves the phase empty).
const CONSEQUENCES: Record<string, string[]> = {
  'keys/phase-key': ['MISSING_KEY pipeline.fix.phase[1]'],
};

/** Each fixture holds one mistake: the expected issue, its listed consequences, and nothing else. */
function assertOnly(issues: RunbookIssue[], c: Case, file = 'test.toml'): void {
  const shown = issues.map(formatIssue).join('\n');
  expect(issues, shown).toContainEqual(expected(c, file));
  const all = [`${c.code} ${c.path}`, ...(CONSEQUENCES[c.fixture] ?? [])];
  expect(issues.map((i) => `${i.code} ${i.path}`).sort(), shown).toEqual(all.sort());
}

/** `[title, case]` pairs, so titles read as plain text. */
function table(rows: Row[]): [string, Case][] {
  return rows.map((row) => {
    const c = toCase(row);
    return [`${c.fixture} reports ${c.code} at ${c.at} ${c.path}`.trimEnd(), c];
  });
}

// prettier-ignore
const UNKNOWN_KEYS: Row[] = [
  ['keys/section-typo', 'UNKNOWN_KEY', '4:1', 'pipline', 'unknown section "pipline"', 'did you mean "pipeline"?'],
  ['keys/top-level-key', 'UNKNOWN_KEY', '2:1', 'descripton', 'unknown section "descripton"', 'runbooks declare command, worker'],
  ['keys/entry-key', 'UNKNOWN_KEY', '11:1', 'worker.bugfix.concurrancy', 'unknown key "concurrancy"', 'did you mean "concurrency"?'],
  ['keys/phase-key', 'UNKNOWN_KEY', '9:1', 'pipeline.fix.phase[1].comand', 'unknown key "comand"', 'allowed keys: name, description, run'],
  ['keys/indented-phase-key', 'UNKNOWN_KEY', '5:3', 'pipeline.fix.phase[0].nxt', 'unknown key "nxt"', 'did you mean "next"?'],
  ['keys/inline-table-key', 'UNKNOWN_KEY', '3:20', 'guard.tests_pass.retry.intervall', 'unknown key "intervall"', 'did you mean "interval"?'],
  ['keys/dead-key', 'UNKNOWN_KEY', '5:1', 'queue.bugs.dead.retension', 'unknown key "retension"', 'did you mean "retention"?'],
  ['keys/subtable-name', 'UNKNOWN_KEY', '4:1', 'queue.bugs.deed', 'unknown key "deed"', 'did you mean "dead"?'],
  ['keys/events-key', 'UNKNOWN_KEY', '3:1', 'events.on_complet', 'unknown key "on_complet"', 'did you mean "on_complete"?'],
  ['keys/phase-semaphore-key', 'UNKNOWN_KEY', '8:32', 'pipeline.fix.phase[0].semaphore.wieght', 'unknown key "wieght"', 'did you mean "weight"?'],
  ['keys/attempt-key', 'UNKNOWN_KEY', '6:1', 'strategy.merge.attempt[0].rollbak', 'unknown key "rollbak"', 'did you mean "rollback"?'],
  ['keys/agent-key', 'UNKNOWN_KEY', '3:1', 'agent.fix.promt', 'unknown key "promt"', 'did you mean "prompt"?'],
];

// prettier-ignore
const DURATIONS: Row[] = [
  ['durations/bare-number', 'BAD_DURATION', '6:12', 'cron.watchdog.interval', 'a unit is required; write "30s"', 'durations look like 200ms, 30s'],
  ['durations/spaces', 'BAD_DURATION', '3:11', 'agent.fix.timeout', 'invalid duration "5 minutes": remove the spaces'],
  ['durations/unknown-unit', 'BAD_DURATION', '2:22', 'queue.bugs.visibility_timeout', 'unknown unit "w"'],
  ['durations/negative', 'BAD_DURATION', '3:12', 'action.nudge.cooldown', 'cannot be negative'],
  ['durations/empty', 'BAD_DURATION', '2:11', 'lock.main_branch.timeout', 'empty', 'durations look like'],
  ['durations/idle-action', 'BAD_DURATION', '11:15', 'worker.bugfix.idle_action', 'unknown unit "x"'],
  ['durations/zero-interval', 'BAD_DURATION', '6:12', 'cron.watchdog.interval', 'interval must be longer than 0'],
  ['durations/inline-table', 'BAD_DURATION', '3:31', 'guard.tests_pass.retry.interval', 'invalid duration "10 s"'],
  ['durations/integer', 'WRONG_TYPE', '5:11', 'pipeline.fix.phase[0].timeout', '"timeout" must be a string, not the number 30'],
  ['durations/unit-order', 'BAD_DURATION', '3:16', 'semaphore.agents.slot_timeout', 'largest first'],
];

// prettier-ignore
const REFERENCES: Row[] = [
  ['refs/worker-queue', 'UNKNOWN_REFERENCE', '9:9', 'worker.bugfix.queue', 'queue "bug" is not defined', 'did you mean "bugs"?'],
  ['refs/worker-handler', 'UNKNOWN_REFERENCE', '10:11', 'worker.bugfix.handler', 'pipeline "pipeline.fx" is not defined', 'did you mean "fix"?'],
  ['refs/worker-handler-kind', 'UNKNOWN_REFERENCE', '10:11', 'worker.bugfix.handler', '"queue.bugs" names a queue, but a pipeline is needed here'],
  ['refs/phase-agent', 'UNKNOWN_REFERENCE', '8:9', 'pipeline.fix.phase[0].agent', 'agent "fixx" is not defined', 'did you mean "fix"?'],
  ['refs/phase-post', 'UNKNOWN_REFERENCE', '12:9', 'pipeline.fix.phase[1].post[0]', 'guard "test_pass" is not defined', 'did you mean "tests_pass"?'],
  ['refs/phase-pre', 'UNKNOWN_REFERENCE', '8:22', 'pipeline.fix.phase[0].pre[1]', 'guard "clean_tree" is not defined', 'defined guards: tests_pass'],
  ['refs/phase-lock', 'UNKNOWN_REFERENCE', '7:8', 'pipeline.fix.phase[0].lock', 'lock "main" is not defined', 'defined locks: main_branch'],
  ['refs/phase-semaphore', 'UNKNOWN_REFERENCE', '8:13', 'pipeline.fix.phase[0].semaphore', 'semaphore "agent" is not defined', 'did you mean "agents"?'],
  ['refs/phase-semaphore-table', 'UNKNOWN_REFERENCE', '8:22', 'pipeline.fix.phase[0].semaphore.name', 'semaphore "agnts" is not defined', 'did you mean "agents"?'],
  ['refs/phase-strategy', 'UNKNOWN_REFERENCE', '9:12', 'pipeline.fix.phase[0].strategy', 'strategy "merg" is not defined', 'did you mean "merge"?'],
  ['refs/next', 'UNKNOWN_REFERENCE', '9:8', 'pipeline.fix.phase[1].next', 'next phase "stup" does not exist', 'did you mean "setup"?'],
  ['refs/on-fail', 'UNKNOWN_REFERENCE', '9:11', 'pipeline.fix.phase[1].on_fail', 'on_fail "stup" is neither a phase nor a recovery action', 'did you mean "setup"?'],
  ['refs/cron-monitor', 'UNKNOWN_REFERENCE', '11:27', 'cron.watchdog.monitors[1]', 'monitor "stale_lock" is not defined', 'did you mean "stale_locks"?'],
  ['refs/attempt-agent', 'UNKNOWN_REFERENCE', '5:9', 'strategy.merge.attempt[0].agent', 'agent "resolver" is not defined', 'no agent is defined; add [agent.resolver]'],
  ['refs/command-pipeline', 'UNKNOWN_REFERENCE', '7:20', 'command.build.run.pipeline', 'pipeline "buld" is not defined', 'did you mean "build"?'],
];

// prettier-ignore
const UNREACHABLE: Row[] = [
  ['unreachable/after-done', 'UNREACHABLE_PHASE', '8:8', 'pipeline.fix.phase[1].name', 'phase "orphan" can never run', 'route to it with next = "orphan"'],
  ['unreachable/skipped', 'UNREACHABLE_PHASE', '8:8', 'pipeline.fix.phase[1].name', 'phase "build" can never run'],
  ['unreachable/beside-on-fail', 'UNREACHABLE_PHASE', '14:8', 'pipeline.fix.phase[2].name', 'phase "stray" can never run'],
];

// prettier-ignore
const ARG_SPECS: Row[] = [
  ['args/unclosed', 'BAD_ARGS', '2:9', 'command.deploy.args', 'unclosed "<" in "<env"'],
  ['args/variadic-not-last', 'BAD_ARGS', '2:9', 'command.deploy.args', 'variadic "<files...>" must be the last positional'],
  ['args/required-after-optional', 'BAD_ARGS', '2:15', 'command.deploy.args', 'required "<name>" follows optional "[env]"'],
  ['args/alias-unknown-flag', 'BAD_ARGS', '3:17', 'command.deploy.aliases.f', 'alias "f" targets unknown flag "forse"', 'did you mean "force"?'],
  ['args/default-unknown', 'BAD_ARGS', '3:14', 'command.deploy.defaults.tga', 'default for unknown argument "tga"', 'did you mean "tag"?'],
  ['args/duplicate', 'BAD_ARGS', '2:16', 'command.deploy.args', 'duplicate name "name"'],
  ['args/help-reserved', 'BAD_ARGS', '2:9', 'command.deploy.args', '"--help" is reserved'],
];

// prettier-ignore
const WRONG_TYPES: Row[] = [
  ['types/concurrency-string', 'WRONG_TYPE', '11:15', 'worker.bugfix.concurrency', 'not the string "two"'],
  ['types/concurrency-zero', 'BAD_VALUE', '11:15', 'worker.bugfix.concurrency', '"concurrency" must be at least 1, not the number 0'],
  ['types/max-float', 'WRONG_TYPE', '2:7', 'semaphore.agents.max', '"max" must be a whole number, not the number 2.5'],
  ['types/inputs-string', 'WRONG_TYPE', '2:10', 'pipeline.fix.inputs', '"inputs" must be a list, not the string "bug"'],
  ['types/idempotent-string', 'WRONG_TYPE', '5:14', 'pipeline.fix.phase[0].idempotent', '"idempotent" must be true or false, not the string "yes"'],
  ['types/order-enum', 'BAD_VALUE', '2:9', 'queue.bugs.order', '"order" must be one of "fifo", "priority", not the string "lifo"'],
  ['types/heartbeat-enum', 'BAD_VALUE', '3:13', 'agent.fix.heartbeat', '"heartbeat" must be one of "output", "none", not the string "hooks"'],
  ['types/driver-enum', 'BAD_VALUE', '3:10', 'agent.fix.driver', 'must be one of "claude", "codex", "generic"'],
  ['types/post-string', 'WRONG_TYPE', '8:8', 'pipeline.fix.phase[0].post', '"post" must be a list, not the string "tests_pass"'],
  ['types/on-fail-number', 'WRONG_TYPE', '5:11', 'pipeline.fix.phase[0].on_fail', '"on_fail" must be a phase name, a recovery action or a list'],
  ['types/kind-not-table', 'WRONG_TYPE', '2:12', 'pipeline', '"pipeline" must be a table of named pipelines'],
  ['types/entry-array', 'WRONG_TYPE', '4:1', 'queue.fifo', 'queue "fifo" must be a table'],
  ['types/env-value', 'WRONG_TYPE', '3:32', 'agent.fix.env.DEBUG', '"DEBUG" must be a string, not the number 1'],
];

// prettier-ignore
const MISSING_KEYS: Row[] = [
  ['missing/worker-queue', 'MISSING_KEY', '6:1', 'worker.bugfix.queue', 'missing required key "queue"'],
  ['missing/phase-name', 'MISSING_KEY', '6:1', 'pipeline.fix.phase[1].name', 'missing required key "name"'],
  ['missing/guard-condition', 'MISSING_KEY', '4:1', 'guard.clean_tree.condition', 'missing required key "condition"'],
  ['missing/pipeline-phases', 'MISSING_KEY', '3:1', 'pipeline.fix.phase', '"phase"'],
  ['missing/semaphore-max', 'MISSING_KEY', '3:1', 'semaphore.agents.max', 'missing required key "max"'],
  ['missing/phase-action', 'MISSING_KEY', '6:1', 'pipeline.fix.phase[1]', 'phase "fix" does nothing', 'run = "...", agent = "...", strategy = "..." or approve = "..."'],
  ['missing/monitor-response', 'MISSING_KEY', '4:1', 'monitor.stale_locks', 'monitor "stale_locks" does nothing with what it finds', 'add response'],
  ['missing/cron-work', 'MISSING_KEY', '4:1', 'cron.watchdog', 'cron "watchdog" has nothing to do', 'monitors = ["..."]'],
  ['missing/agent-command', 'MISSING_KEY', '3:1', 'agent.fix.command', 'missing required key "command"'],
  ['missing/input-source', 'MISSING_KEY', '3:11', 'agent.plan.inputs[0].source', 'missing required key "source"'],
  ['missing/strategy-attempts', 'MISSING_KEY', '3:1', 'strategy.merge.attempt', '"attempt"'],
];

// prettier-ignore
const TEMPLATES: Row[] = [
  ['templates/inline', 'TEMPLATE_SYNTAX', '3:17', 'agent.plan.prompt', 'prompt template:'],
  ['templates/multiline', 'TEMPLATE_SYNTAX', '6:1', 'agent.plan.prompt', 'prompt template:'],
  ['templates/unclosed-if', 'TEMPLATE_SYNTAX', '5:3', 'agent.plan.prompt', 'not closed'],
  ['templates/escaped-newline', 'TEMPLATE_SYNTAX', '3:18', 'agent.plan.prompt', 'prompt template:'],
  ['templates/literal-multiline', 'TEMPLATE_SYNTAX', '5:1', 'agent.plan.prompt', 'nosuchfilter'],
  ['templates/missing-file', 'MISSING_FILE', '3:15', 'agent.plan.prompt_file', 'prompt_file "templates/nope.md" does not exist', 'relative to the runbook file'],
];

// prettier-ignore
const VARIABLES: Row[] = [
  ['vars/phase-run', 'UNKNOWN_VARIABLE', '6:25', 'pipeline.fix.phase[0].run', 'run uses "{workspce}", but phase "setup" of pipeline "fix" has no variable "workspce"', 'did you mean "{workspace}"?'],
  ['vars/multiline-run', 'UNKNOWN_VARIABLE', '8:20', 'pipeline.fix.phase[0].run', 'run uses "{workspce}"', 'did you mean "{workspace}"?'],
  ['vars/guard-condition', 'UNKNOWN_VARIABLE', '2:22', 'guard.reproduced.condition', 'condition uses "{bug.file}", but phase "fix" of pipeline "fix" has no variable "bug"', 'available: branch, issue'],
  ['vars/command-run', 'UNKNOWN_VARIABLE', '3:33', 'command.build.run', 'command "build" has no variable "nme"', 'did you mean "{name}"?'],
  ['vars/agent-prompt', 'UNKNOWN_VARIABLE', '3:45', 'agent.fix.prompt', 'prompt uses "{workspase}"', 'did you mean "{workspace}"?'],
  ['vars/attempt-agent-prompt', 'UNKNOWN_VARIABLE', '3:30', 'agent.fix.prompt', 'prompt uses "{workspase}"', 'did you mean "{workspace}"?'],
  ['vars/liquid-prompt', 'UNKNOWN_VARIABLE', '3:23', 'agent.plan.prompt', 'has no variable "isues"', 'issues'],
  ['vars/events', 'UNKNOWN_VARIABLE', '2:47', 'events.on_complete', 'has no variable "nam"', 'did you mean "{name}"?'],
  ['vars/cron-run', 'UNKNOWN_VARIABLE', '3:15', 'cron.cleanup.run', 'cron "cleanup" has no variable "workspace"', 'available: project, state_dir'],
  ['vars/pipeline-default', 'UNKNOWN_VARIABLE', '3:14', 'pipeline.fix.defaults.bse', 'default for "bse", which is not an input of pipeline "fix"', 'did you mean "base"?'],
  ['vars/command-input', 'UNKNOWN_VARIABLE', '8:8', 'command.build.args', 'pipeline "build" needs input "prompt", which command "build" does not take', 'add <prompt> to args'],
  ['vars/agent-cwd', 'UNKNOWN_VARIABLE', '4:8', 'agent.fix.cwd', 'cwd uses "{worktree}"', 'available: '],
];

// prettier-ignore
const RECOVERY: Row[] = [
  ['recovery/typo', 'BAD_RECOVERY', '3:22', 'agent.fix.on_stuck[1]', '"retsart" is not a recovery action', 'did you mean "restart"?'],
  ['recovery/wrong-site', 'BAD_RECOVERY', '3:13', 'lock.main_branch.on_stale[0]', '"nudge" cannot be used in lock.on_stale', 'valid here: release, rollback, escalate, reclaim'],
  ['recovery/zero-count', 'BAD_RECOVERY', '3:13', 'agent.fix.on_stuck[0]', '"restart:0": the count after ":" must be a whole number of at least 1'],
  ['recovery/count-not-allowed', 'BAD_RECOVERY', '3:22', 'monitor.agent_idle.response[1]', '"escalate:2": only "restart" and named actions take a count', 'write "escalate"'],
  ['recovery/single-word', 'BAD_RECOVERY', '3:14', 'agent.fix.on_timeout', '"escalte" is not a recovery action', 'did you mean "escalate"?'],
  ['recovery/phase-on-fail', 'BAD_RECOVERY', '5:11', 'pipeline.fix.phase[0].on_fail', '"nudge" cannot be used in phase.on_fail'],
  ['recovery/queue-exhaust', 'BAD_RECOVERY', '3:14', 'queue.bugs.on_exhaust', '"requeue" cannot be used in queue.on_exhaust'],
];

// prettier-ignore
const PATTERNS: Row[] = [
  ['patterns/whitespace', 'BAD_PATTERN', '11:27', 'worker.bugfix.wake_on[1]', 'event pattern "bug created" contains whitespace', 'noun:verb'],
  ['patterns/no-colon', 'BAD_PATTERN', '11:12', 'worker.bugfix.wake_on[0]', 'event pattern "created" has no ":"'],
  ['patterns/empty-segment', 'BAD_PATTERN', '11:12', 'worker.bugfix.wake_on[0]', 'event pattern "bug::x" has an empty segment'],
  ['patterns/bad-placeholder', 'BAD_PATTERN', '3:12', 'guard.after_merged.wake_on[0]', 'has an invalid segment "{after"'],
  ['patterns/not-a-list', 'WRONG_TYPE', '11:11', 'worker.bugfix.wake_on', '"wake_on" must be a list'],
];

// prettier-ignore
const CONFLICTS: Row[] = [
  ['conflicts/phase-run-agent', 'CONFLICT', '9:1', 'pipeline.fix.phase[0].agent', 'phase "fix" sets both "run" and "agent"', 'split it into two phases'],
  ['conflicts/monitor-response-action', 'CONFLICT', '4:1', 'monitor.stale_locks.action', 'sets both response and action'],
  ['conflicts/agent-prompt-file', 'CONFLICT', '4:1', 'agent.plan.prompt_file', 'agent "plan" sets both prompt and prompt_file'],
  ['conflicts/attempt-run-agent', 'CONFLICT', '7:1', 'strategy.merge.attempt[0]', 'attempt "agent-resolve" must set exactly one of run or agent'],
  ['conflicts/guard-on-timeout', 'CONFLICT', '3:1', 'guard.tests_pass.on_timeout', 'sets on_timeout but no timeout'],
  ['conflicts/queue-poll', 'CONFLICT', '2:1', 'queue.bugs.poll', 'sets poll but has no source'],
  ['conflicts/idle-without-heartbeat', 'CONFLICT', '5:1', 'agent.fix.idle_timeout', 'sets idle_timeout but heartbeat = "none"'],
];

// prettier-ignore
const NAMES: Row[] = [
  ['names/duplicate-phase', 'DUPLICATE_NAME', '7:8', 'pipeline.fix.phase[1].name', 'pipeline "fix" already has a phase "fix"'],
  ['names/reserved-done', 'BAD_NAME', '7:8', 'pipeline.fix.phase[1].name', 'phase name "done" is reserved'],
  ['names/reserved-action', 'BAD_NAME', '7:8', 'pipeline.fix.phase[1].name', 'phase name "escalate" is reserved'],
  ['names/uppercase-phase', 'BAD_NAME', '7:8', 'pipeline.fix.phase[1].name', 'phase name "Verify" is not valid', 'lowercase'],
  ['names/quoted-primitive', 'BAD_NAME', '3:1', 'pipeline["fix it"]', 'pipeline name "fix it" is not valid'],
  ['names/digit-primitive', 'BAD_NAME', '3:1', 'queue.1bugs', 'queue name "1bugs" is not valid', 'names start with a letter'],
  ['names/duplicate-attempt', 'DUPLICATE_NAME', '7:8', 'strategy.merge.attempt[1].name', 'strategy "merge" already has an attempt "rebase"'],
  ['names/input', 'BAD_NAME', '2:18', 'pipeline.fix.inputs[1]', 'input name "bug-id" is not valid'],
];

// prettier-ignore
const SYNTAX: Row[] = [
  ['syntax/unterminated-string', 'TOML_SYNTAX', '2:25', '', /unterminated|unfinished/, 'fix the TOML syntax first'],
  ['syntax/unterminated-multiline', 'TOML_SYNTAX', '3:10', '', /unterminated|unfinished/],
  ['syntax/duplicate-key', 'TOML_SYNTAX', '3:1', '', 'invalid TOML: trying to redefine an already defined table or value'],
  ['syntax/duplicate-table', 'TOML_SYNTAX', '4:2', '', 'invalid TOML: trying to redefine an already defined table or value'],
  ['syntax/missing-value', 'TOML_SYNTAX', '2:9', '', 'invalid TOML: invalid value'],
  ['syntax/unclosed-header', 'TOML_SYNTAX', '1:12', '', 'invalid TOML:'],
];

const FAMILIES: [string, Row[]][] = [
  ['unknown keys, at every depth, are reported at the key', UNKNOWN_KEYS],
  ['bad durations are reported at the value', DURATIONS],
  ['dangling references are reported at the reference, with the closest name', REFERENCES],
  ['phases no route leads to are reported at their name', UNREACHABLE],
  ['bad argument specs are reported where they are written', ARG_SPECS],
  ['values of the wrong type are reported at the value', WRONG_TYPES],
  ['missing required keys are reported at the table that lacks them', MISSING_KEYS],
  ['template errors are reported at their line and column in the runbook', TEMPLATES],
  ['unknown {variables} are reported at the placeholder', VARIABLES],
  ['bad recovery chains are reported at the offending step', RECOVERY],
  ['malformed wake_on patterns are reported at the pattern', PATTERNS],
  ['conflicting keys are reported at the second key', CONFLICTS],
  ['bad and duplicate names are reported at the name', NAMES],
  ['TOML syntax errors are reported where the parser stops', SYNTAX],
];

describe.each(FAMILIES)('%s', (_family, rows) => {
  it.each(table(rows))('%s', (_title, c) => {
    assertOnly(checkFixture(c.fixture), c);
  });
});

// Runbooks compiled together: references across files and names that must be unique in a project.
// prettier-ignore
const PROJECTS: [file: string, ...Row][] = [
  ['a.toml', 'multi/elsewhere', 'UNKNOWN_REFERENCE', '5:11', 'worker.bugfix.handler', 'pipeline "fix" is not defined', 'it is defined in runbook "b": write "b.fix"'],
  ['ops.toml', 'multi/no-runbook', 'UNKNOWN_REFERENCE', '5:11', 'worker.bugfix.handler', 'pipeline "bugfx.fix" is not defined: no runbook "bugfx"', 'did you mean "bugfix.fix"?'],
  ['ops.toml', 'multi/no-name', 'UNKNOWN_REFERENCE', '5:11', 'worker.bugfix.handler', 'pipeline "bugfix.fixx" is not defined in runbook "bugfix"', 'did you mean "fix"?'],
  ['b.toml', 'multi/duplicate-command', 'DUPLICATE_NAME', '3:1', 'command.build', 'command "build" is also defined in runbook "a"', 'rename one'],
  ['b.toml', 'multi/duplicate-worker', 'DUPLICATE_NAME', '8:1', 'worker.bugfix', 'worker "bugfix" is also defined in runbook "a"'],
  ['templates/plan.md', 'multi/prompt-file', 'TEMPLATE_SYNTAX', '5:1', 'agent.plan.prompt_file', 'template:'],
];

describe('runbooks checked together', () => {
  const cases = PROJECTS.map(([file, ...row]): [string, Case & { file: string }] => {
    const c = toCase(row);
    return [`${c.fixture} reports ${c.code} in ${file} at ${c.at} ${c.path}`, { ...c, file }];
  });
  it.each(cases)('%s', (_title, c) => {
    assertOnly(checkProject(c.fixture), c, c.file);
  });
});

describe('a whole file is checked in one run', () => {
  const text = [
    '[queue.bugs]', //                       1
    'order = "lifo"', //                     2  bad enum value
    '',
    '[agent.fix]', //                        4
    'command = "claude --print"',
    'prompt = "Fix {bug.title}"',
    'on_stuck = ["nudge", "retsart"]', //    7  bad recovery step
    '',
    '[guard.tests_pass]',
    'condition = "make test"',
    'timeout = "5 minutes"', //              11 bad duration
    '',
    '[pipeline.fix]',
    'inputs = ["bug"]',
    '[[pipeline.fix.phase]]',
    'name = "fix"',
    'agent = "fixx"', //                     17 dangling reference
    'post = ["tests_pass"]',
    '',
    '[worker.bugfix]', //                    20 missing queue
    'handler = "fix"',
  ].join('\n');

  it('reports every problem of every entry, in file order', () => {
    const parsed = parseRunbook(text, 'test.toml', 'test');
    const { issues } = compileRunbooks([parsed], { readTemplate: () => undefined });
    expect(issues.map((i) => `${i.line}:${i.col} ${i.code} ${i.path}`)).toEqual([
      '2:9 BAD_VALUE queue.bugs.order',
      '7:22 BAD_RECOVERY agent.fix.on_stuck[1]',
      '11:11 BAD_DURATION guard.tests_pass.timeout',
      '17:9 UNKNOWN_REFERENCE pipeline.fix.phase[0].agent',
      '20:1 MISSING_KEY worker.bugfix.queue',
    ]);
  });
});

describe('valid runbooks', () => {
  // The runbook document's own examples, put together so every reference resolves.
  const text = `
[command.build]
args = "<name> <prompt>"
run = """
oj queue add builds name={name} prompt={prompt}
oj worker wake bugfix
"""

[command.deploy]
args = "<env> [--tag <version>] [--force] [targets...]"
aliases = { f = "force", t = "tag" }
defaults = { tag = "latest" }
run = "deploy {env} --tag {tag} {targets}"

[worker.bugfix]
queue = "bugs"
handler = "pipeline.fix"
concurrency = 1
idle_action = "wait:30s"
wake_on = ["bug:created", "bug:prioritized"]

[cron.watchdog]
interval = "30s"
monitors = ["agent_idle", "stale_locks"]

[queue.bugs]
source = "wk list -l bug -s todo --json"
order = "priority"
visibility_timeout = "30m"
max_retries = 2
on_exhaust = "dead"

[queue.bugs.dead]
retention = "7d"

[pipeline.fix]
inputs = ["bug"]

[[pipeline.fix.phase]]
name = "setup"
run = "git worktree add {workspace} -b {branch}"
next = "fix"

[[pipeline.fix.phase]]
name = "fix"
agent = "fix"
semaphore = "agents"
post = ["tests_pass"]
next = "merge"
on_fail = "escalate"

[[pipeline.fix.phase]]
name = "merge"
strategy = "merge"
lock = "main_branch"

[agent.fix]
command = "claude --print"
prompt = "Fix the bug: {bug.description}"
cwd = "{workspace}"
timeout = "1h"
idle_timeout = "3m"
heartbeat = "output"
on_stuck = ["nudge", "restart"]
on_timeout = "escalate"

[agent.conflict_resolution]
command = "claude --print"
prompt = """
# {{ name }}
{% for line in bug.lines %}
- {{ line }}
{% endfor %}
Work in \`{{ workspace }}/\`.
"""

[guard.tests_pass]
condition = "make test"
retry = { max = 3, interval = "10s" }
timeout = "5m"
on_timeout = "escalate"

[strategy.merge]
checkpoint = "git rev-parse HEAD"
on_exhaust = "escalate"

[[strategy.merge.attempt]]
name = "fast-forward"
run = "git merge --ff-only FETCH_HEAD"
timeout = "1m"

[[strategy.merge.attempt]]
name = "agent-resolve"
agent = "conflict_resolution"
timeout = "30m"
rollback = "git reset --hard {checkpoint}"

[lock.main_branch]
timeout = "30m"
heartbeat = "30s"
on_stale = ["release", "rollback", "escalate"]

[semaphore.agents]
max = 4
slot_timeout = "2h"
slot_heartbeat = "1m"
on_orphan = "reclaim"
on_orphan_work = "requeue"

[monitor.agent_idle]
source = "oj pipeline list --phase execute --json"
condition = "oj session idle-time {session} > 5m"
response = ["nudge", "restart:2", "escalate"]

[monitor.stale_locks]
source = "oj lock list --json"
condition = "oj lock is-stale {id}"
action = "oj lock force-release {id}"

[action.nudge]
run = "oj session nudge {session}"
cooldown = "30s"

[events]
on_phase_change = "oj emit pipeline:phase --id {name} --phase {phase}"
on_complete = "oj emit pipeline:complete --id {name}"
`;

  it('compile the runbook document examples without a single issue', () => {
    const parsed = parseRunbook(text, 'test.toml', 'test');
    const { project, issues } = compileRunbooks([parsed], { readTemplate: () => undefined });
    expect(issues.map(formatIssue)).toEqual([]);
    expect(project.pipeline['test.fix']?.phases.map((p) => p.name)).toEqual([
      'setup',
      'fix',
      'merge',
    ]);
  });

  it('resolve references to another runbook written as runbook.name and runbook.kind.name', () => {
    const bugfix = parseRunbook(
      readFileSync(join(FIXTURES, 'multi/elsewhere/b.toml'), 'utf8'),
      'bugfix.toml',
      'bugfix',
    );
    const ops = parseRunbook(
      [
        '[queue.bugs]',
        '',
        '[worker.a]',
        'queue = "bugs"',
        'handler = "bugfix.fix"',
        '',
        '[worker.b]',
        'queue = "bugs"',
        'handler = "bugfix.pipeline.fix"',
      ].join('\n'),
      'ops.toml',
      'ops',
    );
    const { project, issues } = compileRunbooks([bugfix, ops], { readTemplate: () => undefined });
    expect(issues.map(formatIssue)).toEqual([]);
    expect([project.worker['ops.a']?.handler, project.worker['ops.b']?.handler]).toEqual([
      'bugfix.fix',
      'bugfix.fix',
    ]);
  });
});

describe('oj runbook check', () => {
  const projects: string[] = [];
  const project = (files: Record<string, string>) => {
    const root = makeProject(files);
    projects.push(root);
    return root;
  };
  afterAll(() => {
    for (const root of projects) rmSync(root, { recursive: true, force: true });
  });
  const fixture = (name: string) => readFileSync(join(FIXTURES, `${name}.toml`), 'utf8');

  it.each([
    [
      'refs/phase-post',
      '.oj/runbooks/x.toml:12:9: pipeline.fix.phase[1].post[0]: guard "test_pass" is not defined (did you mean "tests_pass"?)',
    ],
    [
      'keys/inline-table-key',
      '.oj/runbooks/x.toml:3:20: guard.tests_pass.retry.intervall: unknown key "intervall"',
    ],
    ['syntax/duplicate-key', '.oj/runbooks/x.toml:3:1: invalid TOML'],
  ])('exits 2 and prints file:line:col for %s', (name, line) => {
    const result = runOj(['runbook', 'check'], { cwd: project({ 'x.toml': fixture(name) }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(line);
    expect(result.stderr).toContain('1 problem in 1 file');
  });

  it('reports problems of several files, each with its own file name', () => {
    const root = project({
      'a.toml': fixture('multi/duplicate-command/a'),
      'b.toml': fixture('multi/duplicate-command/b'),
      'c.toml': fixture('durations/spaces'),
    });
    const result = runOj(['runbook', 'check'], { cwd: root });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '.oj/runbooks/b.toml:3:1: command.build: command "build" is also defined in runbook "a"',
    );
    expect(result.stderr).toContain(
      '.oj/runbooks/c.toml:3:11: agent.fix.timeout: invalid duration "5 minutes"',
    );
    expect(result.stderr).toContain('2 problems in 2 files');
  });

  it('exits 0 for a valid project', () => {
    const result = runOj(['runbook', 'check'], {
      cwd: project({
        'bugfix.toml': fixture('multi/elsewhere/b'),
        'ops.toml': fixture('multi/elsewhere/a').replace('"fix"', '"bugfix.fix"'),
      }),
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ok: 2 runbooks');
  });
});

// The fixture tree and the tables must agree, so no fixture silently goes unchecked.
describe('fixtures', () => {
  it('every invalid fixture appears in a table', () => {
    const listed = new Set([
      ...FAMILIES.flatMap(([, rows]) => rows.map((r) => r[0])),
      ...PROJECTS.map((r) => r[1]),
    ]);
    const onDisk = readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.toml'))
      .map((f) => (f.startsWith('multi/') ? dirname(f) : f.slice(0, -'.toml'.length)));
    expect([...new Set(onDisk)].filter((f) => !listed.has(f))).toEqual([]);
  });
});
