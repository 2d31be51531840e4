// Load: 50 concurrent fake-agent sessions plus 1,000 queue items, with a client polling `oj status`
// every 100 ms, for two identical rounds. Reports the daemon's event-loop delay (perf_hooks, from
// `oj daemon status`), whether any timer was missed (every nudge deadline fired), `oj status`
// latency under load against the same call on an idle daemon (the baseline), and the daemon's
// memory after each round (flat = no growth in the second). Targets: loop delay p99 < 50 ms, no
// missed timers, memory flat.
// Usage: node bench/load.mjs [--agents N] [--items N] [--seconds S]   (after `npm run build`)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mb, ms, report } from './report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const AGENTS = arg('--agents', 50);
const ITEMS = arg('--items', 1000);
const SECONDS = arg('--seconds', 60);
const OJ = join(root, 'bin', 'oj.cjs');
const pct = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))];

const dir = mkdtempSync(join(tmpdir(), 'oj-bench-load-'));
const project = join(dir, 'project');
const state = join(dir, 'state');
mkdirSync(join(project, '.oj', 'runbooks'), { recursive: true });
writeFileSync(
  join(dir, 'idle.toml'),
  '[[turn]]\non = "*"\nsteps = [{ say = "waiting" }, { idle = true }]\n',
);
writeFileSync(
  join(project, '.oj', 'runbooks', 'load.toml'),
  `
[command.talk]
args = "<n>"
run = { pipeline = "talk" }

[pipeline.talk]
inputs = ["n"]
[[pipeline.talk.phase]]
name = "talk"
agent = "talker"

[agent.talker]
command = "oj-fake-agent --scenario ${join(dir, 'idle.toml')}"
driver = "claude"
prompt = "wait {n}"
idle_timeout = "5s"
on_stuck = ["nudge", "nudge", "nudge", "nudge", "nudge", "nudge", "nudge", "nudge", "nudge", "nudge", "nudge", "nudge", "escalate"]
env = { CLAUDE_CONFIG_DIR = "${join(dir, 'claude')}" }

[queue.jobs]
dead = { retention = "5s" }

[worker.drainer]
queue = "jobs"
handler = "pipeline.job"
concurrency = 8

[pipeline.job]
inputs = ["n"]
[[pipeline.job.phase]]
name = "work"
run = "true"
`,
);
const env = { ...process.env, OJ_STATE_DIR: state, OJ_SESSION_TIMING: 'test', NO_COLOR: '1' };
const oj = (...args) => {
  const r = spawnSync(process.execPath, [OJ, ...args], {
    cwd: project,
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 30, // `oj events` of a whole round
  });
  if (r.status !== 0) throw new Error(`oj ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const json = (...args) => JSON.parse(oj(...args, '-o', 'json'));
/** Polls `check` every 250 ms until it holds; throws after `ms`. */
async function until(check, what, ms = 120_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`load: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
const timeStatus = () => {
  const t = performance.now();
  oj('status');
  return performance.now() - t;
};

/** Polls `oj status` every 100 ms in a child loop for `seconds`, returning each call's latency. */
function poll(seconds) {
  return new Promise((resolve) => {
    const code = `
      const { spawnSync } = require('node:child_process');
      const out = []; const end = Date.now() + ${seconds * 1000};
      (function tick() {
        const t = performance.now();
        spawnSync(process.execPath, [${JSON.stringify(OJ)}, 'status'], { cwd: ${JSON.stringify(project)} });
        out.push(performance.now() - t);
        if (Date.now() < end) setTimeout(tick, Math.max(0, 100 - (performance.now() - t)));
        else console.log(JSON.stringify(out));
      })();`;
    const child = spawn(process.execPath, ['-e', code], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.on('exit', () => resolve(JSON.parse(text || '[]')));
  });
}

async function round(n) {
  const began = Date.now();
  const agentsBefore = json('session', 'list').length;
  for (let i = 0; i < AGENTS; i++) oj('run', 'talk', `r${n}-${i}`);
  const items = Array.from({ length: ITEMS }, (_, i) => JSON.stringify({ id: `r${n}-${i}`, n: i }));
  writeFileSync(join(dir, `items-${n}.jsonl`), items.join('\n'));
  oj('queue', 'add', 'jobs', '--file', join(dir, `items-${n}.jsonl`));
  oj('worker', 'start', 'drainer');
  const latencies = await poll(SECONDS);
  const queue = json('queue', 'show', 'jobs');
  const sessions = json('session', 'list');
  const status = json('daemon', 'status');
  // Every quiet agent is nudged each idle_timeout (5 s): fewer nudges than that would mean a
  // deadline that never fired.
  const nudges = sessions.map((s) => s.nudges);
  // Every idle deadline must fire: how late each fired, from the journal (deadline → timer:fired).
  const lateness = json('events', '--limit', '100000')
    .filter((e) => e.type === 'timer:fired' && e.at >= began)
    .filter((e) => String(e.deadline).startsWith('stuck:'))
    .map((e) => e.at - Number(String(e.deadline).slice(6)));
  // Stop this round's agents so the next round starts from the same place, and forget what it
  // finished (as retention does on a long-lived daemon): what is left to grow would be a leak.
  for (const p of json('pipeline', 'list', '--status', 'running,waiting,escalated'))
    if (!p.item) oj('pipeline', 'cancel', p.id); // the agents; the worker's own finish by themselves
  await until(() => json('queue', 'show', 'jobs').items.length === 0, 'finished items purged');
  oj('prune', '--max-age', '1ms');
  const settled = json('daemon', 'status');
  return {
    latencies,
    queue,
    sessions: sessions.length - agentsBefore,
    status,
    settled,
    nudges,
    lateness,
  };
}

try {
  oj('daemon', 'start');
  const idle = Array.from({ length: 21 }, timeStatus);
  const first = await round(1);
  const second = await round(2);
  const loop = second.status.eventLoop;
  const nudged = second.sessions;
  console.log(
    `load: ${AGENTS} fake-agent sessions + ${ITEMS} queue items per round, oj status every 100 ms for ${SECONDS} s, 2 rounds`,
  );
  console.log(
    `  daemon event-loop delay (whole run): p50 ${loop.p50.toFixed(1)} ms, p99 ${loop.p99.toFixed(1)} ms, max ${loop.max.toFixed(1)} ms (target p99 < 50 ms)`,
  );
  // Busy or starved: the main thread's time on a CPU against its time runnable but waiting for one.
  const cpu = second.status.mainThread;
  if (cpu)
    console.log(
      `  daemon main thread (whole run): ran ${(cpu.runMs / 1000).toFixed(1)} s on a CPU, waited ${(cpu.waitMs / 1000).toFixed(1)} s for one (schedstat)`,
    );
  for (const [i, r] of [first, second].entries())
    console.log(
      `  round ${i + 1}: nudges per agent min ${Math.min(...r.nudges)} max ${Math.max(...r.nudges)} (one per 5 s idle_timeout plus the agent's answer); oj status p50 ${pct(r.latencies, 0.5).toFixed(0)} ms, p99 ${pct(r.latencies, 0.99).toFixed(0)} ms over ${r.latencies.length} calls; items done ${r.queue.counts.done}/${ITEMS} at the end of polling; live sessions ${r.sessions}; idle deadlines fired late by p99 ${pct(r.lateness, 0.99)} ms, max ${Math.max(...r.lateness)} ms; daemon RSS under load ${mb(r.status.rssBytes)}, after pruning ${mb(r.settled.rssBytes)}`,
    );
  console.log(
    `  baseline: oj status on the idle daemon p50 ${pct(idle, 0.5).toFixed(0)} ms; under load ${(pct(second.latencies, 0.5) / pct(idle, 0.5)).toFixed(2)}×; memory after pruning, round 2 / round 1 ${(second.settled.rssBytes / first.settled.rssBytes).toFixed(2)}× (flat ≈ 1.0); sessions alive at the end ${nudged}`,
  );
  const late = second.lateness;
  const missed = late.filter((ms) => ms > 1000).length;
  report('load', [
    {
      figure: `daemon event-loop delay p99, ${AGENTS} sessions + ${ITEMS} items + \`oj status\` every 100 ms`,
      baseline: '',
      value: ms(loop.p99),
      ratio: null,
      target: '< 50 ms',
      met: loop.p99 < 50,
    },
    ...(cpu
      ? [
          {
            figure: '… daemon main thread: waiting for a CPU / running on one (schedstat)',
            baseline: `ran ${(cpu.runMs / 1000).toFixed(1)} s`,
            value: `waited ${(cpu.waitMs / 1000).toFixed(1)} s`,
            ratio: cpu.waitMs / cpu.runMs,
            target: '',
            met: null,
          },
        ]
      : []),
    {
      figure: `… idle deadlines (${late.length} in round 2): fired late by p99 / max`,
      baseline: '',
      value: `${pct(late, 0.99)} / ${Math.max(...late)} ms`,
      ratio: null,
      target: 'none missed (> 1 s late)',
      met: missed === 0,
    },
    {
      figure: '… `oj status` p50 under that load',
      baseline: `idle daemon ${ms(pct(idle, 0.5))}`,
      value: ms(pct(second.latencies, 0.5)),
      ratio: pct(second.latencies, 0.5) / pct(idle, 0.5),
      target: '',
      met: null,
    },
    {
      figure: '… daemon RSS after a second identical round (finished work pruned after each)',
      baseline: `after round 1 ${mb(first.settled.rssBytes)}`,
      value: mb(second.settled.rssBytes),
      ratio: second.settled.rssBytes / first.settled.rssBytes,
      target: '≤ 1.05× (flat)',
      met: second.settled.rssBytes / first.settled.rssBytes <= 1.05,
    },
  ]);
} finally {
  spawnSync(process.execPath, [OJ, 'daemon', 'stop', '--kill'], { cwd: project, env });
  rmSync(dir, { recursive: true, force: true });
}
