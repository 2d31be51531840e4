// Agent supervision: (1) stuck-detection latency — from the end of an agent's idle_timeout (the
// deadline in its context) to the on_stuck nudge being dispatched (the journaled timer that
// dispatches it) and arriving at the agent — against a baseline from the same run: how late a
// plain Node timer fires; targets p99 < 100 ms. (2) resident memory with 50 concurrent fake-agent
// sessions: each session host (target ≤ 60 MB) and the daemon (target < 200 MB).
// Usage: node bench/agents.mjs [--agents N] [--samples N]   (after `npm run build`)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report } from './report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const AGENTS = arg('--agents', 50);
const SAMPLES = arg('--samples', 30);
const IDLE_MS = 2_000; // well above the fake agent's hook latency (a node start per hook)
const OJ = join(root, 'bin', 'oj.cjs');
const pct = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))];
const mb = (kb) => `${(kb / 1024).toFixed(1)} MB`;

const dir = mkdtempSync(join(tmpdir(), 'oj-bench-agents-'));
const project = join(dir, 'project');
const state = join(dir, 'state');
mkdirSync(join(project, '.oj', 'runbooks'), { recursive: true });
writeFileSync(
  join(dir, 'idle.toml'),
  `
[[turn]]
on = { contains = "Continue" }
steps = [{ say = "back at it" }, { done = {} }]

[[turn]]
on = "*"
steps = [{ say = "thinking" }, { idle = true }]
`,
);
writeFileSync(
  join(project, '.oj', 'runbooks', 'bench.toml'),
  `
[command.idle]
args = "<n>"
run = { pipeline = "idle" }

[command.stuck]
args = "<n>"
run = { pipeline = "stuck" }

[pipeline.idle]
inputs = ["n"]
[[pipeline.idle.phase]]
name = "work"
agent = "waiter"

[pipeline.stuck]
inputs = ["n"]
[[pipeline.stuck.phase]]
name = "work"
agent = "sleepy"

[agent.waiter]
command = "oj-fake-agent --scenario ${join(dir, 'idle.toml')}"
driver = "claude"
prompt = "wait {n}"
env = { CLAUDE_CONFIG_DIR = "${join(dir, 'claude')}" }

[agent.sleepy]
command = "oj-fake-agent --scenario ${join(dir, 'idle.toml')}"
driver = "claude"
prompt = "implement {n}"
idle_timeout = "${IDLE_MS}ms"
on_stuck = ["nudge", "escalate"]
env = { CLAUDE_CONFIG_DIR = "${join(dir, 'claude')}", FAKE_AGENT_TRACE = "${join(dir, 'trace-{n}.jsonl')}" }
`,
);
const env = { ...process.env, OJ_STATE_DIR: state, OJ_SESSION_TIMING: 'test', NO_COLOR: '1' };
const oj = (...args) => {
  const r = spawnSync(process.execPath, [OJ, ...args], { cwd: project, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`oj ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const json = (...args) => JSON.parse(oj(...args, '-o', 'json'));
const until = async (check, what, ms = 120_000) => {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};
const rssKb = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

// Baseline: how late Node fires a timer of the same length, measured in this process.
const baseline = [];
for (let i = 0; i < SAMPLES; i++) {
  const due = Date.now() + IDLE_MS / 10;
  await new Promise((r) => setTimeout(r, IDLE_MS / 10));
  baseline.push(Date.now() - due);
}

try {
  // (1) latency
  for (let n = 0; n < SAMPLES; n++) oj('run', 'stuck', String(n));
  await until(
    () => json('pipeline', 'list').filter((p) => p.status === 'done').length === SAMPLES,
    `${SAMPLES} nudged agents to finish`,
  );
  const events = json('events', '--limit', '100000');
  const dispatch = events
    .filter((e) => e.type === 'timer:fired' && String(e.deadline).startsWith('stuck:'))
    .map((e) => e.at - Number(String(e.deadline).slice(6)));
  const arrival = [];
  for (const p of json('pipeline', 'list')) {
    const agent = `ag-${p.id.slice(3)}-work-1`;
    const fired = events.find((e) => e.type === 'timer:fired' && e.actor === agent);
    const trace = readFileSync(join(dir, `trace-${p.inputs.n}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const input = trace.find((t) => t.type === 'input' && t.data.includes('Continue'));
    if (fired && input) arrival.push(input.at - Number(String(fired.deadline).slice(6)));
  }
  console.log(
    `stuck detection (${dispatch.length} agents, idle_timeout ${IDLE_MS} ms): idle_timeout end → nudge dispatched p50 ${pct(dispatch, 0.5)} ms, p99 ${pct(dispatch, 0.99)} ms, max ${Math.max(...dispatch)} ms (target p99 < 100 ms)`,
  );
  if (arrival.length)
    console.log(
      `  → nudge text at the agent (incl. the host's input pause): p50 ${pct(arrival, 0.5)} ms, p99 ${pct(arrival, 0.99)} ms`,
    );
  const stuckRow = {
    figure: '`idle_timeout` end → nudge dispatched, p99',
    baseline: `Node timer lateness p99 ${pct(baseline, 0.99)} ms`,
    value: `${pct(dispatch, 0.99)} ms`,
    ratio: pct(dispatch, 0.99) / Math.max(1, pct(baseline, 0.99)),
    target: '< 100 ms',
    met: pct(dispatch, 0.99) < 100,
  };
  report('agents', [stuckRow]);
  console.log(
    `  baseline: a Node timer fires late by p50 ${pct(baseline, 0.5)} ms, p99 ${pct(baseline, 0.99)} ms; ratio p99 ${(pct(dispatch, 0.99) / Math.max(1, pct(baseline, 0.99))).toFixed(1)}×`,
  );

  // (2) memory
  for (let n = 0; n < AGENTS; n++) oj('run', 'idle', String(n));
  await until(
    () => json('session', 'list').filter((s) => s.state === 'idle' && s.pid).length === AGENTS,
    `${AGENTS} idle sessions`,
  );
  const hosts = [];
  for (const name of readdirSync(join(state, 'sessions'))) {
    try {
      const info = JSON.parse(readFileSync(join(state, 'sessions', name, 'host.json'), 'utf8'));
      const host = rssKb(info.hostPid);
      if (host) hosts.push({ host, agent: rssKb(info.agentPid) });
    } catch {
      // a finished session's dir
    }
  }
  const daemon = json('daemon', 'status').pid;
  const hostKb = hosts.map((h) => h.host);
  console.log(
    `memory with ${hosts.length} live sessions: session host RSS median ${mb(pct(hostKb, 0.5))}, max ${mb(Math.max(...hostKb))} (target ≤ 60 MB); daemon RSS ${mb(rssKb(daemon))} (target < 200 MB); fake agent median ${mb(
      pct(
        hosts.map((h) => h.agent),
        0.5,
      ),
    )}`,
  );
  const node = spawnSync(process.execPath, ['-e', 'console.log(process.memoryUsage().rss)'], {
    encoding: 'utf8',
  });
  const emptyKb = Number(node.stdout) / 1024;
  report('agents', [
    {
      figure: `session host RSS, median of ${hosts.length} live sessions`,
      baseline: `empty \`node\` ${mb(emptyKb)}`,
      value: mb(pct(hostKb, 0.5)),
      ratio: pct(hostKb, 0.5) / emptyKb,
      target: '≤ 60 MB',
      met: pct(hostKb, 0.5) <= 60 * 1024,
    },
    {
      figure: `daemon RSS with ${hosts.length} live sessions`,
      baseline: '',
      value: mb(rssKb(daemon)),
      ratio: null,
      target: '< 200 MB',
      met: rssKb(daemon) < 200 * 1024,
    },
  ]);
  console.log(
    `  baseline: an empty node process ${mb(Number(node.stdout) / 1024)}; host/baseline ${(pct(hostKb, 0.5) / (Number(node.stdout) / 1024)).toFixed(2)}×`,
  );
} finally {
  spawnSync(process.execPath, [OJ, 'daemon', 'stop', '--kill'], { cwd: project, env });
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
