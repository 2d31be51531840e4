// End-to-end specs for oj-fake-agent: the bundled binary run under a real PTY (interactive) or
// with pipes (print mode), asserting on files, commits, the session log, hook payloads and the trace.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pty from 'node-pty';
import type { IPty } from 'node-pty';
import { afterEach, describe, expect, it } from 'vitest';
import { parseScenario, readTrace } from '../src/fake-agent/index.js';
import type { TraceRecord } from '../src/fake-agent/index.js';
import { REPO_ROOT } from './helpers/oj.js';
import { waitFor } from './helpers/wait.js';

const BIN = join(REPO_ROOT, 'bin', 'oj-fake-agent.js');
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'fake-agent');
const SESSION = '0b5e7a8c-1d2e-4f30-8a41-5b6c7d8e9f00';
const WAIT_MS = 10_000;
const STEP_KIND_NAMES = [
  'say',
  'write',
  'edit',
  'run',
  'commit',
  'done',
  'idle',
  'prompt',
  'ask',
  'plan',
  'error',
  'hang',
  'crash',
  'flood',
  'sleep',
  'barrier',
  'clear',
  'exit',
];

type Kind = TraceRecord['type'];
type RecordOf<K extends Kind> = Extract<TraceRecord, { type: K }>;

/** A temp root: `work/` is the agent's cwd (a git repo when asked), `home/` holds everything else. */
function makeRoot(opts: { git?: boolean } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'oj-fake-agent-'));
  roots.push(root);
  const work = join(root, 'work');
  const home = join(root, 'home');
  mkdirSync(work);
  mkdirSync(home);
  if (opts.git) execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: work });
  return { root, work, home, trace: join(home, 'trace.jsonl') };
}
type Root = ReturnType<typeof makeRoot>;

function baseEnv(root: Root, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('OJ_') && !k.startsWith('FAKE_AGENT')) env[k] = v;
  return {
    ...env,
    HOME: root.home,
    CLAUDE_CONFIG_DIR: join(root.home, 'claude'),
    FAKE_AGENT_TRACE: root.trace,
    GIT_AUTHOR_NAME: 'Fake Agent',
    GIT_AUTHOR_EMAIL: 'fake@example.com',
    GIT_COMMITTER_NAME: 'Fake Agent',
    GIT_COMMITTER_EMAIL: 'fake@example.com',
    GIT_CONFIG_NOSYSTEM: '1',
    ...extra,
  };
}

function writeScenario(root: Root, toml: string): string {
  const file = join(root.home, 'scenario.toml');
  writeFileSync(file, toml);
  return file;
}

/** A shell script that appends its stdin (hooks) or argv (OJ_CLI) as one line to `out`. */
function recorder(root: Root, name: string, mode: 'stdin' | 'argv'): { cmd: string; out: string } {
  const out = join(root.home, `${name}.out`);
  const script = join(root.home, `${name}.sh`);
  const body =
    mode === 'stdin'
      ? `cat >> '${out}'; echo >> '${out}'\n`
      : `echo "$*" >> '${out}'\necho recorded\n`;
  writeFileSync(script, `#!/bin/sh\n${body}`);
  return { cmd: `sh '${script}'`, out };
}

const roots: string[] = [];
const agents: IPty[] = [];
afterEach(() => {
  for (const agent of agents.splice(0)) {
    try {
      agent.kill('SIGKILL');
    } catch {
      // already exited
    }
  }
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

interface Running {
  pty: IPty;
  output(): string;
  exit: Promise<{ exitCode: number; signal?: number }>;
  trace(): TraceRecord[];
  /** Waits for the first trace record of `type` that passes `where`. */
  waitTrace<K extends Kind>(
    type: K,
    where?: (r: RecordOf<K>) => boolean,
    what?: string,
  ): Promise<RecordOf<K>>;
  /** Types `text`, waits until the agent has read it, then sends Enter alone (oj's nudge rule). */
  say(text: string): Promise<void>;
}

function start(
  root: Root,
  scenario: string,
  args: string[] = [],
  env: Record<string, string> = {},
) {
  const child = pty.spawn(process.execPath, [BIN, '--scenario', scenario, ...args], {
    cwd: root.work,
    env: baseEnv(root, env),
    cols: 100,
    rows: 30,
  });
  agents.push(child);
  let output = '';
  child.onData((data) => (output += data));
  const exit = new Promise<{ exitCode: number; signal?: number }>((resolve) =>
    child.onExit(resolve),
  );
  const trace = (): TraceRecord[] => readTrace(root.trace);
  const running: Running = {
    pty: child,
    output: () => output,
    exit,
    trace,
    waitTrace: (type, where = () => true, what = type) =>
      waitFor(
        () => trace().find((r): r is RecordOf<typeof type> => r.type === type && where(r as never)),
        `trace record ${what}`,
        WAIT_MS,
      ),
    async say(text) {
      const before = trace().filter((r) => r.type === 'input').length;
      child.write(text);
      await waitFor(
        () => trace().filter((r) => r.type === 'input').length > before,
        `the agent to read "${text}"`,
        WAIT_MS,
      );
      child.write('\r');
    },
  };
  return running;
}

/** Runs the agent without a terminal (print mode and setup errors). */
function runPiped(root: Root, args: string[], env: Record<string, string> = {}, input = '') {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: root.work,
    env: baseEnv(root, env),
    input,
    encoding: 'utf8',
    timeout: WAIT_MS,
  });
  return {
    code: result.status,
    signal: result.signal,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

function idleCount(agent: Running): number {
  return agent.trace().filter((r) => r.type === 'state' && r.state === 'idle').length;
}

async function waitIdle(agent: Running, times = 1): Promise<void> {
  await waitFor(() => idleCount(agent) >= times, `idle state #${times}`, WAIT_MS);
}

function sessionLog(root: Root, session = SESSION): Record<string, unknown>[] {
  const dir = join(root.home, 'claude', 'projects', root.work.replace(/[/.]/g, '-'));
  const text = readFileSync(join(dir, `${session}.jsonl`), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function hookPayloads(out: string): Record<string, unknown>[] {
  if (!existsSync(out)) return [];
  return readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('oj-fake-agent interactive (PTY)', () => {
  it('writes, edits and commits in a git repo, then calls done via OJ_CLI, and traces it all', async () => {
    const root = makeRoot({ git: true });
    const oj = recorder(root, 'oj', 'argv');
    const scenario = writeScenario(
      root,
      `[agent]
session_id = "${SESSION}"

[[turn]]
on = { contains = "implement" }
steps = [
  { say = "On it." },
  { write = "src/a.ts", content = "export const a = 1;\\n" },
  { edit = "src/a.ts", find = "1", replace = "2" },
  { commit = "feat: add a" },
  { done = {} },
]

[[turn]]
on = { exact = "give up" }
steps = [{ done = { error = "tests failed" } }]
`,
    );
    const agent = start(root, scenario, ['--session-id', SESSION, '--frobnicate', 'implement a'], {
      OJ_CLI: oj.cmd,
      OJ_AGENT_ID: 'ag-123',
    });
    await waitIdle(agent);
    expect(readFileSync(join(root.work, 'src/a.ts'), 'utf8')).toBe('export const a = 2;\n');
    const subjects = execFileSync('git', ['log', '--format=%s'], {
      cwd: root.work,
      encoding: 'utf8',
    });
    expect(subjects.trim()).toBe('feat: add a');
    expect(readFileSync(oj.out, 'utf8')).toBe('done\n');

    await agent.say('give up');
    await waitIdle(agent, 2);
    expect(readFileSync(oj.out, 'utf8')).toBe('done\ndone --error tests failed\n');

    const trace = agent.trace();
    const startRecord = trace.find((r) => r.type === 'start');
    expect(startRecord).toMatchObject({
      env: { OJ_AGENT_ID: 'ag-123', OJ_CLI: oj.cmd },
      sessionId: SESSION,
      unknownFlags: ['--frobnicate'],
    });
    expect(trace.find((r) => r.type === 'prompt')).toMatchObject({ text: 'implement a' });
    const messages = trace.filter((r) => r.type === 'message');
    expect(messages.map((m) => [m.text, m.source, m.turn])).toEqual([
      ['implement a', 'prompt', 0],
      ['give up', 'input', 1],
    ]);
    const done = trace.filter((r): r is RecordOf<'step'> => r.type === 'step' && r.kind === 'done');
    expect(done.map((s) => s.result)).toMatchObject([
      { status: 'ok', code: 0, stdout: 'recorded\n' },
      { status: 'ok', code: 0 },
    ]);
    expect(trace.filter((r) => r.type === 'input').map((r) => r.data)).toEqual(['give up', '\r']);

    const tools = sessionLog(root).flatMap((entry) => {
      const message = entry.message as { content: unknown };
      return Array.isArray(message.content)
        ? (message.content as { type: string; name?: string }[])
            .filter((b) => b.type === 'tool_use')
            .map((b) => b.name)
        : [];
    });
    expect(tools).toEqual(['Write', 'Edit', 'Bash', 'Bash', 'Bash']);
    expect(agent.output()).toContain('? for shortcuts');
  });

  it.each([
    { enterInPaste: true, submittedBy: '\r' },
    { enterInPaste: false, submittedBy: 'hello\r' },
  ])(
    'with enter_in_paste = $enterInPaste, the message is submitted by the chunk $submittedBy',
    async ({ enterInPaste, submittedBy }) => {
      const root = makeRoot();
      const scenario = writeScenario(
        root,
        `[agent]\nenter_in_paste = ${enterInPaste}\n[[turn]]\non = "*"\nsteps = [{ say = "heard" }]\n`,
      );
      const agent = start(root, scenario);
      await waitIdle(agent);
      agent.pty.write('hello\r');
      await agent.waitTrace('input', (r) => r.data === 'hello\r');
      agent.pty.write('\r');
      await agent.waitTrace('input', (r) => r.data === '\r');
      const message = await agent.waitTrace('message');
      expect(message.text).toBe('hello');
      // Input is handled in order, so the message lands right after the chunk that submitted it.
      const trace = agent.trace();
      const before = trace[trace.findIndex((r) => r.type === 'message') - 1];
      expect(before).toMatchObject({ type: 'input', data: submittedBy });
    },
  );

  it.each([
    { answer: '1\r', ran: true, path: 'turn[0].steps[0]' },
    { answer: '3\r', ran: false, path: 'turn[0].steps[0].on_deny[0]' },
  ])('answers the permission dialog with $answer (ran: $ran)', async ({ answer, ran, path }) => {
    const root = makeRoot();
    const scenario = writeScenario(
      root,
      `[[turn]]
on = "*"
steps = [
  { run = "echo ok > ran.txt", permission = "ask", on_deny = [{ say = "Understood, not running it." }] },
]
`,
    );
    const agent = start(root, scenario, ['go']);
    await agent.waitTrace('state', (r) => r.state === 'prompt');
    await waitFor(() => agent.output().includes('Esc to cancel · Tab to amend'), 'dialog footer');
    expect(agent.output()).toContain('Do you want to proceed?');
    expect(agent.output()).toContain('❯ 1. Yes');
    expect(agent.output()).toContain('Bash command');
    agent.pty.write(answer);
    await agent.waitTrace('step', (r) => r.path === path);
    await waitIdle(agent);
    expect(existsSync(join(root.work, 'ran.txt'))).toBe(ran);
    const answered = await agent.waitTrace('answer');
    expect(answered).toMatchObject({ dialog: 'permission', accepted: ran });
  });

  it('fires hooks from --settings with the payloads Claude sends', async () => {
    const root = makeRoot();
    const hook = recorder(root, 'hooks', 'stdin');
    const events = [
      'SessionStart',
      'UserPromptSubmit',
      'PreToolUse',
      'PermissionRequest',
      'PostToolUse',
      'Notification',
      'Stop',
    ];
    const settings = join(root.home, 'settings.json');
    writeFileSync(
      settings,
      JSON.stringify({
        hooks: Object.fromEntries(
          events.map((event) => [
            event,
            [
              {
                ...(event === 'PreToolUse' ? { matcher: 'Bash|Edit' } : {}),
                hooks: [{ type: 'command', command: hook.cmd, timeout: 5 }],
              },
            ],
          ]),
        ),
      }),
    );
    const scenario = writeScenario(
      root,
      `[[turn]]\non = "*"\nsteps = [{ write = "w.txt", content = "w" }, { run = "true", permission = "ask" }]\n`,
    );
    const agent = start(root, scenario, ['--session-id', SESSION, '--settings', settings, 'go']);
    await agent.waitTrace('state', (r) => r.state === 'prompt');
    agent.pty.write('1\r');
    await waitIdle(agent);
    await waitFor(
      () => hookPayloads(hook.out).filter((p) => p.hook_event_name === 'Notification').length >= 2,
      'both notifications',
    );
    const payloads = hookPayloads(hook.out);
    const logPath = join(
      root.home,
      'claude',
      'projects',
      root.work.replace(/[/.]/g, '-'),
      `${SESSION}.jsonl`,
    );
    for (const p of payloads)
      expect(p).toMatchObject({
        session_id: SESSION,
        transcript_path: logPath,
        cwd: root.work,
        permission_mode: 'default',
      });
    const byEvent = (name: string) => payloads.filter((p) => p.hook_event_name === name);
    expect(byEvent('SessionStart')).toMatchObject([{ source: 'startup' }]);
    expect(byEvent('UserPromptSubmit')).toMatchObject([{ prompt: 'go' }]);
    // The matcher "Bash|Edit" skips the Write call.
    expect(byEvent('PreToolUse')).toMatchObject([
      { tool_name: 'Bash', tool_input: { command: 'true' } },
    ]);
    const toolUseId = byEvent('PreToolUse')[0]?.tool_use_id;
    expect(toolUseId).toMatch(/^toolu_/);
    expect(byEvent('PermissionRequest')).toMatchObject([
      { tool_name: 'Bash', tool_use_id: toolUseId },
    ]);
    expect(byEvent('PostToolUse').map((p) => p.tool_name)).toEqual(['Write', 'Bash']);
    expect(byEvent('Stop')).toMatchObject([{ stop_hook_active: false }]);
    expect(
      byEvent('Notification')
        .map((p) => p.notification_type)
        .sort(),
    ).toEqual(['idle_prompt', 'permission_prompt']);
    const hookRecords = agent.trace().filter((r) => r.type === 'hook');
    expect(hookRecords.every((r) => r.code === 0 && !r.timedOut)).toBe(true);
  });

  it('interrupts a working turn on Esc: logs the interrupt, goes idle, fires no Stop hook', async () => {
    const root = makeRoot();
    const hook = recorder(root, 'stop', 'stdin');
    const settings = JSON.stringify({
      hooks: { Stop: [{ hooks: [{ type: 'command', command: hook.cmd }] }] },
    });
    const scenario = writeScenario(
      root,
      `[[turn]]\non = "*"\nsteps = [{ say = "thinking" }, { sleep = 60000 }, { say = "never" }]\n`,
    );
    const agent = start(root, scenario, ['--session-id', SESSION, '--settings', settings, 'go']);
    await agent.waitTrace('step', (r) => r.kind === 'say');
    await waitFor(() => agent.output().includes('esc to interrupt'), 'the working status');
    agent.pty.write('\x1b');
    await agent.waitTrace('step', (r) => r.kind === 'sleep' && r.result.status === 'interrupted');
    await waitIdle(agent);
    const last = sessionLog(root).at(-1) as { message: { content: { text: string }[] } };
    expect(last.message.content[0]?.text).toBe('[Request interrupted by user]');
    expect(hookPayloads(hook.out)).toEqual([]);
  });

  it('answers an AskUserQuestion with one digit per question, then Enter', async () => {
    const root = makeRoot();
    const scenario = writeScenario(
      root,
      `[[turn]]
on = "*"
steps = [{ ask = [
  { question = "Which database?", header = "DB", options = ["Postgres", "SQLite"] },
  { question = "Which port?", header = "Port", options = ["5432", "6543"] },
] }]
`,
    );
    const agent = start(root, scenario, ['go']);
    await agent.waitTrace('state', (r) => r.state === 'prompt');
    await waitFor(() => agent.output().includes('Chat about this'), 'the question dialog');
    expect(agent.output()).toContain('☐ DB');
    expect(agent.output()).toContain('Type something.');
    agent.pty.write('2');
    await agent.waitTrace('input', (r) => r.data === '2');
    agent.pty.write('1');
    await waitFor(() => agent.output().includes('Submit answers'), 'the review screen');
    agent.pty.write('\r');
    const answer = await agent.waitTrace('answer');
    expect(answer).toMatchObject({
      dialog: 'question',
      accepted: true,
      answers: ['SQLite', '5432'],
    });
  });

  it('revises a plan with option 4 and typed feedback, then runs on_deny', async () => {
    const root = makeRoot();
    const scenario = writeScenario(
      root,
      `[[turn]]
on = "*"
steps = [{ plan = "1. Add the table\\n2. Write tests", on_deny = [{ say = "Revising." }] }]
`,
    );
    const agent = start(root, scenario, ['go']);
    await waitFor(() => agent.output().includes('Type here to tell Claude what to change'), 'plan');
    expect(agent.output()).toContain('Ready to code?');
    expect(agent.output()).toContain("Here is Claude's plan:");
    agent.pty.write('4\r');
    await agent.waitTrace('input', (r) => r.data === '4\r');
    await agent.say('make it smaller');
    expect(await agent.waitTrace('answer')).toMatchObject({
      dialog: 'plan',
      accepted: false,
      option: 4,
      text: 'make it smaller',
    });
    await agent.waitTrace('step', (r) => r.path === 'turn[0].steps[0].on_deny[0]');
  });

  it.each([
    { answer: '1\r', trusted: true },
    { answer: '2\r', trusted: false },
  ])('asks to trust the folder when not trusted; $answer trusts: $trusted', async (c) => {
    const root = makeRoot();
    const scenario = writeScenario(root, `[agent]\ntrusted = false\n`);
    const agent = start(root, scenario);
    await waitFor(() => agent.output().includes('Enter to confirm · Esc to exit'), 'trust dialog');
    expect(agent.output()).toContain('Do you trust the files in this folder?');
    agent.pty.write(c.answer);
    if (c.trusted) await waitIdle(agent);
    else expect((await agent.exit).exitCode).toBe(1);
    expect(await agent.waitTrace('answer')).toMatchObject({ dialog: 'trust', accepted: c.trusted });
  });

  it('continues a turn paused at a mid-turn idle with the next message; max limits matches', async () => {
    const root = makeRoot();
    const scenario = writeScenario(
      root,
      `[[turn]]
on = { contains = "go" }
max = 1
steps = [{ say = "part one" }, { idle = true }, { say = "part two" }]

[[turn]]
on = "*"
steps = [{ say = "fallback" }]
`,
    );
    const agent = start(root, scenario, ['go']);
    await waitIdle(agent);
    await agent.say('carry on');
    await waitIdle(agent, 2);
    await agent.say('go again');
    await waitIdle(agent, 3);
    const trace = agent.trace();
    expect(trace.filter((r) => r.type === 'message').map((m) => [m.text, m.turn])).toEqual([
      ['go', 0],
      ['carry on', 0],
      ['go again', 1],
    ]);
    const says = trace.filter((r) => r.type === 'step' && r.kind === 'say');
    expect(says.map((r) => (r as RecordOf<'step'>).path)).toEqual([
      'turn[0].steps[0]',
      'turn[0].steps[2]',
      'turn[1].steps[0]',
    ]);
  });

  it('blocks at a barrier until its file exists', async () => {
    const root = makeRoot();
    const scenario = writeScenario(
      root,
      `[[turn]]\non = "*"\nsteps = [{ say = "waiting" }, { barrier = "go.flag" }, { say = "through" }]\n`,
    );
    const agent = start(root, scenario, ['go']);
    await agent.waitTrace('step', (r) => r.path === 'turn[0].steps[0]');
    // Prove the agent's event loop has turned since, without a sleep: it traces typed-ahead input.
    agent.pty.write('x');
    await agent.waitTrace('input', (r) => r.data === 'x');
    expect(agent.trace().some((r) => r.type === 'step' && r.kind === 'barrier')).toBe(false);
    writeFileSync(join(root.work, 'go.flag'), '');
    await agent.waitTrace('step', (r) => r.path === 'turn[0].steps[2]');
  });

  it('writes a flood of N bytes of output', async () => {
    const root = makeRoot();
    const bytes = 200_000;
    const scenario = writeScenario(root, `[[turn]]\non = "*"\nsteps = [{ flood = ${bytes} }]\n`);
    const agent = start(root, scenario, ['go']);
    await agent.waitTrace('step', (r) => r.kind === 'flood');
    await waitIdle(agent);
    // The PTY may still be delivering the tail of the flood when the trace says idle.
    const last = `flood ${String(bytes / 64 - 1).padStart(8, '0')}`;
    await waitFor(() => agent.output().includes(last), 'the last flood line on the terminal');
    expect(agent.output().length).toBeGreaterThan(bytes);
  });

  it('keeps running through an ignored SIGTERM in a hang, and dies only by SIGKILL', async () => {
    const root = makeRoot();
    const scenario = writeScenario(
      root,
      `[[turn]]\non = "*"\nsteps = [{ hang = { ignore = ["SIGTERM"] } }]\n`,
    );
    const agent = start(root, scenario, ['go']);
    await agent.waitTrace('step', (r) => r.kind === 'hang');
    process.kill(agent.pty.pid, 'SIGTERM');
    await agent.waitTrace('signal', (r) => r.signal === 'SIGTERM' && r.ignored);
    expect(() => process.kill(agent.pty.pid, 0)).not.toThrow();
    process.kill(agent.pty.pid, 'SIGKILL');
    expect((await agent.exit).signal).toBe(9);
  });

  it.each([
    { signal: 'SIGTERM', code: 143 },
    { signal: 'SIGHUP', code: 129 },
  ] as const)('exits $code on $signal', async ({ signal, code }) => {
    const root = makeRoot();
    const scenario = writeScenario(root, `[[turn]]\non = "*"\nsteps = [{ hang = {} }]\n`);
    const agent = start(root, scenario, ['go']);
    await agent.waitTrace('step', (r) => r.kind === 'hang');
    process.kill(agent.pty.pid, signal);
    expect((await agent.exit).exitCode).toBe(code);
    expect(agent.trace().at(-1)).toMatchObject({ type: 'exit', code });
  });

  it('crashes with an exit code after partial output', async () => {
    const root = makeRoot();
    const scenario = writeScenario(
      root,
      `[[turn]]\non = "*"\nsteps = [{ crash = { exit_code = 3, output = "partial outp" } }]\n`,
    );
    const agent = start(root, scenario, ['go']);
    expect((await agent.exit).exitCode).toBe(3);
    expect(agent.output()).toContain('partial outp');
    expect(agent.trace().at(-1)).toMatchObject({ type: 'exit', code: 3 });
  });
});

describe('oj-fake-agent print mode and setup', () => {
  it('prints stream-json: system/init, the reply, then result', () => {
    const root = makeRoot();
    const scenario = writeScenario(
      root,
      `[[turn]]\non = { regex = "^fix" }\nsteps = [{ say = "Fixed." }, { run = "echo hi" }]\n`,
    );
    const out = runPiped(root, [
      '--scenario',
      scenario,
      '-p',
      '--output-format',
      'stream-json',
      'fix it',
    ]);
    expect(out.code).toBe(0);
    const lines = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: 'system', subtype: 'init' });
    expect(lines.map((l) => l.type)).toEqual([
      'system',
      'assistant',
      'assistant',
      'user',
      'result',
    ]);
    expect(lines.at(-1)).toMatchObject({
      type: 'result',
      subtype: 'success',
      is_error: false,
      result: 'Fixed.',
      num_turns: 1,
    });
    // One reply's lines share message.id.
    const ids = lines
      .filter((l) => l.type === 'assistant')
      .map((l) => (l.message as { id: string }).id);
    expect(new Set(ids).size).toBe(1);
  });

  it('feeds a Stop hook block reason back as the next prompt, with stop_hook_active set', () => {
    const root = makeRoot();
    const hook = recorder(root, 'stop', 'stdin');
    const verdict = join(root.home, 'verdict.sh');
    writeFileSync(
      verdict,
      `input=$(cat)\ncase "$input" in *'"stop_hook_active":false'*) echo '{"decision":"block","reason":"now run the tests"}';; esac\n`,
    );
    const settings = JSON.stringify({
      hooks: {
        Stop: [
          {
            hooks: [
              { type: 'command', command: hook.cmd },
              { type: 'command', command: `sh '${verdict}'` },
            ],
          },
        ],
      },
    });
    const scenario = writeScenario(
      root,
      `[[turn]]
on = { contains = "start" }
steps = [{ say = "Started." }]

[[turn]]
on = { contains = "run the tests" }
steps = [{ say = "Tests pass." }]
`,
    );
    const out = runPiped(root, [
      '--scenario',
      scenario,
      '--settings',
      settings,
      '-p',
      '--output-format',
      'json',
      'start',
    ]);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ result: 'Tests pass.', num_turns: 2 });
    expect(hookPayloads(hook.out).map((p) => p.stop_hook_active)).toEqual([false, true]);
    const messages = readTrace(root.trace).filter((r) => r.type === 'message');
    expect(messages.map((m) => [m.text, m.source, m.turn])).toEqual([
      ['start', 'prompt', 0],
      ['now run the tests', 'stop_hook', 1],
    ]);
  });

  it('dies by the signal a crash step names', () => {
    const root = makeRoot();
    const scenario = writeScenario(
      root,
      `[[turn]]\non = "*"\nsteps = [{ crash = { signal = "SIGSEGV" } }]\n`,
    );
    const out = runPiped(root, ['--scenario', scenario, '-p', 'hi']);
    expect(out.signal).toBe('SIGSEGV');
    expect(readTrace(root.trace).at(-1)).toMatchObject({ type: 'exit', signal: 'SIGSEGV' });
  });

  it('parses a scenario that uses every step kind and field', () => {
    const file = join(FIXTURES, 'every-step.toml');
    const scenario = parseScenario(readFileSync(file, 'utf8'), file);
    const kinds = new Set(scenario.turn.flatMap((t) => t.steps.map((s) => s.kind)));
    expect([...kinds].sort()).toEqual([...STEP_KIND_NAMES].sort());
  });

  it('lets a PreToolUse hook that exits 2 block a tool call, and the turn goes on', () => {
    const root = makeRoot();
    const settings = JSON.stringify({
      hooks: {
        PreToolUse: [
          {
            matcher: 'Bash',
            hooks: [{ type: 'command', command: 'echo "no shell here" >&2; exit 2' }],
          },
        ],
      },
    });
    const scenario = writeScenario(
      root,
      `[[turn]]\non = "*"\nsteps = [{ run = "touch ran.txt" }, { say = "carried on" }]\n`,
    );
    const out = runPiped(root, ['--scenario', scenario, '--settings', settings, '-p', 'hi']);
    expect(out.stdout).toBe('carried on\n');
    expect(existsSync(join(root.work, 'ran.txt'))).toBe(false);
    const step = readTrace(root.trace).find((r) => r.type === 'step' && r.kind === 'run');
    expect(step).toMatchObject({ result: { status: 'blocked', reason: 'no shell here' } });
  });

  it('empties the session log on a clear step and starts a new chain', () => {
    const root = makeRoot();
    const scenario = writeScenario(
      root,
      `[agent]\nsession_id = "${SESSION}"\n[[turn]]\non = "*"\nsteps = [{ say = "old" }, { clear = true }, { say = "new" }]\n`,
    );
    expect(runPiped(root, ['--scenario', scenario, '-p', 'hi']).code).toBe(0);
    expect(sessionLog(root)).toMatchObject([
      { type: 'assistant', parentUuid: null, message: { content: [{ text: 'new' }] } },
    ]);
  });

  it('exits 1 on an error step in print mode, logging the error entry', () => {
    const root = makeRoot();
    const scenario = writeScenario(
      root,
      `[agent]\nsession_id = "${SESSION}"\n[[turn]]\non = "*"\nsteps = [{ error = "rate_limited" }]\n`,
    );
    const out = runPiped(root, [
      '--scenario',
      scenario,
      '-p',
      '--output-format',
      'stream-json',
      'hi',
    ]);
    expect(out.code).toBe(1);
    const result = JSON.parse(out.stdout.trim().split('\n').at(-1) as string) as unknown;
    expect(result).toMatchObject({ subtype: 'error_during_execution', is_error: true });
    expect(sessionLog(root).at(-1)).toMatchObject({ type: 'assistant', error: 'rate_limited' });
  });

  it('resumes a session: reloads the log, fires SessionStart with source resume, continues the chain', () => {
    const root = makeRoot();
    const hook = recorder(root, 'start', 'stdin');
    const settings = JSON.stringify({
      hooks: { SessionStart: [{ hooks: [{ type: 'command', command: hook.cmd }] }] },
    });
    const scenario = writeScenario(root, `[[turn]]\non = "*"\nsteps = [{ say = "ok" }]\n`);
    const args = ['--scenario', scenario, '--settings', settings, '-p'];
    expect(runPiped(root, [...args, '--session-id', SESSION, 'first']).code).toBe(0);
    const before = sessionLog(root);
    expect(runPiped(root, [...args, '--resume', SESSION, 'second']).code).toBe(0);
    const after = sessionLog(root);
    expect(after.slice(0, before.length)).toEqual(before);
    const added = after.slice(before.length);
    expect(added[0]).toMatchObject({
      parentUuid: before.at(-1)?.uuid,
      message: { content: 'second' },
    });
    expect(new Set(after.map((e) => e.uuid)).size).toBe(after.length);
    const stamps = after.map((e) => Date.parse(e.timestamp as string));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    expect(hookPayloads(hook.out).map((p) => p.source)).toEqual(['startup', 'resume']);

    const missing = runPiped(root, [...args, '--resume', '99999999-9999-4999-8999-999999999999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No conversation found with session ID');
  });

  it('writes the same session log on every run of a scenario', () => {
    const root = makeRoot();
    const scenario = writeScenario(
      root,
      `[agent]\nclock = "2030-05-01T12:00:00Z"\n[[turn]]\non = "*"\nsteps = [{ say = "a" }, { write = "f", content = "x" }]\n`,
    );
    const logs = ['one', 'two'].map((name) => {
      const config = join(root.home, name);
      const out = runPiped(root, ['--scenario', scenario, '-p', 'hi'], {
        CLAUDE_CONFIG_DIR: config,
      });
      expect(out.stdout).toBe('a\n');
      const dir = join(config, 'projects', root.work.replace(/[/.]/g, '-'));
      const [file] = readdirSync(dir);
      return readFileSync(join(dir, file as string), 'utf8');
    });
    expect(logs[0]).toBe(logs[1]);
    expect(logs[0]).toContain('"timestamp":"2030-05-01T12:00:00.000Z"');
  });

  it.each([
    ['unknown-step-key.toml', 'turn[0].steps[1].wirte: unknown key'],
    ['bad-matcher.toml', 'turn[0].on: expected "*"'],
    ['two-kinds.toml', 'turn[0].steps[0]: a step is a table with exactly one kind key'],
    ['bad-agent.toml', 'agent.clock_step: unknown key'],
  ])('rejects %s with exit 2 naming the key path', (file, message) => {
    const root = makeRoot();
    const out = runPiped(root, ['--scenario', join(FIXTURES, file), '-p', 'hi']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(`scenario "${join(FIXTURES, file)}" is invalid`);
    expect(out.stderr).toContain(message);
  });

  it('exits 2 when no scenario is given or the file is missing', () => {
    const root = makeRoot();
    expect(runPiped(root, ['-p', 'hi']).stderr).toContain('no scenario: pass --scenario');
    const missing = runPiped(root, ['-p', 'hi'], {
      FAKE_AGENT_SCENARIO: join(root.home, 'nope.toml'),
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/scenario ".*nope\.toml" cannot be read \(ENOENT\)/);
  });
});
