// End-to-end: agent phases with the fake agent in supervised sessions, through the real `oj`
// binary — `oj done`, idle → nudge, stuck → restart → escalate → decision, permission prompts,
// timeouts, crashes, `oj session …`, stale epochs, and sessions outliving `oj daemon stop`.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import pty from 'node-pty';
import { OJ_BIN, cleanEnv, makeProject, runOj } from './helpers/oj.js';
import type { OjResult } from './helpers/oj.js';
import { waitFor } from './helpers/wait.js';

interface Session {
  id: string;
  pipeline: string;
  state: string;
  health: string;
  generation: number;
  restarts: number;
  nudges: number;
  pid: number | null;
  decision: string | null;
}
interface Decision {
  id: string;
  pipeline: string;
  cause: string;
  options: string[];
}
interface Trace {
  kind?: string;
  type?: string;
  [k: string]: unknown;
}

const started: { project: string; state: string }[] = [];

/** A project whose `fix` pipeline runs agent `worker` (the fake agent on `scenario`) then `check`. */
function setup(scenario: string, agentExtra = '', pipelineExtra = '', command?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'oj-agent-'));
  const trace = join(dir, 'trace.jsonl');
  writeFileSync(join(dir, 'scenario.toml'), scenario);
  const project = makeProject({
    'fix.toml': `
[command.fix]
args = "<task>"
run = { pipeline = "fix" }

[pipeline.fix]
inputs = ["task"]
${pipelineExtra}

[[pipeline.fix.phase]]
name = "work"
agent = "worker"
next = "check"

# Idempotent (it is): a spec that SIGKILLs ojd around the agent's end may land in this phase.
[[pipeline.fix.phase]]
name = "check"
run = "echo checked"
idempotent = true

[agent.worker]
command = "${command ?? `oj-fake-agent --scenario ${join(dir, 'scenario.toml')}`}"
driver = "claude"
prompt = "implement {task}"
env = { FAKE_AGENT_TRACE = "${trace}", CLAUDE_CONFIG_DIR = "${join(dir, 'claude')}" }
${agentExtra}
`,
  });
  const state = join(dir, 'state');
  started.push({ project, state });
  const oj = (...args: string[]): OjResult =>
    runOj(args, { cwd: project, env: { OJ_STATE_DIR: state, OJ_SESSION_TIMING: 'test' } });
  const ok = (...args: string[]): string => {
    const r = oj(...args);
    if (r.code !== 0) throw new Error(`oj ${args.join(' ')} → ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const json = <T>(...args: string[]): T => JSON.parse(ok(...args, '-o', 'json')) as T;
  const traceOf = (): Trace[] => {
    try {
      return readFileSync(trace, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Trace);
    } catch {
      return [];
    }
  };
  const start = (): string => {
    ok('run', 'fix', 'the thing');
    return (json<{ id: string }[]>('pipeline', 'list')[0] as { id: string }).id;
  };
  const status = (id: string) =>
    json<{ status: string; phase: string; error: string | null }>('pipeline', 'show', id);
  const sessions = () => json<Session[]>('session', 'list');
  const decisions = () => json<Decision[]>('decision', 'list');
  return { dir, project, state, oj, ok, json, traceOf, start, status, sessions, decisions };
}

type Env = ReturnType<typeof setup>;

async function waitStatus(env: Env, id: string, wanted: string, ms = 20_000) {
  return waitFor(
    () => {
      const s = env.status(id);
      if (['failed', 'cancelled'].includes(s.status) && s.status !== wanted)
        throw new Error(`pipeline ended ${s.status}: ${s.error ?? ''}`);
      return s.status === wanted ? s : null;
    },
    `pipeline ${id} to be ${wanted}`,
    ms,
  );
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The live session host serving agent dir `dir`, found by its command line in /proc. */
const hostProcessOf = (dir: string): { pid: number; dir: string } | null => {
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a.endsWith('session-host.js')) && argv.includes(dir) && alive(pid))
        return { pid, dir };
    } catch {
      // gone meanwhile
    }
  }
  return null;
};

afterEach(() => {
  for (const { project, state } of started.splice(0))
    runOj(['daemon', 'stop', '--kill'], { cwd: project, env: { OJ_STATE_DIR: state } });
});
afterAll(() => undefined);

describe('agent phases', () => {
  it('an agent that edits files and calls oj done advances the pipeline', async () => {
    const env = setup(`
[[turn]]
on = { contains = "implement" }
steps = [{ say = "On it." }, { write = "result.txt", content = "fixed" }, { done = {} }]
`);
    const id = env.start();
    await waitStatus(env, id, 'done');
    expect(readFileSync(join(env.project, 'result.txt'), 'utf8')).toBe('fixed');
    const prompt = env.traceOf().find((t) => t.kind === 'prompt' || t.type === 'prompt');
    expect(JSON.stringify(prompt)).toContain('implement the thing');
    // The agent gets its own run's context and nothing of the daemon's beyond it.
    const started = env.traceOf().find((t) => t.type === 'start') as {
      env: Record<string, string>;
    };
    expect(Object.keys(started.env).sort()).toEqual([
      'OJ_EPOCH',
      'OJ_HOOK_TOKEN',
      'OJ_PHASE',
      'OJ_PIPELINE',
      'OJ_PROJECT',
      'OJ_SESSION_SOCK',
      'OJ_SESSION_TIMING',
      'OJ_STATE_DIR',
      'OJ_WORKSPACE',
    ]);
    expect(started.env.OJ_EPOCH).toMatch(/^ag-.+#1$/);
    expect(env.status(id).phase).toBe('check');
  });

  it('nudges an idle agent after idle_timeout; it resumes and finishes', async () => {
    const env = setup(
      `
[[turn]]
on = { contains = "implement" }
steps = [{ say = "Thinking about it." }, { idle = true }]

[[turn]]
on = { contains = "Continue" }
steps = [{ write = "nudged.txt", content = "yes" }, { done = {} }]
`,
      'idle_timeout = "1s"\non_stuck = ["nudge", "escalate"]',
    );
    const id = env.start();
    await waitStatus(env, id, 'done');
    expect(existsSync(join(env.project, 'nudged.txt'))).toBe(true);
    const messages = env.traceOf().filter((t) => (t.kind ?? t.type) === 'message');
    expect(messages.some((m) => JSON.stringify(m).includes('Continue'))).toBe(true);
  });

  it('restarts a stuck agent, then escalates; resolve retry with a message finishes it', async () => {
    const env = setup(
      `
[[turn]]
on = { contains = "finish now" }
steps = [{ write = "retried.txt", content = "ok" }, { done = {} }]

[[turn]]
on = "*"
steps = [{ say = "Hmm." }, { idle = true }]
`,
      'idle_timeout = "700ms"\non_stuck = ["restart:1", "escalate"]',
    );
    const id = env.start();
    await waitStatus(env, id, 'escalated');
    const [decision] = env.decisions();
    expect(decision?.cause).toBe('idle');
    expect(decision?.options).toContain('retry');
    const [session] = env.sessions();
    expect(session?.restarts).toBe(1);
    expect(session?.health).toBe('escalated');
    env.ok('decision', 'resolve', decision?.id ?? '', 'retry', '-m', 'finish now');
    await waitStatus(env, id, 'done');
    expect(existsSync(join(env.project, 'retried.txt'))).toBe(true);
    const starts = env.traceOf().filter((t) => (t.kind ?? t.type) === 'start');
    expect(starts.length).toBe(3); // first run, the stuck restart, the retry
    expect(JSON.stringify(starts.at(-1))).toContain('--resume');
  });

  it('turns a permission prompt into a decision; approve lets the agent continue', async () => {
    const env = setup(`
[[turn]]
on = { contains = "implement" }
steps = [{ run = "echo approved > perm.txt", permission = "ask" }, { done = {} }]
`);
    const id = env.start();
    await waitStatus(env, id, 'escalated');
    const [decision] = env.decisions();
    expect(decision?.cause).toBe('prompt');
    expect(decision?.options).toEqual(['approve', 'deny', 'cancel']);
    env.ok('decision', 'resolve', decision?.id ?? '', 'approve');
    await waitStatus(env, id, 'done');
    expect(readFileSync(join(env.project, 'perm.txt'), 'utf8').trim()).toBe('approved');
  });

  it('applies on_timeout when the agent runs past its timeout', async () => {
    const env = setup(
      `
[[turn]]
on = "*"
steps = [{ say = "working forever" }, { hang = {} }]
`,
      'timeout = "1s"\non_timeout = "escalate"',
    );
    const id = env.start();
    await waitStatus(env, id, 'escalated');
    const [decision] = env.decisions();
    expect(decision?.cause).toBe('timeout');
    env.ok('decision', 'resolve', decision?.id ?? '', 'skip');
    await waitStatus(env, id, 'done');
  });

  it('handles a crash per on_exit: one restart, then a kill escalates; skip moves on', async () => {
    const env = setup(
      `
[[turn]]
on = { contains = "implement" }
steps = [{ say = "about to crash" }, { crash = { exit_code = 3 } }]
`,
      'on_exit = ["restart:1", "escalate"]',
    );
    const id = env.start();
    const restarted = await waitFor(
      () =>
        env.sessions().find((s) => s.restarts === 1 && s.pid !== null && s.state !== 'starting'),
      'the crashed agent to be restarted',
    );
    expect(env.ok('session', 'kill', restarted.id)).toContain('killing');
    await waitStatus(env, id, 'escalated');
    const [decision] = env.decisions();
    expect(decision?.cause).toBe('exit');
    expect(decision?.options).toEqual(['retry', 'skip', 'cancel']);
    env.ok('decision', 'resolve', decision?.id ?? '', 'skip');
    await waitStatus(env, id, 'done');
  });

  it('oj session peek, send and nudge act on a live agent', async () => {
    const env = setup(`
[[turn]]
on = { contains = "implement" }
steps = [{ say = "Ready when you are." }, { idle = true }]

[[turn]]
on = { contains = "ship it" }
steps = [{ done = {} }]
`);
    const id = env.start();
    const session = await waitFor(
      () => env.sessions().find((s) => s.state === 'idle'),
      'the agent to go idle',
    );
    expect(env.ok('session', 'peek', session.id)).toContain('Ready when you are.');
    expect(Number(env.ok('session', 'idle-time', session.id).trim())).toBeGreaterThanOrEqual(0);
    expect(env.ok('session', 'nudge', session.id, 'are you there?')).toContain('nudged');
    await waitFor(
      () =>
        env
          .traceOf()
          .some(
            (t) => (t.kind ?? t.type) === 'message' && JSON.stringify(t).includes('are you there?'),
          ),
      'the nudge to reach the agent',
    );
    await waitFor(() => env.sessions().find((s) => s.state === 'idle'), 'idle again');
    env.ok('session', 'send', session.id, 'ship it');
    await waitStatus(env, id, 'done');
  });

  it('rejects a stale oj done from an earlier epoch and leaves the pipeline alone', async () => {
    const env = setup(`
[[turn]]
on = { contains = "implement" }
steps = [{ say = "Waiting." }, { idle = true }]
`);
    const id = env.start();
    const session = await waitFor(() => env.sessions().find((s) => s.state === 'idle'), 'idle');
    const stale = runOj(['done'], {
      cwd: env.project,
      env: {
        OJ_STATE_DIR: env.state,
        OJ_PIPELINE: id,
        OJ_PHASE: 'work',
        OJ_EPOCH: `${session.id}#0`,
      },
    });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/stale epoch/);
    expect(env.status(id).status).toBe('running');
    const current = runOj(['done'], {
      cwd: env.project,
      env: {
        OJ_STATE_DIR: env.state,
        OJ_PIPELINE: id,
        OJ_PHASE: 'work',
        OJ_EPOCH: `${session.id}#${session.generation}`,
      },
    });
    expect(current.code).toBe(0);
    await waitStatus(env, id, 'done');
  });

  it('oj daemon stop leaves sessions running; stop --kill leaves no process or socket', async () => {
    const env = setup(`
[[turn]]
on = { contains = "implement" }
steps = [{ say = "Waiting." }, { idle = true }]
`);
    env.start();
    const session = await waitFor(
      () => env.sessions().find((s) => s.state === 'idle' && s.pid),
      'idle',
    );
    const pid = session.pid as number;
    env.ok('daemon', 'stop');
    expect(alive(pid)).toBe(true);
    const again = await waitFor(
      () => env.sessions().find((s) => s.id === session.id),
      're-attached',
    );
    expect(again.pid).toBe(pid);
    env.ok('daemon', 'stop', '--kill');
    await waitFor(() => !alive(pid), 'the agent to be gone');
    const sessionsDir = join(env.state, 'sessions');
    const sockets = readdirSync(sessionsDir, { recursive: true }).filter((f) =>
      String(f).endsWith('.sock'),
    );
    expect(sockets).toEqual([]);
  });

  it('survives SIGKILL of ojd with three agents working: same processes re-attached, none spawned twice', async () => {
    const env = setup(`
[[turn]]
on = { contains = "implement" }
steps = [{ say = "working" }, { barrier = "GO" }, { write = "out.txt", content = "x" }, { done = {} }]
`);
    for (const task of ['a', 'b', 'c']) env.ok('run', 'fix', task);
    const before = await waitFor(() => {
      const list = env.sessions().filter((s) => s.pid !== null && s.state === 'working');
      return list.length === 3 ? list : null;
    }, 'three working agents');
    const daemon = JSON.parse(env.ok('daemon', 'status', '-o', 'json')) as { pid: number };
    process.kill(daemon.pid, 'SIGKILL');
    await waitFor(() => !alive(daemon.pid), 'ojd to die');
    const after = env.sessions();
    expect(after.map((s) => [s.id, s.pid]).sort()).toEqual(before.map((s) => [s.id, s.pid]).sort());
    for (const s of before) expect(alive(s.pid as number)).toBe(true);
    writeFileSync(join(env.project, 'GO'), '');
    await waitFor(() => {
      const list = env.json<{ status: string }[]>('pipeline', 'list');
      if (list.some((p) => p.status === 'failed')) throw new Error(JSON.stringify(list));
      return list.length === 3 && list.every((p) => p.status === 'done');
    }, 'all three pipelines to finish');
    const starts = env.traceOf().filter((t) => (t.kind ?? t.type) === 'start');
    expect(starts).toHaveLength(3);
  });

  it('stops an agent still running after its oj done when ojd was SIGKILLed before stopping it', async () => {
    const env = setup(`
[[turn]]
on = { contains = "implement" }
steps = [{ done = {} }, { say = "one more thing" }, { barrier = "GO" }]
`);
    const id = env.start();
    // The done step is traced once `oj done` was acknowledged; the daemon then lets the still
    // working agent finish its turn (2 s with test timing) before stopping it: kill ojd in there.
    const done = () => env.traceOf().some((t) => t.type === 'step' && t.kind === 'done');
    await waitFor(done, 'the agent to call oj done', 20_000, 10);
    const daemon = Number(readFileSync(join(env.state, 'run', 'ojd.pid'), 'utf8'));
    process.kill(daemon, 'SIGKILL');
    await waitFor(() => !alive(daemon), 'ojd to die');
    // Restarts ojd. The agent run is over; the check phase after it may be re-run (idempotent).
    await waitFor(() => env.status(id).status === 'done', 'the pipeline to finish');
    const agent = env.traceOf().find((t) => t.type === 'start')?.pid as number;
    await waitFor(() => !alive(agent), 'the ownerless agent to be stopped');
    const sockets = readdirSync(join(env.state, 'sessions'), { recursive: true }).filter((f) =>
      String(f).endsWith('.sock'),
    );
    await waitFor(
      () => sockets.every((f) => !existsSync(join(env.state, 'sessions', String(f)))),
      'its host to exit and remove its socket',
    );
  });

  it('a daemon restarted while a session host is still starting waits for it, never spawning a second agent', async () => {
    // The input puts the first spawn a second after the run starts, so it is caught as it starts;
    // the restarted daemon's spawn comes at once, while that host is still held.
    const env = setup(
      `
[[turn]]
on = { contains = "implement" }
steps = [{ say = "working" }, { barrier = "GO" }, { done = {} }]
`,
      'inputs = [{ name = "pause", source = "test -e restarted || sleep 1" }]',
    );
    const id = env.start();
    // Catch the host before it is up (host.json), and hold it there: a host slower to start than
    // the daemon is to restart.
    const sessions = join(env.state, 'sessions');
    const host = await waitFor(
      () => {
        const dir = existsSync(sessions) ? readdirSync(sessions)[0] : undefined;
        return dir === undefined ? null : hostProcessOf(join(sessions, dir));
      },
      'the session host to be starting',
      20_000,
      5,
    );
    process.kill(host.pid, 'SIGSTOP');
    expect(existsSync(join(host.dir, 'host.json'))).toBe(false);
    const daemon = Number(readFileSync(join(env.state, 'run', 'ojd.pid'), 'utf8'));
    process.kill(daemon, 'SIGKILL');
    await waitFor(() => !alive(daemon), 'ojd to die');
    writeFileSync(join(env.project, 'restarted'), '');
    env.ok('status'); // the new daemon finds the agent run without a session, and spawns it
    process.kill(host.pid, 'SIGCONT');
    // Up and running its turn; on a busy machine its state may already read idle by the time a
    // poll (an `oj` process) sees it, since the agent waits silently at the barrier.
    await waitFor(
      () =>
        env.sessions().find((s) => s.pid !== null && (s.state === 'working' || s.state === 'idle')),
      'the agent to work',
      30_000,
    );
    writeFileSync(join(env.project, 'GO'), '');
    await waitStatus(env, id, 'done');
    expect(env.traceOf().filter((t) => t.type === 'start')).toHaveLength(1);
    await waitFor(() => !alive(host.pid), 'its host to exit with its agent');
    expect(hostProcessOf(host.dir)).toBeNull();
  });

  it('fails the phase with a clear error when the agent command does not exist', async () => {
    const env = setup('', '', '', 'no-such-agent-cli --flag');
    const id = env.start();
    const failed = await waitStatus(env, id, 'failed');
    expect(failed.error).toMatch(/"no-such-agent-cli" was not found on PATH/);
  });

  it('oj session attach is a live terminal on the agent; Ctrl-] detaches and leaves it running', async () => {
    const env = setup(`
[[turn]]
on = { contains = "implement" }
steps = [{ say = "Attach to me." }, { idle = true }]

[[turn]]
on = { contains = "typed through attach" }
steps = [{ say = "Got it from the terminal." }, { idle = true }]
`);
    env.start();
    const session = await waitFor(() => env.sessions().find((s) => s.state === 'idle'), 'idle');
    expect(env.oj('session', 'idle-time', session.id, '--over', '0s').code).toBe(0);
    expect(env.oj('session', 'idle-time', session.id, '--over', '1h').code).toBe(1);
    const term = pty.spawn(process.execPath, [OJ_BIN, 'session', 'attach', session.id], {
      cwd: env.project,
      env: { ...cleanEnv(), OJ_STATE_DIR: env.state, OJ_SESSION_TIMING: 'test' },
      cols: 100,
      rows: 30,
    });
    let screen = '';
    term.onData((d) => (screen += d));
    const exited = new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
    await waitFor(() => screen.includes('Attach to me.'), 'the redraw of the agent screen');
    term.write('typed through attach');
    await waitFor(() => screen.includes('typed through attach'), 'the typed text echoed');
    term.write('\r');
    await waitFor(() => screen.includes('Got it from the terminal.'), 'the agent answering');
    term.write('\x1d');
    expect(await exited).toBe(0);
    expect(screen).toContain('detached');
    expect(alive(session.pid as number)).toBe(true);
  });

  it('continues a finished agent: its conversation is resumed with the follow-up message', async () => {
    const env = setup(`
[[turn]]
on = { contains = "implement" }
steps = [{ write = "first.txt", content = "1" }, { done = {} }]

[[turn]]
on = { contains = "also add docs" }
steps = [{ write = "docs.txt", content = "docs" }, { done = {} }]
`);
    const id = env.start();
    await waitStatus(env, id, 'done');
    const out = env.ok('session', 'continue', id, 'also', 'add', 'docs');
    expect(out).toContain('resuming its conversation');
    await waitFor(
      () => existsSync(join(env.project, 'docs.txt')),
      'the follow-up to write docs.txt',
    );
    await waitFor(() => env.sessions().length === 0, 'the follow-up run to end');
    const starts = env
      .traceOf()
      .filter((t) => t.type === 'start')
      .map((t) => (t.argv as string[]).join(' '));
    const conversation = /--session-id (\S+)/.exec(starts[0] ?? '')?.[1];
    expect(conversation).toBeTruthy();
    expect(starts[1]).toContain(`--resume ${conversation}`);
    expect(env.status(id).status).toBe('done');
  });
});
