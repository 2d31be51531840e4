// End-to-end: `oj mcp` driven by the MCP SDK's own client over stdio, in a temp project with its own
// daemon — runbook commands, pipelines, queues, decisions, and errors that leave the server serving.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OJ_BIN, cleanEnv, makeProject, runOj } from './helpers/oj.js';
import { waitFor } from './helpers/wait.js';

const RUNBOOK = `
[command.greet]
args = "<name> [--loud]"
run = "echo hello {name} loud={loud}; echo to-stderr >&2"

[command.broken]
run = "echo partial; exit 3"

[command.nap]
run = "echo napping; sleep 30"

[command.build]
args = "<tag>"
run = { pipeline = "build" }

[pipeline.build]
inputs = ["tag"]

[[pipeline.build.phase]]
name = "compile"
run = "echo compiled {tag} >> build.txt"

[[pipeline.build.phase]]
name = "ship"
run = "echo shipped {tag} >> build.txt"

[command.hold]
args = "<tag>"
run = { pipeline = "hold" }

[pipeline.hold]
inputs = ["tag"]

[[pipeline.hold.phase]]
name = "prepare"
run = "echo prepared {tag}"

[[pipeline.hold.phase]]
name = "block"
run = "while [ ! -f release-{tag} ]; do sleep 0.05; done"

[command.doomed]
run = { pipeline = "doomed" }

[pipeline.doomed]

[[pipeline.doomed.phase]]
name = "try"
run = "exit 1"
on_fail = "escalate"

[queue.tasks]

[command.retryable]
run = { pipeline = "retryable" }

[pipeline.retryable]

[[pipeline.retryable.phase]]
name = "try"
run = "test -f fixed"

[command.chat]
run = { pipeline = "chat" }

[pipeline.chat]

[[pipeline.chat.phase]]
name = "talk"
agent = "talker"

[agent.talker]
command = "oj-fake-agent --scenario SCENARIO"
driver = "claude"
prompt = "Say hello."
env = { CLAUDE_CONFIG_DIR = "CLAUDEDIR" }
`;

const TOOLS = [
  'run_command',
  'list_commands',
  'list_pipelines',
  'show_pipeline',
  'wait_pipeline',
  'cancel_pipeline',
  'resume_pipeline',
  'delete_pipeline',
  'cleanup',
  'send_message',
  'list_sessions',
  'peek_session',
  'list_decisions',
  'resolve_decision',
  'add_to_queue',
  'list_queues',
  'show_queue',
  'status',
];

type ToolResult = Awaited<ReturnType<Client['callTool']>>;
interface PipelineSummary {
  id: string;
  name: string;
  status: string;
  phase: string | null;
}

let project: string;
let state: string;
let client: Client;
let serverLog = '';
const transportErrors: Error[] = [];

const env = () => ({ ...cleanEnv(), OJ_STATE_DIR: state, OJ_SESSION_TIMING: 'test' });
const call = (name: string, args: Record<string, unknown> = {}) =>
  client.callTool({ name, arguments: args });
const textOf = (r: ToolResult) =>
  (r.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');
/** A successful call's structured result (fails the test with the error text otherwise). */
async function ok<T>(name: string, args: Record<string, unknown> = {}): Promise<T> {
  const r = await call(name, args);
  expect(r.isError, `${name} failed: ${textOf(r)}`).toBeFalsy();
  expect(JSON.parse(textOf(r))).toEqual(r.structuredContent);
  return r.structuredContent as T;
}
const show = (id: string) => ok<PipelineSummary & { logTail: string[] }>('show_pipeline', { id });
const start = async (command: string, args: string[]) =>
  (await ok<{ id: string; name: string }>('run_command', { command, args })).id;

beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), 'oj-state-'));
  const scenario = join(state, 'talker.toml');
  writeFileSync(
    scenario,
    `[[turn]]\non = { contains = "ship it" }\nsteps = [{ done = {} }]\n\n` +
      `[[turn]]\non = "*"\nsteps = [{ say = "Hello over MCP." }, { idle = true }]\n`,
  );
  project = makeProject({
    'mcp.toml': RUNBOOK.replace('SCENARIO', scenario).replace('CLAUDEDIR', join(state, 'claude')),
  });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [OJ_BIN, 'mcp'],
    cwd: project,
    env: env(),
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => (serverLog += chunk.toString()));
  client = new Client({ name: 'oj-spec', version: '0' });
  client.onerror = (err) => transportErrors.push(err);
  await client.connect(transport);
});

afterAll(async () => {
  await client?.close();
  runOj(['daemon', 'stop', '--kill'], { cwd: project, env: { OJ_STATE_DIR: state } });
  rmSync(project, { recursive: true, force: true });
  rmSync(state, { recursive: true, force: true });
});

describe('oj mcp', () => {
  it('lists every tool with a description and an object input schema', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOLS].sort());
    for (const tool of tools) {
      expect(tool.description, tool.name).toBeTruthy();
      expect(tool.inputSchema.type).toBe('object');
    }
    const run = tools.find((t) => t.name === 'run_command');
    expect(run?.inputSchema.required).toEqual(['command']);
    expect(Object.keys(run?.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(['command', 'args', 'named']),
    );
    const resolve = tools.find((t) => t.name === 'resolve_decision');
    expect(resolve?.inputSchema.required).toEqual(['id', 'option']);
  });

  it('runs a pipeline command, lists and shows it, and waits until it is done', async () => {
    const created = await ok<{ kind: string; id: string; name: string }>('run_command', {
      command: 'build',
      named: { tag: 'v1' },
    });
    expect(created).toMatchObject({ kind: 'pipeline', id: expect.stringMatching(/^pl-/) });
    const list = await ok<{ pipelines: PipelineSummary[] }>('list_pipelines');
    expect(list.pipelines.map((p) => p.id)).toContain(created.id);
    const waited = await ok<{ done: boolean; pipelines: PipelineSummary[] }>('wait_pipeline', {
      ids: [created.id],
      timeout_seconds: 15,
    });
    expect(waited.done).toBe(true);
    expect(waited.pipelines[0]?.status).toBe('done');
    const shown = await show(created.id);
    expect(shown).toMatchObject({ status: 'done', inputs: { tag: 'v1' } });
    expect(
      (shown as unknown as { history: { phase: string }[] }).history.map((h) => h.phase),
    ).toEqual(['compile', 'ship']);
    const done = await ok<{ pipelines: PipelineSummary[] }>('list_pipelines', { status: ['done'] });
    expect(done.pipelines.map((p) => p.id)).toContain(created.id);
    expect(readFileSync(join(project, 'build.txt'), 'utf8')).toBe('compiled v1\nshipped v1\n');
  });

  it('runs a shell command and returns its exit code, stdout and stderr', async () => {
    const result = await ok('run_command', {
      command: 'greet',
      args: ['ada lovelace'],
      named: { loud: true },
    });
    expect(result).toEqual({
      kind: 'shell',
      command: 'greet',
      exitCode: 0,
      signal: null,
      timedOut: false,
      stdout: 'hello ada lovelace loud=true\n',
      stderr: 'to-stderr\n',
    });
  });

  it('reports a shell command that exits non-zero as an error, with its output', async () => {
    const r = await call('run_command', { command: 'broken' });
    expect(r.isError).toBe(true);
    expect(r.structuredContent).toMatchObject({ exitCode: 3, stdout: 'partial\n' });
  });

  it('kills a shell command at its timeout and says so', async () => {
    const r = await call('run_command', { command: 'nap', timeout_seconds: 1 });
    expect(r.isError).toBe(true);
    expect(r.structuredContent).toMatchObject({ timedOut: true, stdout: 'napping\n' });
  });

  it('adds an item to a queue and shows it there', async () => {
    const added = await ok<{ id: string }>('add_to_queue', {
      queue: 'tasks',
      data: { title: 'Fix login', issue: 42 },
      id: 'fix-login',
      priority: 5,
    });
    expect(added.id).toBe('fix-login');
    const q = await ok<{ counts: { pending: number }; items: { id: string; data: object }[] }>(
      'show_queue',
      { queue: 'tasks' },
    );
    expect(q.counts.pending).toBe(1);
    expect(q.items).toEqual([
      expect.objectContaining({ id: 'fix-login', data: { title: 'Fix login', issue: '42' } }),
    ]);
    const queues = await ok<{ queues: { name: string }[] }>('list_queues');
    expect(queues.queues.map((x) => x.name)).toEqual(['tasks']);
  });

  it('cancels a running pipeline', async () => {
    const id = await start('hold', ['c1']);
    await waitFor(async () => {
      const p = await show(id);
      return p.status === 'running' && p.phase === 'block';
    }, 'hold to reach its blocking phase');
    expect((await show(id)).logTail.join('\n')).toContain('prepared c1');
    const cancelled = await ok<PipelineSummary>('cancel_pipeline', { id, reason: 'spec' });
    expect(cancelled.id).toBe(id);
    await waitFor(async () => (await show(id)).status === 'cancelled', `${id} to be cancelled`);
    const again = await call('cancel_pipeline', { id });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toContain('already cancelled');
  });

  it('lists an escalated pipeline as a decision, and resolving it with cancel cancels it', async () => {
    const id = await start('doomed', []);
    const decision = await waitFor(async () => {
      const { decisions } = await ok<{
        decisions: { id: string; pipeline: string; options: string[] }[];
      }>('list_decisions');
      return decisions.find((d) => d.pipeline === id);
    }, `a decision for ${id}`);
    expect(decision.options).toContain('cancel');
    const wrong = await call('resolve_decision', { id: decision.id, option: 'shrug' });
    expect(wrong.isError).toBe(true);
    expect(textOf(wrong)).toContain('choose one of: retry, cancel');
    await ok('resolve_decision', { id: decision.id, option: 'cancel', message: 'not today' });
    await waitFor(async () => (await show(id)).status === 'cancelled', `${id} to be cancelled`);
    const { decisions } = await ok<{ decisions: { pipeline: string }[] }>('list_decisions');
    expect(decisions.map((d) => d.pipeline)).not.toContain(id);
  });

  it('lists the runbook commands with their usage', async () => {
    const { commands } = await ok<{ commands: { name: string }[] }>('list_commands');
    expect(commands.map((c) => c.name)).toEqual(expect.arrayContaining(['greet', 'build', 'chat']));
  });

  it('resumes a failed pipeline once its cause is fixed', async () => {
    const id = await start('retryable', []);
    await waitFor(async () => (await show(id)).status === 'failed', `${id} to fail`);
    writeFileSync(join(project, 'fixed'), '');
    await ok('resume_pipeline', { id });
    await waitFor(async () => (await show(id)).status === 'done', `${id} to finish`);
  });

  it('lists agent sessions, peeks at one, and sends it a message that finishes its phase', async () => {
    const id = await start('chat', []);
    const session = await waitFor(async () => {
      const { sessions } = await ok<{
        sessions: { id: string; pipeline: string; state: string }[];
      }>('list_sessions');
      return sessions.find((s) => s.pipeline === id && s.state === 'idle');
    }, 'the agent to go idle');
    const screen = await ok<{ lines: string[] }>('peek_session', { id: session.id });
    expect(screen.lines.join('\n')).toContain('Hello over MCP.');
    await ok('send_message', { id, message: 'ship it' });
    await waitFor(async () => (await show(id)).status === 'done', `${id} to finish`);
    const bad = await call('peek_session', { id: 'ag-nope' });
    expect(bad.isError).toBe(true);
  });

  it('deletes a finished pipeline and refuses a running one', async () => {
    const id = await start('build', ['gone']);
    await ok('wait_pipeline', { ids: [id], timeout_seconds: 15 });
    const dry = await ok<{ pipelines: string[]; dryRun: boolean }>('cleanup', {
      status: ['done'],
      dry_run: true,
    });
    expect(dry).toMatchObject({ dryRun: true, pipelines: expect.arrayContaining([id]) });
    await ok('delete_pipeline', { id });
    const gone = await call('show_pipeline', { id });
    expect(gone.isError).toBe(true);

    const live = await start('hold', ['d1']);
    const refused = await call('delete_pipeline', { id: live });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('cancel it first');
    writeFileSync(join(project, 'release-d1'), '');
    await ok('wait_pipeline', { ids: [live], timeout_seconds: 15 });
  });

  it.each([
    ['a missing required field', 'show_pipeline', {}],
    ['a wrong type', 'add_to_queue', { queue: 'tasks', data: 'title=x' }],
    ['an unknown status', 'list_pipelines', { status: ['finished'] }],
    ['an unknown key', 'resolve_decision', { id: 'dc-1', option: 'cancel', mesage: 'typo' }],
  ])('rejects %s as a tool error and keeps serving', async (_what, name, args) => {
    const r = await call(name, args);
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/invalid/i);
    const status = await ok<{ pipelines: object }>('status');
    expect(status.pipelines).toBeTypeOf('object');
  });

  it('says which id was not found and where to look', async () => {
    const r = await call('show_pipeline', { id: 'pl-nope' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toContain('no pipeline "pl-nope"');
    expect(textOf(r)).toContain('list_pipelines');
  });

  it('answers fuzzed tool inputs with structured errors, and keeps serving', async () => {
    // Tools that only read, or act on ids a fuzzer cannot guess; run_command and wait_pipeline
    // are left out (a guessed command may sleep 30 s, a wait may block until its timeout).
    const { tools } = await client.listTools();
    const fuzzed = tools.filter((t) => t.name !== 'run_command' && t.name !== 'wait_pipeline');
    const hostile = fc.oneof(
      fc.constantFrom('../../etc/passwd', '$(touch pwned)', '`touch pwned`', '{{ x }}', 'pl-', ''),
      fc.string({ maxLength: 40 }),
    );
    // Half the calls are shaped like the schema with hostile values, half are any JSON at all.
    const value = (schema: { type?: string }): fc.Arbitrary<unknown> =>
      schema.type === 'string'
        ? hostile
        : schema.type === 'array'
          ? fc.array(hostile, { maxLength: 3 })
          : schema.type === 'number' || schema.type === 'integer'
            ? fc.oneof(fc.integer(), fc.double())
            : schema.type === 'boolean'
              ? fc.boolean()
              : fc.jsonValue({ maxDepth: 2 });
    const shaped = fc.oneof(
      ...fuzzed.map((tool) =>
        fc.tuple(
          fc.constant(tool.name),
          fc.record(
            Object.fromEntries(
              Object.entries(tool.inputSchema.properties ?? {}).map(([k, v]) => [
                k,
                value(v as { type?: string }),
              ]),
            ),
            { requiredKeys: [] },
          ),
        ),
      ),
    );
    const loose = fc.tuple(
      fc.constantFrom(...fuzzed.map((t) => t.name)),
      fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
    );
    const seen = { ok: 0, toolError: 0, protocolError: 0 };
    await fc.assert(
      fc.asyncProperty(fc.oneof(shaped, loose), async ([name, args]) => {
        const what = `${name} ${JSON.stringify(args)}`;
        try {
          const r = await call(name, args as Record<string, unknown>);
          expect(Array.isArray(r.content), what).toBe(true);
          if (!r.isError) seen.ok++;
          else {
            expect(textOf(r).length, what).toBeGreaterThan(0);
            seen.toolError++;
          }
        } catch (err) {
          // The SDK may answer input that fails a tool's schema with a JSON-RPC error instead.
          expect(err, what).toBeInstanceOf(McpError);
          seen.protocolError++;
        }
      }),
      { numRuns: 300, seed: 7 },
    );
    expect(seen.ok).toBeGreaterThan(30);
    expect(seen.toolError + seen.protocolError).toBeGreaterThan(30);
    expect(existsSync(join(project, 'pwned'))).toBe(false);
    expect(transportErrors).toEqual([]);
    expect((await ok<{ pipelines: object }>('status')).pipelines).toBeTypeOf('object');
    const daemon = runOj(['daemon', 'status'], { cwd: project, env: { OJ_STATE_DIR: state } });
    expect(daemon.code).toBe(0);
  });

  it('writes only MCP frames to stdout; its notes go to stderr', async () => {
    // A stray stdout line fails to parse as a frame and reaches the client's onerror.
    expect(transportErrors).toEqual([]);
    await waitFor(
      () => serverLog.includes('show_pipeline failed: no pipeline "pl-nope"'),
      'the failure note on stderr',
    );
  });

  it('exits with code 0 when its client closes stdin', async () => {
    const child = spawn(process.execPath, [OJ_BIN, 'mcp'], { cwd: project, env: env() });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<[number | null, string | null]>((resolve) =>
      child.on('exit', (code, signal) => resolve([code, signal])),
    );
    child.stdin.end();
    const deadline = setTimeout(() => child.kill('SIGKILL'), 10_000);
    expect(await exited).toEqual([0, null]);
    clearTimeout(deadline);
    expect(stdout).toBe('');
  });
});
