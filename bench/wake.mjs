// Guard wake-up latency: a pipeline waits on a `wake_on` guard; `oj emit` journals the event and the
// guard is re-evaluated at once (no polling). Measured from the event's journal time to the phase's
// first instruction, against a baseline from the same run: node spawning the same two shells (the
// guard condition and the phase) back to back. Target (issue 4): released within 100 ms.
// Usage: node bench/wake.mjs [--runs N]   (after `npm run build`)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report } from './report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const i = process.argv.indexOf('--runs');
const RUNS = i === -1 ? 9 : Number(process.argv[i + 1]);
const OJ = join(root, 'bin', 'oj.cjs');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const project = mkdtempSync(join(tmpdir(), 'oj-bench-wake-'));
const state = mkdtempSync(join(tmpdir(), 'oj-bench-wake-state-'));
mkdirSync(join(project, '.oj', 'runbooks'), { recursive: true });
writeFileSync(
  join(project, '.oj', 'runbooks', 'wake.toml'),
  `
[guard.released]
condition = "test -e go-{n}"
wake_on = ["go:{n}"]

[command.waiter]
args = "<n>"
run = { pipeline = "waiter" }

[pipeline.waiter]
inputs = ["n"]

[[pipeline.waiter.phase]]
name = "after"
pre = ["released"]
run = "date +%s%N > passed-{n}.txt"
`,
);
const env = { PATH: process.env.PATH, HOME: process.env.HOME ?? tmpdir(), OJ_STATE_DIR: state };
const oj = (...args) => {
  const r = spawnSync(process.execPath, [OJ, ...args], { cwd: project, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`oj ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
};
const until = (what, check) => {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    spawnSync('sleep', ['0.02']);
  }
};

function shellPair(n) {
  const t0 = process.hrtime.bigint();
  spawnSync('/bin/sh', ['-c', `test -e ${join(project, `go-${n}`)}`]);
  spawnSync('/bin/sh', ['-c', 'date +%s%N > /dev/null']);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const latencies = [];
const baselines = [];
try {
  for (let n = 0; n < RUNS; n++) {
    const id = oj('run', 'waiter', String(n)).split(/\s+/)[0];
    until(
      'the guard to wait',
      () => JSON.parse(oj('pipeline', 'show', id, '-o', 'json')).status === 'waiting',
    );
    writeFileSync(join(project, `go-${n}`), '');
    oj('emit', `go:${n}`);
    const passed = join(project, `passed-${n}.txt`);
    until(
      'the phase to run',
      () => existsSync(passed) && readFileSync(passed, 'utf8').trim() !== '',
    );
    const events = JSON.parse(oj('events', '-o', 'json', '--limit', '200'));
    const emitted = events.filter((e) => e.type === 'event:emit' && e.name === `go:${n}`).at(-1);
    const phaseAt = Number(BigInt(readFileSync(passed, 'utf8').trim()) / 1000n) / 1000;
    latencies.push(phaseAt - emitted.at);
    baselines.push(shellPair(n));
  }
} finally {
  spawnSync(process.execPath, [OJ, 'daemon', 'stop', '--kill'], { cwd: project, env });
  rmSync(project, { recursive: true, force: true });
  rmSync(state, { recursive: true, force: true });
}
const wake = median(latencies);
const base = median(baselines);
console.log(`runs: ${RUNS}`);
console.log(`baseline (spawn guard shell + phase shell): ${base.toFixed(1)} ms`);
console.log(
  `wake: event journaled -> phase running: ${wake.toFixed(1)} ms (${(wake / base).toFixed(2)}x, target < 100 ms)`,
);
console.log(`max: ${Math.max(...latencies).toFixed(1)} ms`);
report('wake', [
  {
    figure: 'guard with `wake_on`: event journaled → phase running',
    baseline: `spawn guard shell + phase shell ${base.toFixed(1)} ms`,
    value: `${wake.toFixed(1)} ms`,
    ratio: wake / base,
    target: '< 100 ms',
    met: wake < 100,
  },
]);
