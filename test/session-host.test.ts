// The session host as the daemon uses it: real sidecar processes from dist/session-host.js running
// small node/sh agents under the generic driver with the test timing preset, driven over the socket.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  connectSession,
  isAgentAlive,
  readSessionEvents,
  spawnSessionHost,
} from '../src/session/index.js';
import type {
  HostInfo,
  SessionClient,
  SpawnSpec,
  StateFrame,
  SubscribedFrame,
} from '../src/session/index.js';
import { ShellSpawner } from '../src/actors/index.js';
import { REPO_ROOT } from './helpers/oj.js';
import { waitFor } from './helpers/wait.js';

const HOOK_ENTRY = join(REPO_ROOT, 'dist', 'session-hook.js');

// An agent that logs every chunk it reads (raw mode: no line buffering) to a file, echoes it
// (unless SILENT is set), and exits 7 on "q". It records its argv and hook token in <file>.info.
const ECHO_AGENT = `
const fs = require('fs');
const out = process.argv[2];
const info = { argv: process.argv.slice(3), token: process.env.OJ_HOOK_TOKEN, sock: process.env.OJ_SESSION_SOCK };
fs.writeFileSync(out + '.info', JSON.stringify(info));
process.stdout.write('ready for input\\r\\n');
process.stdin.setRawMode(true);
process.stdin.on('data', (d) => {
  const s = d.toString();
  fs.appendFileSync(out, JSON.stringify(s) + '\\n');
  if (!process.env.SILENT) process.stdout.write('got ' + JSON.stringify(s) + '\\r\\n');
  if (s === 'q') process.exit(7);
});
`;

interface AgentInfo {
  argv: string[];
  token: string;
  sock: string;
}

interface Started {
  info: HostInfo;
  dir: string;
  chunksFile: string;
}

const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      fn();
    } catch {
      // already gone
    }
  }
});

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'oj-sh-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

/** The spawn spec of a generic agent running `command` in `root`, its session in `dir`. */
function specIn(root: string, dir: string, command: string): SpawnSpec {
  return {
    agentId: 'ag-test',
    dir,
    command,
    driver: 'generic',
    cwd: root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root },
    timing: 'test',
    cols: 80,
    rows: 24,
  };
}

async function startHost(
  command: string | ((root: string) => string),
  extra: Partial<SpawnSpec> = {},
): Promise<Started> {
  const root = tempRoot();
  const dir = extra.dir ?? join(root, 'agent');
  const chunksFile = join(root, 'chunks.jsonl');
  writeFileSync(join(root, 'echo.cjs'), ECHO_AGENT);
  const info = await spawnSessionHost({
    ...specIn(root, dir, typeof command === 'function' ? command(root) : command),
    ...extra,
  });
  cleanups.push(
    () => killQuietly(-info.pgid),
    () => killQuietly(info.hostPid),
  );
  return { info, dir, chunksFile };
}

const echoAgent = (root: string): string =>
  `node ${join(root, 'echo.cjs')} ${join(root, 'chunks.jsonl')}`;

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

async function connect(info: HostInfo): Promise<SessionClient> {
  const client = await connectSession(info.socket, { timeoutMs: 5_000 });
  cleanups.push(() => client.close());
  return client;
}

/** Subscribes from seq 0 and collects every frame. */
async function follow(client: SessionClient): Promise<SubscribedFrame[]> {
  const frames: SubscribedFrame[] = [];
  await client.subscribe(0, (f) => frames.push(f));
  return frames;
}

/** The echo agent prints its greeting once it reads its terminal raw (earlier input is cooked). */
function waitForGreeting(client: SessionClient): Promise<boolean> {
  return waitFor(
    async () => (await client.screen()).lines.includes('ready for input'),
    'the greeting on screen',
  );
}

/** What the echo agent recorded about how it was started. */
function agentInfo(chunksFile: string): Promise<AgentInfo> {
  return waitFor(() => {
    const file = `${chunksFile}.info`;
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as AgentInfo) : undefined;
  }, 'the agent to record its start');
}

function states(frames: SubscribedFrame[]): StateFrame[] {
  return frames.filter((f): f is StateFrame => f.type === 'state');
}

function chunks(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as string);
}

function isGroupGone(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function postHook(
  socket: string,
  token: string,
  body: string,
  event = 'Stop',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: socket,
        path: `/hooks/${event}`,
        method: 'POST',
        headers: { 'x-oj-hook-token': token },
      },
      (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('session host', () => {
  it('goes from starting to working on output and to idle after a quiet spell', async () => {
    const { info } = await startHost(echoAgent);
    const client = await connect(info);
    const frames = await follow(client);
    await waitFor(() => states(frames).some((s) => s.state === 'idle'), 'idle');
    const seen = states(frames).map((s) => [s.prev, s.state]);
    expect(seen.slice(0, 2)).toEqual([
      ['starting', 'working'],
      ['working', 'idle'],
    ]);
    const seqs = states(frames).map((s) => s.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(isAgentAlive(info)).toBe(true);
  });

  it('shows what the agent printed in a screen peek, as text and as ANSI', async () => {
    const { info } = await startHost(echoAgent);
    const client = await connect(info);
    const text = await waitFor(async () => {
      const s = await client.screen('text');
      return s.lines.includes('ready for input') && s;
    }, 'the greeting on screen');
    expect(text).toMatchObject({ cols: 80, rows: 24, altScreen: false });
    expect((await client.screen('ansi')).ansi).toContain('ready for input');
  });

  it('types a nudge as the text, then a separate Enter, and reports it delivered', async () => {
    const { info, chunksFile } = await startHost(echoAgent);
    const client = await connect(info);
    const frames = await follow(client);
    await waitFor(() => states(frames).at(-1)?.state === 'idle', 'idle');
    const reply = await client.nudge('please continue');
    expect(reply).toEqual({ delivered: true, stateBefore: 'idle', enterResent: false });
    await waitFor(() => chunks(chunksFile).length >= 2, 'both writes to arrive');
    expect(chunks(chunksFile)).toEqual(['please continue', '\r']);
  });

  it('re-sends the Enter once when no transition follows the nudge', async () => {
    const { info, chunksFile } = await startHost(echoAgent, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SILENT: '1' },
    });
    const client = await connect(info);
    const frames = await follow(client);
    await waitFor(() => states(frames).at(-1)?.state === 'idle', 'idle');
    const reply = await client.nudge('anyone there?');
    expect(reply).toEqual({ delivered: true, stateBefore: 'idle', enterResent: true });
    await waitFor(() => chunks(chunksFile).length >= 3, 'the text and two Enters');
    expect(chunks(chunksFile)).toEqual(['anyone there?', '\r', '\r']);
  });

  it('passes raw input through without an implied Enter', async () => {
    const { info, chunksFile } = await startHost(echoAgent);
    const client = await connect(info);
    await waitForGreeting(client);
    expect(await client.input({ text: 'abc' })).toEqual({ bytes: 3 });
    await client.input({ keys: ['Down', 'Enter'] });
    await client.input({ data: Buffer.from([0x03]) });
    await waitFor(() => chunks(chunksFile).join('').length >= 8, 'every byte');
    expect(chunks(chunksFile).join('')).toBe('abc\x1b[B\r\x03');
  });

  it('refuses to nudge an agent that is still starting', async () => {
    // A silent agent counts as idle after the quiet spell: make that spell longer than the test.
    const { info } = await startHost('sleep 30', { timing: { preset: 'test', quietMs: 60_000 } });
    const client = await connect(info);
    await expect(client.nudge('hello')).rejects.toMatchObject({ code: 'NOT_READY' });
  });

  it('replays the transitions a client missed when it subscribes with sinceSeq', async () => {
    const { info } = await startHost(echoAgent);
    const first = await connect(info);
    const early = await follow(first);
    await waitFor(() => states(early).some((s) => s.state === 'idle'), 'idle');
    const seenSeq = states(early)[0]!.seq; // the client saw only the first transition
    first.close();

    const second = await connect(info);
    const later: SubscribedFrame[] = [];
    const sub = await second.subscribe(seenSeq, (f) => later.push(f), { topics: ['state'] });
    expect(sub.replayed).toBeGreaterThanOrEqual(1);
    expect(states(later)[0]).toMatchObject({ seq: seenSeq + 1, prev: 'working', state: 'idle' });
    expect(sub.snapshot).toMatchObject({ snapshot: true, state: 'idle' });
    expect(sub.snapshot.seq).toBeGreaterThanOrEqual(seenSeq + 1);
  });

  it('keeps running when a client disconnects, and takes a new client', async () => {
    const { info } = await startHost(echoAgent);
    const first = await connect(info);
    const closed = new Promise((resolve) => first.onClose(resolve));
    first.close();
    await closed;
    const second = await connect(info);
    expect(second.hello).toMatchObject({
      agentId: 'ag-test',
      agentPid: info.agentPid,
      pgid: info.pgid,
    });
    await waitForGreeting(second);
  });

  it('reports the exit code in the exit frame, the last event, then the host goes away', async () => {
    const { info, dir } = await startHost(echoAgent);
    const client = await connect(info);
    const frames = await follow(client);
    await waitFor(() => states(frames).length > 0, 'a first transition');
    await client.input({ text: 'q' });
    const exit = await waitFor(() => frames.find((f) => f.type === 'exit'), 'the exit frame');
    expect(exit).toMatchObject({ code: 7, signal: null });
    expect(states(frames).at(-1)).toMatchObject({ state: 'exited' });
    expect(readSessionEvents(dir).at(-1)).toMatchObject({ type: 'exit', code: 7 });
    await waitFor(() => !existsSync(info.socket), 'the socket to be removed');
    await waitFor(() => isGroupGone(info.hostPid), 'the host to exit');
    expect(isAgentAlive(info)).toBe(false);
  });

  it('kills the whole process group, leaving no process and no socket', async () => {
    // A background child in the agent's group that would otherwise outlive it.
    const { info } = await startHost(
      (root) => `sh -c 'sleep 300 & exec node ${join(root, 'echo.cjs')} ${join(root, 'c')}'`,
    );
    const client = await connect(info);
    const frames = await follow(client);
    await waitFor(() => states(frames).length > 0, 'output');
    expect(await client.kill()).toMatchObject({ signal: 'SIGHUP', alreadyExited: false });
    await waitFor(() => frames.find((f) => f.type === 'exit'), 'the exit frame');
    await waitFor(() => isGroupGone(info.pgid), 'the process group to be empty');
    await waitFor(() => !existsSync(info.socket), 'the socket to be removed');
  });

  it('escalates to SIGKILL when the agent ignores SIGHUP', async () => {
    const { info } = await startHost(
      `sh -c "trap '' HUP; echo stubborn; while :; do sleep 1; done"`,
    );
    const client = await connect(info);
    const frames = await follow(client);
    await waitFor(() => states(frames).length > 0, 'output');
    await client.kill();
    const exit = await waitFor(() => frames.find((f) => f.type === 'exit'), 'the exit frame');
    expect(exit).toMatchObject({ code: null, signal: 'SIGKILL' });
    await waitFor(() => isGroupGone(info.pgid), 'the process group to be empty');
  });

  it('rejects a missing agent program at once, naming it and PATH', async () => {
    const started = Date.now();
    await expect(startHost('oj-no-such-agent --flag')).rejects.toThrow(
      /agent command "oj-no-such-agent" was not found on PATH \(.+\); install it or fix the agent's command in the runbook/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('takes hook calls only with the session token', async () => {
    const { info, chunksFile } = await startHost(echoAgent);
    const { token } = await agentInfo(chunksFile);
    expect((await postHook(info.socket, 'wrong', '{}')).status).toBe(401);
    const client = await connect(info);
    const frames = await follow(client);
    expect(await postHook(info.socket, token, '{"hook_event_name":"Stop"}')).toEqual({
      status: 200,
      body: '{}',
    });
    await waitFor(
      () => frames.find((f) => f.type === 'hook' && f.event === 'Stop'),
      'the hook event',
    );

    // The hook command itself: posts stdin, prints the reply.
    const hook = spawnSync(process.execPath, [HOOK_ENTRY, 'Stop'], {
      input: '{"hook_event_name":"Stop"}',
      env: { ...process.env, OJ_SESSION_SOCK: info.socket, OJ_HOOK_TOKEN: token },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect({ status: hook.status, stdout: hook.stdout }).toEqual({ status: 0, stdout: '{}' });
  });

  it('starts Claude with its session id and hook settings, and follows its hooks', async () => {
    const sessionId = '3f2b8c1e-0000-4000-8000-000000000001';
    const { info, dir, chunksFile } = await startHost(echoAgent, { driver: 'claude', sessionId });
    const agent = await agentInfo(chunksFile);
    const settingsPath = join(dir, 'settings.json');
    expect(agent.argv).toEqual(['--session-id', sessionId, '--settings', settingsPath]);
    expect(agent.sock).toBe(info.socket);
    expect(info.sessionId).toBe(sessionId);
    const settings = JSON.parse(readFileSync(settingsPath, 'utf8')) as {
      hooks: Record<string, { hooks: { command: string; timeout: number }[] }[]>;
    };
    expect(Object.keys(settings.hooks).sort()).toEqual(
      [
        'Notification',
        'PermissionRequest',
        'PreToolUse',
        'SessionStart',
        'Stop',
        'UserPromptSubmit',
      ].sort(),
    );
    expect(settings.hooks.Stop?.[0]?.hooks[0]).toEqual({
      type: 'command',
      command: `${process.execPath} ${HOOK_ENTRY} Stop`,
      timeout: 2,
    });

    const client = await connect(info);
    const frames = await follow(client);
    const permission = JSON.stringify({
      tool_name: 'Bash',
      tool_input: { command: 'rm -rf build' },
    });
    await postHook(info.socket, agent.token, permission, 'PermissionRequest');
    await waitFor(() => states(frames).at(-1)?.state === 'prompt', 'the permission prompt');
    expect(states(frames).at(-1)).toMatchObject({
      tier: 1,
      prompt: { kind: 'permission', tool: 'Bash' },
    });
    expect(await client.nudge('hello')).toMatchObject({ delivered: false, stateBefore: 'prompt' });
    expect(await client.respond({ accept: true })).toEqual({
      delivered: true,
      promptKind: 'permission',
    });
    await waitFor(() => chunks(chunksFile).length >= 1, 'the answer');
    expect(chunks(chunksFile)).toEqual(['1\r']);
    await waitFor(() => frames.find((f) => f.type === 'responded'), 'the broadcast answer');

    await postHook(info.socket, agent.token, JSON.stringify({ last_assistant_message: 'Done.' }));
    await waitFor(() => states(frames).at(-1)?.state === 'idle', 'idle from the Stop hook');
    expect(states(frames).at(-1)).toMatchObject({ cause: 'hook:Stop', lastMessage: 'Done.' });
    await expect(client.respond({ accept: true })).rejects.toMatchObject({ code: 'NO_PROMPT' });
  });

  it('turns a nudge at a plan prompt into a revision typed as text', async () => {
    const { info, chunksFile } = await startHost(echoAgent, { driver: 'claude' });
    const agent = await agentInfo(chunksFile);
    const client = await connect(info);
    const frames = await follow(client);
    const plan = JSON.stringify({
      tool_name: 'ExitPlanMode',
      tool_input: { plan: '1. add tests' },
    });
    await postHook(info.socket, agent.token, plan, 'PreToolUse');
    await waitFor(() => states(frames).at(-1)?.prompt?.kind === 'plan', 'the plan prompt');
    const reply = await client.nudge('cover the error paths too');
    expect(reply).toMatchObject({ delivered: true, stateBefore: 'prompt' });
    await waitFor(() => chunks(chunksFile).length >= 3, 'the revision');
    expect(chunks(chunksFile)).toEqual(['4\r', 'cover the error paths too', '\r']);
  });

  it('lets the hook command exit 0 quickly when no host answers', () => {
    const started = Date.now();
    const hook = spawnSync(process.execPath, [HOOK_ENTRY, 'Stop'], {
      input: '{}',
      env: {
        ...process.env,
        OJ_SESSION_SOCK: join(tmpdir(), 'oj-no-such.sock'),
        OJ_HOOK_TOKEN: 'x',
      },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(hook.status).toBe(0);
    expect(hook.stdout).toBe('');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('listens on a 0600 socket inside a 0700 directory', async () => {
    const { info, dir } = await startHost(echoAgent);
    expect(info.socket).toBe(join(dir, 's.sock'));
    expect(statSync(info.socket).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('moves the socket to a short hashed path when the agent dir is too deep for sun_path', async () => {
    const root = tempRoot();
    const dir = join(root, 'd'.repeat(60), 'e'.repeat(60), 'agent');
    const { info } = await startHost(echoAgent, { dir });
    expect(info.socket.startsWith(dir)).toBe(false);
    expect(Buffer.byteLength(info.socket)).toBeLessThanOrEqual(107);
    const client = await connect(info);
    expect(client.hello.agentPid).toBe(info.agentPid);
    await client.kill();
    await waitFor(() => !existsSync(info.socket), 'the hashed socket to be removed');
  });

  it('serves an attached client a redraw, then live output, and takes its keystrokes', async () => {
    const { info, chunksFile } = await startHost(echoAgent);
    const client = await connect(info);
    await waitForGreeting(client);
    const received: { data: string; redraw: boolean }[] = [];
    await client.attach(100, 30, (data, frame) =>
      received.push({ data, redraw: frame.redraw === true }),
    );
    expect(received[0]?.redraw).toBe(true);
    expect(received[0]?.data).toContain('ready for input');
    await client.input({ text: 'x' });
    await waitFor(() => received.some((r) => !r.redraw && r.data.includes('got "x"')), 'echo of x');
    expect(chunks(chunksFile)).toEqual(['x']);
    expect((await client.screen()).cols).toBe(100);
  });
});

describe('priority and where hosts start from', () => {
  /** The nice value of `pid`'s session scheduling group, where the kernel has one. */
  const groupNice = (pid: number): number | undefined =>
    existsSync(`/proc/${pid}/autogroup`)
      ? Number(readFileSync(`/proc/${pid}/autogroup`, 'utf8').trim().split(' ').at(-1))
      : undefined;

  it('runs the host and its agent at nice 10, each in a scheduling group at nice 10', async () => {
    const { info } = await startHost(echoAgent);
    for (const pid of [info.hostPid, info.agentPid]) {
      expect(getPriority(pid)).toBe(10);
      expect(groupNice(pid) ?? 10).toBe(10);
    }
  });

  it('starts the host from a shell spawner when given one, and reports a start that failed', async () => {
    const spawner = new ShellSpawner(
      new URL('../dist/shell-spawner.js', import.meta.url),
      () => {},
    );
    cleanups.push(() => void spawner.close());
    const root = tempRoot();
    writeFileSync(join(root, 'echo.cjs'), ECHO_AGENT);
    const info = await spawnSessionHost(specIn(root, join(root, 'agent'), echoAgent(root)), {
      start: (request) => spawner.start(request),
    });
    cleanups.push(
      () => killQuietly(-info.pgid),
      () => killQuietly(info.hostPid),
    );
    expect(readFileSync(`/proc/${info.hostPid}/stat`, 'utf8')).toMatch(
      new RegExp(`^${info.hostPid} \\(.*\\) \\w ${spawner.pid} `), // the spawner is its parent
    );
    const client = await connect(info);
    expect(await waitForGreeting(client)).toBe(true);

    const failing = spawnSessionHost(specIn(root, join(root, 'other'), 'true'), {
      start: () => Promise.resolve({ error: 'spawn ENOMEM' }),
    });
    await expect(failing).rejects.toThrow('could not start the session host: spawn ENOMEM');
    expect(readFileSync(join(root, 'other', 'spawn-error.json'), 'utf8')).toContain('ENOMEM');
  });
});

describe('spawning into a dir whose host is still starting', () => {
  it('joins a host whose spawner died before recording its pid, found by its command line', async () => {
    const root = tempRoot();
    const dir = join(root, 'agent');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, 'spawn.json'), '{}'); // a spawn was begun here…
    // …and its host runs (a stand-in with the host's command line), but host-pid.json was never
    // written: the daemon was killed right after starting it.
    const stand = spawn(
      process.execPath,
      ['-e', 'setTimeout(() => {}, 1500)', join(REPO_ROOT, 'dist', 'session-host.js'), dir],
      { stdio: 'ignore' },
    );
    cleanups.push(() => killQuietly(stand.pid as number));
    await waitFor(
      () => readFileSync(`/proc/${stand.pid}/cmdline`, 'utf8').includes(dir),
      'the stand-in to run',
    );
    const joined = spawnSessionHost(specIn(root, dir, 'true'));
    // It waits for that host rather than starting a second one, and fails when it exits silently.
    await expect(joined).rejects.toThrow(/exited .* before listening/);
    expect(existsSync(join(dir, 'host-pid.json'))).toBe(false);
  });
});
