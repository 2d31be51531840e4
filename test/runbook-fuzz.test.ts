// Property tests for the runbook loader: whatever text it is given (random, mutated, generated,
// deeply nested or huge), parse + compile returns well-formed issues and never throws; valid
// generated runbooks compile without issues, the same way every time.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileRunbooks,
  formatIssue,
  KINDS,
  parseRunbook,
  toCanonicalJson,
} from '../src/runbook/index.js';
import type { CompileDeps, Project, RunbookIssue } from '../src/runbook/index.js';
import { ISSUE_CODES } from '../src/runbook/errors.js';

const FILE = 'fuzz.toml';
const NO_TEMPLATES: CompileDeps = { readTemplate: () => undefined };

/** The loader's hashing, as the CLI injects it. */
const HASHING: CompileDeps = {
  readTemplate: () => undefined,
  hash: (text) => `sha256:${createHash('sha256').update(text).digest('hex')}`,
};

/** `kind:qualified` → hash of every compiled definition. */
function definitionHashes(project: Project): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const kind of KINDS) {
    for (const [name, def] of Object.entries(project[kind])) out[`${kind}:${name}`] = def.hash;
  }
  return out;
}

function load(text: string, deps: CompileDeps = NO_TEMPLATES) {
  return compileRunbooks([parseRunbook(text, FILE, 'fuzz')], deps);
}

/** Throws (so fast-check shrinks and reports the input) unless every issue is well-formed. */
function checkIssues(text: string, issues: readonly RunbookIssue[]): void {
  const lines = text.split(/\r\n|\n/);
  let previous = 0;
  for (const issue of issues) {
    const shown = formatIssue(issue);
    if (!(ISSUE_CODES as readonly string[]).includes(issue.code))
      throw new Error(`unknown code: ${shown}`);
    if (issue.file !== FILE) throw new Error(`wrong file: ${shown}`);
    if (!Number.isInteger(issue.line) || !Number.isInteger(issue.col))
      throw new Error(`non-integer position: ${shown}`);
    if (issue.line < 1 || issue.col < 1) throw new Error(`position before the file: ${shown}`);
    // A position an editor can jump to: inside the file, at most one past the end of its line.
    const line = lines[issue.line - 1];
    if (line === undefined)
      throw new Error(`line past the end of the file (${lines.length} lines): ${shown}`);
    if (issue.col > line.length + 1)
      throw new Error(`col past the end of line ${issue.line} (${line.length} chars): ${shown}`);
    if (typeof issue.message !== 'string' || issue.message.trim() === '')
      throw new Error(`empty message: ${shown}`);
    if (typeof issue.path !== 'string') throw new Error(`path is not a string: ${shown}`);
    if (issue.hint !== undefined && (typeof issue.hint !== 'string' || issue.hint.trim() === ''))
      throw new Error(`empty hint: ${shown}`);
    if (issue.line < previous) throw new Error(`issues out of file order at ${shown}`);
    previous = issue.line;
  }
}

/** The property every input must satisfy: loading returns issues, never throws. */
function loadsCleanly(text: string, deps?: CompileDeps): void {
  const { issues } = load(text, deps);
  checkIssues(text, issues);
}

// ---- seeds: realistic runbooks that must compile without issues -----------------------------

const BUGFIX = `
[command.bug]
description = "File a bug and wake the fixer"
args = "<title> [--priority <p>] [--urgent]"
aliases = { p = "priority", u = "urgent" }
defaults = { priority = "2" }
run = """
oj queue add bugs title={title} priority={priority}
oj worker wake bugfix
"""

[worker.bugfix]
queue = "bugs"
handler = "pipeline.fix"
concurrency = 2
idle_action = "wait:30s"
wake_on = ["bug:created", "bug:prioritized"]

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
idempotent = true

[[pipeline.fix.phase]]
name = "fix"
agent = "fix"
semaphore = { name = "agents", weight = 1 }
pre = ["clean_tree"]
post = ["tests_pass"]
on_fail = "escalate"
timeout = "2h"

[[pipeline.fix.phase]]
name = "merge"
run = "git merge --ff-only {branch}"
lock = "main_branch"
next = "done"
on_fail = "setup"

[agent.fix]
command = "claude --print"
prompt = "Fix the bug: {bug.description}"
cwd = "{workspace}"
timeout = "1h"
idle_timeout = "3m"
on_stuck = ["nudge", "restart:2", "escalate"]
on_timeout = "escalate"

[guard.tests_pass]
condition = "make -C {workspace} test"
retry = { max = 3, interval = "10s" }
timeout = "5m"
on_timeout = "escalate"

[guard.clean_tree]
condition = "test -z \\"$(git -C {workspace} status --porcelain)\\""

[lock.main_branch]
timeout = "30m"
heartbeat = "30s"
on_stale = ["release", "escalate"]

[semaphore.agents]
max = 4
slot_timeout = "2h"
on_orphan = "reclaim"
on_orphan_work = "requeue"

[events]
on_phase_change = "oj emit pipeline:phase --id {name} --phase {phase}"
on_complete = "oj emit pipeline:complete --id {name}"
`;

const BUILD = `
[command.build]
args = "<name> <prompt>"
run = { pipeline = "build" }

[pipeline.build]
inputs = ["name", "prompt"]
max_visits = 3
on_cancel = "git worktree remove --force {workspace}"

[[pipeline.build.phase]]
name = "plan"
agent = "planner"
inputs = [{ name = "notes", source = "cat plans/{name}.md" }]

[[pipeline.build.phase]]
name = "execute"
agent = "executor"

[[pipeline.build.phase]]
name = "merge"
strategy = "merge"
lock = "main"

[agent.planner]
command = "claude --print"
prompt = """
# {{ name }}

{% for line in notes %}
- {{ line }}
{% endfor %}
{{ prompt }}
"""

[agent.executor]
command = "codex exec"
prompt = "Build {name}: {prompt}"
heartbeat = "output"
on_exit = "restart:1"

[agent.resolver]
command = "claude --print"
prompt = "Resolve the conflicts in {workspace}"

[strategy.merge]
checkpoint = "git rev-parse HEAD"
on_exhaust = "escalate"

[[strategy.merge.attempt]]
name = "fast-forward"
run = "git merge --ff-only FETCH_HEAD"
timeout = "1m"

[[strategy.merge.attempt]]
name = "rebase"
run = "git rebase origin/main"
timeout = "5m"
rollback = "git rebase --abort; git reset --hard {checkpoint}"

[[strategy.merge.attempt]]
name = "agent-resolve"
agent = "resolver"
timeout = "30m"
rollback = "git reset --hard {checkpoint}"

[lock.main]
`;

const WATCHDOG = `
[cron.watchdog]
interval = "30s"
monitors = ["agent_idle", "stale_locks"]

[cron.janitor]
interval = "1h"
run = "git worktree prune"

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

[action.restart]
run = """
oj session kill {session}
oj pipeline resume {name}
"""
cooldown = "5m"
max_attempts = 2
`;

const SEEDS = [BUGFIX, BUILD, WATCHDOG];

describe('seed runbooks', () => {
  it.each(SEEDS.map((text, i) => [i, text] as const))(
    'seed %i compiles without issues',
    (_i, text) => {
      expect(load(text).issues.map(formatIssue)).toEqual([]);
    },
  );
});

// ---- generators -----------------------------------------------------------------------------

const KNOWN_KEYS = [
  ...['description', 'args', 'aliases', 'defaults', 'run', 'queue', 'handler', 'concurrency'],
  ...['idle_action', 'wake_on', 'interval', 'monitors', 'source', 'poll', 'order', 'dead'],
  ...['visibility_timeout', 'max_retries', 'on_exhaust', 'retention', 'inputs', 'max_visits'],
  ...['on_cancel', 'phase', 'name', 'agent', 'strategy', 'pre', 'post', 'lock', 'semaphore'],
  ...['weight', 'next', 'on_fail', 'timeout', 'idempotent', 'command', 'driver', 'prompt'],
  ...['prompt_file', 'cwd', 'env', 'idle_timeout', 'heartbeat', 'on_stuck', 'on_timeout'],
  ...['on_exit', 'condition', 'retry', 'max', 'checkpoint', 'attempt', 'rollback', 'on_stale'],
  ...['slot_timeout', 'slot_heartbeat', 'on_orphan', 'on_orphan_work', 'response', 'action'],
  ...['cooldown', 'max_attempts', 'on_start', 'on_phase_change', 'on_complete', 'on_escalate'],
];
const SECTIONS = ['command', 'worker', 'cron', 'queue', 'pipeline', 'agent', 'guard', 'strategy'];
const ALL_SECTIONS = [...SECTIONS, 'lock', 'semaphore', 'monitor', 'action', 'events'];

/** Values a runbook author might plausibly write, good and bad, as TOML literals. */
const VALUE_LITERALS = [
  ...['"30s"', '"5 minutes"', '"5w"', '"-1s"', '""', '"0s"', '"1h30m"', '"wait:30s"', '"stop"'],
  ...['"fix"', '"bugs"', '"pipeline.fix"', '"queue.bugs"', '"std.merge.main"', '"a..b"', '"."'],
  ...['"escalate"', '"restart:0"', '"restart:2"', '"escalate:2"', '["nudge", "retsart"]', '[]'],
  ...['"bug:created"', '"bug created"', '["bug::x"]', '["pipeline:{after}:merged"]'],
  ...['"{workspace}"', '"{nope}"', '"{% for x in %}"', '"{{ x"', '"{{ a | nosuch }}"'],
  ...['"<env> [--tag <v>] [files...]"', '"<env"', '"[a] <b>"', '"--help"', '"${HOME} {a.b}"'],
  ...['0', '1', '-1', '2.5', 'nan', 'inf', 'true', 'false', '1979-05-27T07:32:00Z', '07:32:00'],
  ...['{ max = 3, interval = "1s" }', '{ name = "agents", weight = 0 }', '{ pipeline = "x" }'],
  ...['[{ name = "a", source = "b" }]', '{ f = "force" }', '[1, "a", [true]]', '{}', '[[]]'],
];

const identifier = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'),
);
const key = fc.oneof(fc.constantFrom(...KNOWN_KEYS), identifier, fc.string({ maxLength: 6 }));
const valueLiteral = fc.oneof(
  fc.constantFrom(...VALUE_LITERALS),
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
);
const tomlish = fc.string({
  unit: fc.constantFrom(...'[]{}="\'\n.,#:<>%\\ abcdefgpqr019_-'.split('')),
  maxLength: 300,
});

type Mutation =
  | { op: 'deleteLine' | 'duplicateLine'; at: number }
  | { op: 'swapLines'; at: number; other: number }
  | { op: 'insertLine'; at: number; text: string }
  | { op: 'deleteChars'; at: number; count: number }
  | { op: 'insertChars'; at: number; text: string }
  | { op: 'renameKey' | 'swapValue'; at: number; text: string };

const at = fc.nat({ max: 100_000 });
const insertedLine = fc.oneof(
  fc.constantFrom(
    '[pipeline.fix]',
    '[[pipeline.fix.phase]]',
    '[queue.bugs.dead]',
    '[events]',
    '[agent.fix]',
    'name = "x"',
    'next = "done"',
    '  ',
    '# note',
    '[[pipeline.build.phase]]',
  ),
  key.chain((k) => valueLiteral.map((v) => `${k} = ${v}`)),
  tomlish.map((s) => s.slice(0, 40)),
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom('deleteLine' as const, 'duplicateLine' as const), at }),
  fc.record({ op: fc.constant('swapLines' as const), at, other: at }),
  fc.record({ op: fc.constant('insertLine' as const), at, text: insertedLine }),
  fc.record({ op: fc.constant('deleteChars' as const), at, count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    op: fc.constant('insertChars' as const),
    at,
    text: fc.oneof(
      tomlish.map((s) => s.slice(0, 4)),
      fc.string({ unit: 'binary', maxLength: 3 }),
    ),
  }),
  fc.record({ op: fc.constant('renameKey' as const), at, text: key }),
  fc.record({ op: fc.constant('swapValue' as const), at, text: valueLiteral }),
);

/** Applies one mutation; positions wrap around so every mutation applies to any text. */
function mutate(text: string, m: Mutation): string {
  const lines = text.split('\n');
  const line = (n: number) => n % lines.length;
  switch (m.op) {
    case 'deleteLine':
      lines.splice(line(m.at), 1);
      return lines.join('\n');
    case 'duplicateLine':
      lines.splice(line(m.at), 0, lines[line(m.at)] ?? '');
      return lines.join('\n');
    case 'swapLines': {
      const [a, b] = [line(m.at), line(m.other)];
      [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
      return lines.join('\n');
    }
    case 'insertLine':
      lines.splice(line(m.at), 0, m.text);
      return lines.join('\n');
    case 'deleteChars': {
      const i = m.at % (text.length + 1);
      return text.slice(0, i) + text.slice(i + m.count);
    }
    case 'insertChars': {
      const i = m.at % (text.length + 1);
      return text.slice(0, i) + m.text + text.slice(i);
    }
    case 'renameKey':
    case 'swapValue': {
      // The m.at-th `key = value` line (wrapping): rename its key or replace its value.
      const assignments = lines.flatMap((l, i) => (/^\s*[A-Za-z0-9_"-]+\s*=/.test(l) ? [i] : []));
      if (assignments.length === 0) return text;
      const i = assignments[m.at % assignments.length] ?? 0;
      const [, lhs = '', rhs = ''] = /^([^=]*)=(.*)$/.exec(lines[i] ?? '') ?? [];
      lines[i] = m.op === 'renameKey' ? `${m.text} =${rhs}` : `${lhs}= ${m.text}`;
      return lines.join('\n');
    }
  }
}

// ---- a tiny TOML serialiser for generated documents -----------------------------------------

type TomlValue = string | number | boolean | Raw | TomlValue[] | { [key: string]: TomlValue };

/** A literal written as-is (dates, times, special floats). */
class Raw {
  constructor(readonly text: string) {}
}

function tomlKey(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k);
}

function isTable(v: TomlValue): v is { [key: string]: TomlValue } {
  return typeof v === 'object' && !Array.isArray(v) && !(v instanceof Raw);
}

function inline(v: TomlValue): string {
  if (v instanceof Raw) return v.text;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number')
    return Number.isNaN(v) ? 'nan' : Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : '-inf';
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(inline).join(', ')}]`;
  return `{ ${Object.entries(v)
    .map(([k, x]) => `${tomlKey(k)} = ${inline(x)}`)
    .join(', ')} }`;
}

/** Serialises a table: plain keys first, then sub-tables, then arrays of tables. */
function toToml(table: { [key: string]: TomlValue }, path: string[] = []): string {
  const header = path.map(tomlKey).join('.');
  const out: string[] = [];
  const later: string[] = [];
  for (const [k, v] of Object.entries(table)) {
    if (isTable(v))
      later.push(`[${[header, tomlKey(k)].filter(Boolean).join('.')}]\n${toToml(v, [...path, k])}`);
    else if (Array.isArray(v) && v.length > 0 && v.every(isTable)) {
      for (const item of v)
        later.push(
          `[[${[header, tomlKey(k)].filter(Boolean).join('.')}]]\n${toToml(item, [...path, k])}`,
        );
    } else out.push(`${tomlKey(k)} = ${inline(v)}`);
  }
  return [...out, ...later].join('\n') + '\n';
}

const scalar: fc.Arbitrary<TomlValue> = fc.oneof(
  fc.constantFrom<TomlValue>(
    '30s',
    'fix',
    'bugs',
    'escalate',
    'restart:2',
    'bug:created',
    '{workspace}',
    '{nope}',
    '',
    '<env> [--f]',
    'make test',
    '{{ x }}',
  ),
  fc.string({ maxLength: 16 }),
  fc.integer({ min: -3, max: 1000 }),
  fc.double(),
  fc.boolean(),
  fc.constantFrom(new Raw('1979-05-27T07:32:00Z'), new Raw('1979-05-27'), new Raw('07:32:00')),
);
const { value } = fc.letrec<{ value: TomlValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
}));
const entry = fc.dictionary(key, value, { maxKeys: 8 });
const phases = fc.array(entry, { minLength: 0, maxLength: 4 });
/** A document of sections (mostly real kinds) holding named entries of random keys and values. */
const randomDocument = fc.dictionary(
  fc.oneof(fc.constantFrom(...ALL_SECTIONS), identifier),
  fc.dictionary(
    fc.oneof(identifier, fc.string({ maxLength: 5 })),
    fc
      .tuple(entry, phases, fc.constantFrom('phase', 'attempt', 'dead'))
      .map(([e, list, sub]): TomlValue => (list.length ? { ...e, [sub]: list } : e)),
    { maxKeys: 3 },
  ),
  { maxKeys: 5 },
);

// ---- valid runbooks from known-good pieces --------------------------------------------------

const DURATIONS = ['200ms', '30s', '5m', '2h', '7d', '1h30m'];
const PHASE_NAMES = ['setup', 'plan', 'fix', 'verify', 'merge', 'cleanup'];

const validRunbook = fc
  .record({
    pipelines: fc.uniqueArray(fc.constantFrom('fix', 'build', 'ship', 'triage'), {
      minLength: 1,
      maxLength: 3,
    }),
    phaseCount: fc.integer({ min: 1, max: PHASE_NAMES.length }),
    inputs: fc.subarray(['bug', 'title', 'prompt']),
    useAgent: fc.boolean(),
    useGuard: fc.boolean(),
    useLock: fc.boolean(),
    useSemaphore: fc.boolean(),
    onFail: fc.constantFrom(undefined, 'escalate', ['restart:2', 'escalate'], 'first-phase'),
    endsDone: fc.boolean(),
    duration: fc.constantFrom(...DURATIONS),
    chain: fc.subarray(['nudge', 'restart:3', 'escalate']),
    order: fc.constantFrom('fifo', 'priority'),
    concurrency: fc.integer({ min: 1, max: 8 }),
    wakeOn: fc.subarray(['bug:created', 'pipeline:*', 'pipeline:{name}:done']),
    maxSlots: fc.integer({ min: 1, max: 10 }),
    args: fc.constantFrom('<name>', '<name> [--force]', '<name> [--tag <v>] [rest...]', '[name]'),
    withCron: fc.boolean(),
  })
  .map((r) => {
    const doc: { [key: string]: TomlValue } = {};
    const section = (kind: string) => (doc[kind] ??= {}) as { [key: string]: TomlValue };
    const phaseNames = PHASE_NAMES.slice(0, r.phaseCount);
    if (r.useAgent)
      section('agent').worker = {
        command: 'claude --print',
        prompt: 'Work on {name} in {workspace}',
        timeout: r.duration,
        on_stuck: r.chain.length ? r.chain : 'escalate',
      };
    if (r.useGuard)
      section('guard').ready = {
        condition: 'test -d {workspace}',
        retry: { max: 2, interval: r.duration },
        timeout: '5m',
        on_timeout: 'escalate',
      };
    if (r.useLock)
      section('lock').main = { timeout: r.duration, on_stale: ['release', 'escalate'] };
    if (r.useSemaphore) section('semaphore').slots = { max: r.maxSlots, slot_timeout: '2h' };
    section('queue').items = {
      source: 'wk list --json',
      order: r.order,
      visibility_timeout: r.duration,
      dead: { retention: '7d' },
    };
    for (const name of r.pipelines) {
      const phase = phaseNames.map((p, i): TomlValue => {
        const ph: { [key: string]: TomlValue } = { name: p };
        if (i === 0 && r.useAgent) ph.agent = 'worker';
        else ph.run = `echo ${['{name}', ...r.inputs.map((x) => `{${x}}`)].join(' ')}`;
        if (r.useGuard) ph.post = ['ready'];
        if (r.useLock && i === phaseNames.length - 1) ph.lock = 'main';
        if (r.useSemaphore && i === 0) ph.semaphore = { name: 'slots', weight: 1 };
        if (r.onFail === 'first-phase') ph.on_fail = phaseNames[0] ?? 'escalate';
        else if (r.onFail !== undefined) ph.on_fail = r.onFail;
        if (r.endsDone && i === phaseNames.length - 1) ph.next = 'done';
        return ph;
      });
      section('pipeline')[name] = { ...(r.inputs.length ? { inputs: r.inputs } : {}), phase };
      section('worker')[`${name}-worker`] = {
        queue: 'items',
        handler: name,
        concurrency: r.concurrency,
        wake_on: r.wakeOn,
        idle_action: `wait:${r.duration}`,
      };
    }
    section('command').go = { args: r.args, run: 'echo {name}' };
    if (r.withCron) {
      section('monitor').stuck = {
        source: 'oj pipeline list --json',
        response: ['nudge', 'restart:2', 'escalate'],
      };
      section('cron').watch = { interval: r.duration, monitors: ['stuck'] };
    }
    return toToml(doc);
  });

// ---- properties -----------------------------------------------------------------------------

describe('the runbook loader never throws and only returns well-formed issues', () => {
  it('for random strings of any unicode', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => loadsCleanly(text)),
      { numRuns: 1000 },
    );
  });

  it('for random strings of grapheme clusters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), (text) => loadsCleanly(text)),
      { numRuns: 500 },
    );
  });

  it('for random strings of TOML punctuation', () => {
    fc.assert(
      fc.property(tomlish, (text) => loadsCleanly(text)),
      { numRuns: 1000 },
    );
  });

  it('for mutations of valid runbooks', () => {
    const arb = fc.tuple(
      fc.constantFrom(...SEEDS),
      fc.array(mutation, { minLength: 1, maxLength: 6 }),
    );
    fc.assert(
      fc.property(arb, ([seed, mutations]) => loadsCleanly(mutations.reduce(mutate, seed))),
      { numRuns: 1000 },
    );
  });

  it('for mutated runbooks whose prompt_file templates are random text', () => {
    const arb = fc.tuple(
      fc.array(mutation, { maxLength: 3 }),
      fc.oneof(tomlish, fc.string({ maxLength: 60 })),
    );
    fc.assert(
      fc.property(arb, ([mutations, template]) => {
        const text = mutations.reduce(
          mutate,
          BUILD.replace('prompt = "Build {name}: {prompt}"', 'prompt_file = "t.md"'),
        );
        const deps: CompileDeps = { readTemplate: () => ({ file: FILE, text: template }) };
        const { issues } = load(text, deps);
        // Template issues are positioned in the template, so only code and message are checked.
        for (const issue of issues) {
          expect(ISSUE_CODES).toContain(issue.code);
          expect(issue.message.trim()).not.toBe('');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('for generated documents of random sections, keys and values', () => {
    fc.assert(
      fc.property(randomDocument, (doc) => {
        const text = toToml(doc);
        const { issues } = load(text);
        checkIssues(text, issues);
        if (issues.some((i) => i.code === 'TOML_SYNTAX')) return;
        // Every section that is not a primitive kind is reported by name.
        for (const section of Object.keys(doc).filter((s) => !ALL_SECTIONS.includes(s))) {
          const path = /^[A-Za-z0-9_-]+$/.test(section) ? section : `[${JSON.stringify(section)}]`;
          expect(issues.map((i) => `${i.code} ${i.path}`)).toContain(`UNKNOWN_KEY ${path}`);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('for deeply nested values and very long keys, headers and strings', () => {
    const shapes = fc.oneof(
      fc
        .integer({ min: 1, max: 3000 })
        .map((n) => `[queue.bugs]\nsource = ${'['.repeat(n)}${']'.repeat(n)}\n`),
      fc
        .integer({ min: 1, max: 1000 })
        .map(
          (n) => `[agent.fix]\ncommand = "c"\nenv = ${'{ a = '.repeat(n)}"x"${' }'.repeat(n)}\n`,
        ),
      fc
        .integer({ min: 1, max: 1000 })
        .map(
          (n) =>
            `[guard.g]\ncondition = "x"\n${Array.from({ length: n }, (_, i) => `k${i}`).join('.')} = 1\n`,
        ),
      fc.integer({ min: 1, max: 1000 }).map((n) => `[queue.${'q.'.repeat(n)}x]\n`),
      fc
        .integer({ min: 1, max: 200_000 })
        .map(
          (n) =>
            `[pipeline.fix]\n[[pipeline.fix.phase]]\nname = "a"\nrun = "${'x'.repeat(n)}{nope}"\n`,
        ),
      fc
        .integer({ min: 1, max: 3000 })
        .map(
          (n) =>
            `[command.c]\nrun = "${Array.from({ length: n }, (_, i) => `{v${i}}`).join(' ')}"\n`,
        ),
      fc
        .integer({ min: 1, max: 500 })
        .map(
          (n) =>
            `[pipeline.p]\n${Array.from({ length: n }, (_, i) => `[[pipeline.p.phase]]\nname = "p${i}"\nrun = "true"\nnext = "p${(i * 7) % n}"\n`).join('')}`,
        ),
      fc
        .integer({ min: 1, max: 2000 })
        .map((n) => `[agent.a]\ncommand = "c"\nprompt = "${'{% if x %}'.repeat(n)}"\n`),
    );
    fc.assert(
      fc.property(shapes, (text) => loadsCleanly(text)),
      { numRuns: 150 },
    );
  });

  // smol-toml limits the nesting of values, but not of table headers or dotted keys.
  it.each([
    ['a table header', `[queue.${'q.'.repeat(3000)}x]\n`],
    ['a dotted key', `[guard.g]\ncondition = "x"\n${'k.'.repeat(3000)}k = 1\n`],
    ['an array', `[queue.bugs]\nsource = ${'['.repeat(3000)}${']'.repeat(3000)}\n`],
    [
      'an inline table',
      `[agent.a]\ncommand = "c"\nenv = ${'{ a = '.repeat(3000)}"x"${' }'.repeat(3000)}\n`,
    ],
  ])('for %s nested 3000 levels deep', (_shape, text) => {
    loadsCleanly(text);
    expect(load(text).issues.length).toBeGreaterThan(0);
  });
});

describe('valid generated runbooks', () => {
  it('compile without issues', () => {
    fc.assert(
      fc.property(validRunbook, (text) => {
        expect(load(text).issues.map(formatIssue)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('compile to the same definitions and hashes every time', () => {
    fc.assert(
      fc.property(validRunbook, (text) => {
        const first = load(text, HASHING).project;
        const second = load(text, HASHING).project;
        expect(JSON.stringify(second)).toBe(JSON.stringify(first));
        const hashes = Object.values(definitionHashes(first));
        expect(hashes.every((h) => typeof h === 'string' && h.startsWith('sha256:'))).toBe(true);
        expect(definitionHashes(second)).toEqual(definitionHashes(first));
        expect(second.runbooks).toEqual(first.runbooks);
      }),
      { numRuns: 200 },
    );
  });

  it('compile to the same definitions and definition hashes however they are laid out', () => {
    const layout = fc.array(
      fc.tuple(fc.nat(), fc.constantFrom('', '# comment', '   ', '\t# indented note')),
      { minLength: 1, maxLength: 5 },
    );
    fc.assert(
      fc.property(validRunbook, layout, (text, inserts) => {
        // The generator writes every value on one line, so any line boundary takes a comment.
        const lines = text.split('\n');
        for (const [n, extra] of inserts) lines.splice(n % lines.length, 0, extra);
        const original = load(text, HASHING).project;
        const relaid = load(lines.join('\n'), HASHING).project;
        expect(definitionHashes(relaid)).toEqual(definitionHashes(original));
        const { runbooks: _a, ...originalDefs } = original;
        const { runbooks: _b, ...relaidDefs } = relaid;
        expect(toCanonicalJson(relaidDefs)).toBe(toCanonicalJson(originalDefs));
      }),
      { numRuns: 200 },
    );
  });
});
