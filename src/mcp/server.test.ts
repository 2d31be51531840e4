// The server against a fake daemon over an in-memory transport: what each tool sends to the daemon,
// and that failures come back as isError results while the server keeps serving.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterEach, describe, expect, it } from 'vitest';
import { OjError } from '../errors/index.js';
import type { CommandDef } from '../runbook/index.js';
import type { OjMcpDeps } from './deps.js';
import { createOjMcpServer } from './server.js';
import type { ShellRequest, ShellResult } from './shell.js';

const ROOT = '/projects/demo';

const COMMANDS: CommandDef[] = [
  {
    name: 'build',
    runbook: 'demo',
    qualified: 'demo.build',
    args: {
      source: '<tag> [--fast]',
      positionals: [{ name: 'tag', required: true, variadic: false }],
      flags: [{ name: 'fast', takesValue: false, required: false, short: [] }],
    },
    run: { kind: 'pipeline', pipeline: 'demo.build' },
  },
  {
    name: 'hello',
    runbook: 'demo',
    qualified: 'demo.hello',
    args: {
      source: '<who>',
      positionals: [{ name: 'who', required: true, variadic: false }],
      flags: [],
    },
    run: { kind: 'shell', script: 'echo hello {who}' },
  },
];

/** A daemon that records requests and answers from `answers` (a thrown error is a daemon error). */
class FakeDaemon {
  readonly requests: { method: string; params: unknown }[] = [];
  constructor(readonly answers: Record<string, (params: never) => unknown>) {}
  call = async (method: string, params: unknown): Promise<unknown> => {
    this.requests.push({ method, params });
    const answer = this.answers[method];
    if (!answer) throw new OjError('UNKNOWN_METHOD', `unknown method "${method}"`);
    return answer(params as never);
  };
}

let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

async function connect(daemon: FakeDaemon, shells: ShellRequest[] = []): Promise<Client> {
  const deps: OjMcpDeps = {
    call: daemon.call,
    projectRoot: () => ROOT,
    stateDir: () => '/state',
    loadCommands: () => COMMANDS,
    runShell: async (request): Promise<ShellResult> => {
      shells.push(request);
      return { exitCode: 0, signal: null, timedOut: false, stdout: 'hello\n', stderr: '' };
    },
    env: { HOME: '/home/me' },
    shellPath: (state) => `${state}/run/bin:/usr/bin`,
    version: '1.2.3',
  };
  const [ours, theirs] = InMemoryTransport.createLinkedPair();
  await createOjMcpServer(deps).connect(theirs);
  client = new Client({ name: 'spec', version: '0' });
  await client.connect(ours);
  return client;
}

const textOf = (result: Awaited<ReturnType<Client['callTool']>>) =>
  (result.content as { type: string; text: string }[]).map((c) => c.text).join('\n');

describe('createOjMcpServer', () => {
  it('starts a pipeline command with its bound args as string inputs', async () => {
    const daemon = new FakeDaemon({
      'pipeline.create': () => ({ id: 'pl-7', name: 'build-v1', status: 'running' }),
    });
    const c = await connect(daemon);
    const result = await c.callTool({
      name: 'run_command',
      arguments: { command: 'build', named: { tag: 'v1', fast: true } },
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ kind: 'pipeline', id: 'pl-7' });
    expect(daemon.requests).toEqual([
      {
        method: 'pipeline.create',
        params: { project: ROOT, pipeline: 'demo.build', inputs: { tag: 'v1', fast: 'true' } },
      },
    ]);
  });

  it('runs a shell command in the project with the escaped value and oj on PATH', async () => {
    const shells: ShellRequest[] = [];
    const c = await connect(new FakeDaemon({}), shells);
    const result = await c.callTool({
      name: 'run_command',
      arguments: { command: 'hello', args: ['a b'], timeout_seconds: 5 },
    });
    expect(result.structuredContent).toMatchObject({
      kind: 'shell',
      exitCode: 0,
      stdout: 'hello\n',
    });
    expect(shells[0]).toMatchObject({
      script: "echo hello 'a b'",
      cwd: ROOT,
      timeoutMs: 5000,
      env: {
        HOME: '/home/me',
        PATH: '/state/run/bin:/usr/bin',
        OJ_PROJECT: ROOT,
        OJ_COMMAND: 'hello',
      },
    });
  });

  it('reports an unknown command with a suggestion', async () => {
    const c = await connect(new FakeDaemon({}));
    const result = await c.callTool({ name: 'run_command', arguments: { command: 'helo' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('unknown command "helo"; did you mean "hello"?');
  });

  it('reports arguments that do not bind, with the usage line', async () => {
    const c = await connect(new FakeDaemon({}));
    const result = await c.callTool({ name: 'run_command', arguments: { command: 'hello' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('missing argument "<who>"');
    expect(textOf(result)).toContain('Usage: oj run hello <who>');
  });

  it('turns max_age into milliseconds for prune and scopes it to the project', async () => {
    const daemon = new FakeDaemon({
      prune: () => ({ pipelines: ['pl-1'], worktrees: [], sessions: [], dryRun: true }),
    });
    const c = await connect(daemon);
    const result = await c.callTool({
      name: 'cleanup',
      arguments: { status: ['failed'], max_age: '7d', dry_run: true },
    });
    expect(result.structuredContent).toMatchObject({ pipelines: ['pl-1'] });
    expect(daemon.requests[0]).toEqual({
      method: 'prune',
      params: { project: ROOT, status: ['failed'], maxAgeMs: 7 * 86_400_000, dryRun: true },
    });
  });

  it('refuses a max_age that is not a duration, naming the valid units', async () => {
    const c = await connect(new FakeDaemon({}));
    const result = await c.callTool({ name: 'cleanup', arguments: { max_age: '7 days' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('max_age: invalid duration "7 days"');
  });

  it('deletes a pipeline by prefix: prune gets the whole id', async () => {
    const daemon = new FakeDaemon({
      'pipeline.show': () => ({ id: 'pl-42', name: 'build-v1', log: '/nowhere' }),
      prune: () => ({ pipelines: ['pl-42'], worktrees: [], sessions: [], dryRun: false }),
    });
    const c = await connect(daemon);
    const result = await c.callTool({ name: 'delete_pipeline', arguments: { id: 'pl-4' } });
    expect(result.structuredContent).toMatchObject({ deleted: 'pl-42' });
    expect(daemon.requests.map((r) => r.params)).toEqual([{ id: 'pl-4' }, { ids: ['pl-42'] }]);
  });

  it('returns a daemon error as isError with a next step, and keeps serving', async () => {
    const daemon = new FakeDaemon({
      'pipeline.show': () => {
        throw new OjError('NOT_FOUND', 'no pipeline "pl-x"');
      },
      status: () => ({ pipelines: {} }),
    });
    const c = await connect(daemon);
    const failed = await c.callTool({ name: 'show_pipeline', arguments: { id: 'pl-x' } });
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toBe(
      'show_pipeline failed: no pipeline "pl-x"\n(list_pipelines shows the pipelines and their ids)',
    );
    expect(failed.structuredContent).toEqual({
      error: { code: 'NOT_FOUND', message: 'no pipeline "pl-x"' },
    });
    const ok = await c.callTool({ name: 'status', arguments: {} });
    expect(ok.isError).toBeFalsy();
  });

  it('marks a follow-up the agent did not receive as an error', async () => {
    const daemon = new FakeDaemon({
      'session.continue': () => ({ id: 'ag-1', how: 'not delivered: the agent is working' }),
    });
    const c = await connect(daemon);
    const result = await c.callTool({
      name: 'send_message',
      arguments: { id: 'pl-1', message: 'also fix the tests' },
    });
    expect(result.isError).toBe(true);
    expect(daemon.requests[0]?.params).toEqual({ id: 'pl-1', message: 'also fix the tests' });
  });

  it('rejects an unknown argument key rather than ignoring it', async () => {
    const c = await connect(new FakeDaemon({ 'pipeline.list': () => [] }));
    const result = await c.callTool({ name: 'list_pipelines', arguments: { stauts: ['done'] } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('stauts');
  });
});
