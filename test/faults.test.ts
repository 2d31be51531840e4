// End-to-end: disk and process faults against the real daemon (issue 8) — the journal on a full
// disk (a real tmpfs), a session host killed with SIGKILL while its agent works, a git command
// that hangs while a workspace is made, and an agent flooding output at full speed. Throughout,
// the daemon must keep answering `oj status` quickly, lose nothing it acknowledged, and leave no
// process behind.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statfsSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { connectDaemon } from '../src/cli/client.js';
import type { DaemonClient } from '../src/cli/client.js';
import { makeProject, runOj } from './helpers/oj.js';
import { waitFor } from './helpers/wait.js';

/** The issue's bar for `oj status` while a fault goes on. */
const STATUS_LATENCY_MS = 200;
const PROBE_EVERY_MS = 100;

const isRoot = process.getuid?.() === 0;
/** What each spec started (daemons, connections, a mount), undone in reverse order after it. */
const cleanups: (() => void)[] = [];
const cleanUp = () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      cleanup();
    } catch (err) {
      console.error(`faults cleanup: ${String(err)}`);
    }
  }
};
afterEach(cleanUp);
afterAll(cleanUp);

interface Pipeline {
  id: string;
  name: string;
  status: string;
  phase: string | null;
  error: string | null;
}
interface Session {
  id: string;
  pipeline: string;
  state: string;
  generation: number;
  restarts: number;
  pid: number | null;
}
interface HostInfo {
  hostPid: number;
  agentPid: number;
  pgid: number;
}
interface JournalEvent {
  seq: number;
  type: string;
  [k: string]: unknown;
}

/** A project with `files` as runbooks and its own state dir; the daemon is killed in afterAll. */
function setup(files: Record<string, string>, env: Record<string, string> = {}, state?: string) {
  const project = makeProject(files);
  const stateDir = state ?? mkdtempSync(join(tmpdir(), 'oj-faults-state-'));
  const fullEnv = { OJ_STATE_DIR: stateDir, OJ_SESSION_TIMING: 'test', ...env };
  const oj = (...args: string[]) => runOj(args, { cwd: project, env: fullEnv });
  const ok = (...args: string[]): string => {
    const r = oj(...args);
    if (r.code !== 0) throw new Error(`oj ${args.join(' ')} → ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const json = <T>(...args: string[]): T => JSON.parse(ok(...args, '-o', 'json')) as T;
  cleanups.push(() => {
    oj('daemon', 'stop', '--kill');
  });
  return { project, state: stateDir, oj, ok, json };
}

/** A kept-open connection to the daemon of `state` (started by an `oj` call before). */
async function connect(state: string): Promise<DaemonClient> {
  const client = await connectDaemon({
    stateDir: state,
    version: 'faults-test',
    autoStart: false,
    restartOnMismatch: false,
  });
  cleanups.push(() => client.close());
  return client;
}

/**
 * Asks for `oj status` every ~100 ms until stopped and times each answer. The request goes over
 * one kept-open connection from this process, so what is measured is the daemon's responsiveness:
 * a fresh `oj` process spends 50–100 ms (far more on a loaded machine) just starting Node, which
 * says nothing about the daemon. Nothing in the test may block this process's event loop while a
 * probe runs (no spawnSync), or the wait would be counted against the daemon.
 */
function probeStatus(client: DaemonClient, project: string) {
  const times: number[] = [];
  let running = true;
  let failure: unknown;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      await client.request('status', { project });
      times.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS)); // pacing, not sync
    }
  })().catch((err: unknown) => (failure = err));
  return {
    async stop(): Promise<{ max: number; count: number }> {
      running = false;
      await loop;
      if (failure !== undefined) throw failure;
      return { max: Math.max(...times), count: times.length };
    },
  };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie is dead for our purposes (its parent has not reaped it yet).
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

const pipeline = (client: DaemonClient, id: string) =>
  client.request('pipeline.show', { id }) as Promise<Pipeline>;
const sessions = (client: DaemonClient, project: string) =>
  client.request('session.list', { project }) as Promise<Session[]>;
const hostInfo = (state: string, agent: string, generation: number): HostInfo | undefined => {
  const file = join(state, 'sessions', `${agent}.${generation}`, 'host.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as HostInfo) : undefined;
};

async function waitStatus(client: DaemonClient, id: string, wanted: string, ms = 20_000) {
  return waitFor(
    async () => {
      const p = await pipeline(client, id);
      return p.status === wanted ? p : null;
    },
    `pipeline ${id} to be ${wanted}`,
    ms,
  );
}

const agentRunbook = (scenario: string, extra = '') => `
[command.fix]
args = "<task>"
run = { pipeline = "fix" }

[pipeline.fix]
inputs = ["task"]

[[pipeline.fix.phase]]
name = "work"
agent = "worker"

[agent.worker]
command = "oj-fake-agent --scenario ${scenario}"
driver = "claude"
prompt = "implement {task}"
${extra}
`;

describe.skipIf(!isRoot)('disk faults (mounting a tmpfs needs root)', () => {
  it('a full disk: new work is refused with a clear error, reads go on, nothing acknowledged is lost, and work is taken again once space is freed', async (ctx) => {
    // The state dir lives on its own small tmpfs that the test fills completely.
    const mount = mkdtempSync(join(tmpdir(), 'oj-faults-disk-'));
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', mount], {
      encoding: 'utf8',
    });
    if (mounted.status !== 0)
      return ctx.skip(`cannot mount a tmpfs here: ${mounted.stderr.trim()}`);
    cleanups.push(() => {
      spawnSync('umount', ['-l', mount]);
      rmSync(mount, { recursive: true, force: true });
    });
    const env = setup(
      {
        'jobs.toml': `
[command.job]
args = "<n>"
run = { pipeline = "job" }

[pipeline.job]
inputs = ["n"]

[[pipeline.job.phase]]
name = "work"
run = "while [ -e {project}/hold-{n} ]; do sleep 0.05; done; touch {project}/left-{n}"
`,
      },
      {},
      join(mount, 'state'),
    );
    const run = (n: string) => env.ok('run', 'job', n).trim().split(/\s+/)[0] as string;
    const list = () =>
      env
        .json<Pipeline[]>('pipeline', 'list')
        .map((p) => `${p.id} ${p.name}`)
        .sort();
    const statusOf = (id: string) => env.json<Pipeline>('pipeline', 'show', id).status;

    const a = run('a');
    const b = run('b');
    writeFileSync(join(env.project, 'hold-slow'), '');
    const slow = run('slow'); // accepted, and still running when the disk fills
    await waitFor(() => statusOf(a) === 'done' && statusOf(b) === 'done', 'a and b to finish');
    const pid = env.json<{ pid: number }>('daemon', 'status').pid;
    const accepted = list();

    // Fill the disk to the last byte.
    const filler = join(mount, 'filler');
    const fd = openSync(filler, 'w');
    for (const size of [1 << 20, 4096, 1]) {
      const chunk = Buffer.alloc(size);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      }
    }
    closeSync(fd);
    expect(statfsSync(mount).bavail).toBe(0);

    const refused = env.oj('run', 'job', 'c');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /^oj: the journal cannot be written: no space left on device \(".+\/state\/journal": \d+ KiB free; oj stops writing below 8\.0 MiB\) — free space and retry; nothing already accepted was lost\n$/,
    );
    // Still up, still answering reads, and nothing was processed that was not journaled.
    expect(env.oj('status').code).toBe(0);
    expect(list()).toEqual(accepted);
    const types = env.json<JournalEvent[]>('events', '--limit', '500').map((e) => e.type);
    expect(types.filter((t) => t === 'pipeline:create')).toHaveLength(3);
    expect(env.oj('run', 'job', 'd').code).toBe(1);
    expect(env.json<{ pid: number }>('daemon', 'status').pid).toBe(pid);
    // The accepted run's command ends meanwhile; its result cannot be journaled, so it is not
    // processed either (journal first): the run stays running until there is space.
    unlinkSync(join(env.project, 'hold-slow'));
    const daemonLog = join(env.state, 'logs', 'daemon.log');
    await waitFor(
      () =>
        existsSync(join(env.project, 'left-slow')) &&
        readFileSync(daemonLog, 'utf8').includes('the journal is full: holding effect:done'),
      "the finished command's result to wait for space",
    );
    expect(statusOf(slow)).toBe('running');

    unlinkSync(filler);
    const e = run('e'); // taken again without a restart
    await waitFor(() => statusOf(e) === 'done', 'e to finish once space is back');
    await waitFor(() => statusOf(slow) === 'done', 'the run accepted before the fill to finish');
    expect(env.json<{ pid: number }>('daemon', 'status').pid).toBe(pid);

    // Everything acknowledged survives a restart; nothing refused appears.
    env.ok('daemon', 'stop');
    const after = env.json<Pipeline[]>('pipeline', 'list');
    expect(after.map((p) => `${p.id} ${p.name}`).sort()).toEqual(
      [...accepted, `${e} job-e`].sort(),
    );
    expect(after.every((p) => p.status === 'done')).toBe(true);
    // The result that waited for space went in once there was some. (A log file that cannot be
    // written at all is covered by src/runtime/log.test.ts: here its last page still had room;
    // a refused checkpoint by src/runtime/engine/checkpoints.test.ts.)
    expect(readFileSync(daemonLog, 'utf8')).toContain('the journal takes writes again');
  });
});

describe('process faults', () => {
  it('a session host killed with SIGKILL: the run restarts per on_exit, and status stays fast', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-faults-agent-'));
    const scenario = join(dir, 'scenario.toml');
    writeFileSync(
      scenario,
      `
[[turn]]
on = "*"
steps = [{ say = "Working on it." }, { barrier = "${join(dir, 'go')}" }, { done = {} }]
`,
    );
    const env = setup({
      'fix.toml': agentRunbook(scenario, 'on_exit = ["restart:1", "escalate"]'),
    });
    env.ok('run', 'fix', 'the thing');
    const client = await connect(env.state);
    const [first] = await waitFor(async () => {
      const list = await sessions(client, env.project);
      return list.length === 1 && list[0]?.state === 'working' ? list : null;
    }, 'the agent to be working');
    const session = first as Session;
    const host = hostInfo(env.state, session.id, 1) as HostInfo;
    expect(alive(host.hostPid) && alive(host.agentPid)).toBe(true);

    const probe = probeStatus(client, env.project);
    process.kill(host.hostPid, 'SIGKILL');
    const restarted = await waitFor(async () => {
      const s = (await sessions(client, env.project)).find((x) => x.id === session.id);
      return s && s.generation === 2 && ['working', 'idle'].includes(s.state) ? s : null;
    }, 'the run to restart its agent in a new session');
    expect(restarted.restarts).toBe(1);
    await waitFor(() => !alive(host.agentPid), 'the orphaned agent to be gone', 5_000);
    // The new session resumes the conversation and waits for a word; then it finishes the job.
    writeFileSync(join(dir, 'go'), '');
    await client.request('session.send', { id: session.id, text: 'carry on' });
    await waitStatus(client, session.pipeline, 'done');
    const latency = await probe.stop();

    expect(latency.count).toBeGreaterThan(3);
    expect(latency.max).toBeLessThan(STATUS_LATENCY_MS);
    const events = (await client.request('events', { limit: 500 })) as JournalEvent[];
    expect(events.find((e) => e.type === 'agent:exited')).toMatchObject({
      actor: session.id,
      generation: 1,
      code: null,
      signal: 'lost',
    });
    console.info(`faults: SIGKILLed session host — max oj status ${latency.max.toFixed(1)} ms`);
  });

  it('a git command that hangs: the workspace times out, its process group is killed, the phase fails naming the command, and status stays fast', async () => {
    const env = setup(
      {
        'build.toml': `
[command.build]
args = "<name>"
run = { pipeline = "build" }

[pipeline.build]
inputs = ["name"]

[pipeline.build.workspace]
branch = "oj/{name}"

[[pipeline.build.phase]]
name = "compile"
run = "echo compiled"
`,
      },
      { OJ_GIT_TIMEOUT: '1s' },
    );
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: env.project,
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t.invalid',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t.invalid',
        },
      });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-qm', 'init');
    // `git worktree add` runs post-checkout after the checkout: this one never returns.
    const pids = join(env.project, '.git', 'hang');
    mkdirSync(pids);
    const hook = join(env.project, '.git', 'hooks', 'post-checkout');
    writeFileSync(
      hook,
      `#!/bin/sh\necho $$ > '${pids}/hook'\nsleep 86400 &\necho $! > '${pids}/sleep'\nwait\n`,
    );
    chmodSync(hook, 0o755);

    env.ok('status');
    const client = await connect(env.state);
    const probe = probeStatus(client, env.project);
    const created = (await client.request('pipeline.create', {
      project: env.project,
      pipeline: 'build',
      inputs: { name: 'hang' },
    })) as Pipeline;
    const failed = await waitStatus(client, created.id, 'failed');
    const latency = await probe.stop();

    expect(failed.error).toMatch(
      /^phase "compile" failed: workspace of pl-\w+: git worktree add -B oj\/hang \S+ HEAD timed out after 1s in "[^"]+": Preparing worktree \(new branch 'oj\/hang'\) — look for a hook or a lock that hangs, or raise the timeout \(OJ_GIT_TIMEOUT\)$/,
    );
    const hung = ['hook', 'sleep'].map((name) => Number(readFileSync(join(pids, name), 'utf8')));
    await waitFor(() => hung.every((p) => !alive(p)), 'the hook and its sleep to be killed', 5_000);
    // The half-made worktree was removed with the killed command.
    expect(existsSync(join(env.state, 'workspaces', created.id))).toBe(false);
    expect(git('worktree', 'list', '--porcelain')).not.toContain(created.id);
    expect(latency.max).toBeLessThan(STATUS_LATENCY_MS);
    console.info(`faults: hanging git — max oj status ${latency.max.toFixed(1)} ms`);
  });

  it('an agent flooding output: status stays fast, heartbeats stay rate-limited, memory stays bounded, and the agent can be stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-faults-flood-'));
    const scenario = join(dir, 'scenario.toml');
    writeFileSync(
      scenario,
      `
[[turn]]
on = "*"
steps = [{ say = "Here it comes." }, { flood = 4000000000 }, { done = {} }]
`,
    );
    const env = setup({ 'fix.toml': agentRunbook(scenario) });
    env.ok('run', 'fix', 'the flood');
    const client = await connect(env.state);
    const session = await waitFor(async () => {
      const [s] = await sessions(client, env.project);
      return s && s.state === 'working' ? s : null;
    }, 'the agent to start flooding');
    const host = hostInfo(env.state, session.id, 1) as HostInfo;
    const lastSeq = async () => {
      const [last] = (await client.request('events', { limit: 1 })) as JournalEvent[];
      return last?.seq ?? 0;
    };
    const rss = async () =>
      ((await client.request('daemon.status', {})) as { rssBytes: number }).rssBytes;

    const before = { seq: await lastSeq(), rss: await rss(), at: performance.now() };
    const probe = probeStatus(client, env.project);
    const rssSeen: number[] = [];
    // Let it flood for a while, sampling the daemon's memory.
    await waitFor(
      async () => {
        rssSeen.push(await rss());
        return performance.now() - before.at > 4_000;
      },
      'four seconds of flooding',
      10_000,
      250,
    );
    const during = { seq: await lastSeq(), at: performance.now() };
    // The screen shows the numbered flood lines (64 bytes each) the agent has reached.
    const screen = (await client.request('session.peek', { id: session.id })) as {
      lines: string[];
    };
    const lines = Math.max(
      ...[...screen.lines.join('\n').matchAll(/flood (\d{8})/g)].map((m) => Number(m[1])),
    );
    const flooded = (lines * 64) / 1048576;
    expect(flooded).toBeGreaterThan(1); // MiB: it really floods (≈2 MiB/s through the PTY here)

    await client.request('session.kill', { id: session.id });
    await waitFor(
      () => !alive(host.agentPid) && !alive(host.hostPid),
      'the flooding agent and its host to stop',
      10_000,
    );
    await waitStatus(client, session.pipeline, 'escalated'); // the default on_exit
    const latency = await probe.stop();

    const seconds = (during.at - before.at) / 1000;
    const records = during.seq - before.seq;
    // Heartbeats are journaled at most every 250 ms: 4 a second, plus a few state changes.
    expect(records).toBeLessThanOrEqual(Math.ceil(seconds * 4) + 10);
    const growth = Math.max(...rssSeen) - before.rss;
    expect(growth).toBeLessThan(150 * 1024 * 1024);
    expect(latency.max).toBeLessThan(STATUS_LATENCY_MS);
    console.info(
      `faults: flood — ${flooded.toFixed(0)} MiB of output, ${records} journal records in ${seconds.toFixed(1)} s, daemon RSS +${(growth / 1048576).toFixed(1)} MiB, max oj status ${latency.max.toFixed(1)} ms`,
    );
  });
});
