// Phase-spawning benchmark: what running a shell phase costs in oj against baselines measured in
// the same run — Node spawning `bash -c true`, a plain bash loop, and the shell executor alone.
// Usage: node bench/phases.mjs [--runs N] [--phases N]   (defaults: 5 rounds of 200 phases)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleModules } from './bundle.mjs';
import { report } from './report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const ROUNDS = arg('--runs', 5);
const PHASES = arg('--phases', 200);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const elapsed = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

// The executor, bundled from source so the benchmark needs no `npm run build`. Its dependencies
// (execa) stay external and resolve through a node_modules link beside the bundle.
const { dir: work, modules } = await bundleModules({
  actors: 'src/actors/index.ts',
  clock: 'src/runtime/clock.ts',
});
const { runShell } = modules.actors;
const { systemClock } = modules.clock;

/** (a) Node spawning `<shell> -c true` n times in sequence, awaiting each exit. */
async function measureNodeSpawn(shell, n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const code = await new Promise((resolve, reject) => {
      const child = spawn(shell, ['-c', 'true'], { cwd: work, env, stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0) throw new Error(`${shell} -c true exited ${code}`);
  }
  return elapsed(t0);
}

/** (b) A plain bash loop running `bash -c true` n times, timed inside bash. */
function measureBashLoop(n) {
  const script = `s=$EPOCHREALTIME; for ((i = 0; i < ${n}; i++)); do bash -c true; done; e=$EPOCHREALTIME; echo "$s $e"`;
  const r = spawnSync('bash', ['-c', script], { cwd: work, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bash loop failed: ${r.stderr}`);
  const [s, e] = r.stdout.trim().split(' ').map(Number);
  return (e - s) * 1000;
}

/** (c) The shell executor, n phases in sequence, each appending to one pipeline log. */
async function measureRunShell(n) {
  const logFile = join(work, 'pipeline.log');
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const result = await runShell(
      { id: `bench:${i}`, script: 'true', cwd: work, env, logFile, timeoutMs: 60_000 },
      { clock: systemClock },
    );
    if (!result.ok) throw new Error(`runShell failed: ${result.error}`);
  }
  return elapsed(t0);
}

// ---------------------------------------------------------------------------------------------
// (d) oj: a pipeline of n `bash -c true` phases through the real daemon (fresh state dir per
// round), timed by the daemon from the pipeline's start to its end; every transition is journaled.
// ---------------------------------------------------------------------------------------------
async function measureOj(n) {
  const project = mkdtempSync(join(tmpdir(), 'oj-bench-project-'));
  const state = mkdtempSync(join(tmpdir(), 'oj-bench-state-'));
  const phases = Array.from(
    { length: n },
    (_, i) => `[[pipeline.p.phase]]\nname = "p${i}"\nrun = "bash -c true"\n`,
  ).join('\n');
  mkdirSync(join(project, '.oj', 'runbooks'), { recursive: true });
  writeFileSync(
    join(project, '.oj', 'runbooks', 'bench.toml'),
    `[command.go]\nrun = { pipeline = "p" }\n\n[pipeline.p]\nmax_visits = 1\n\n${phases}`,
  );
  const oj = (...args) =>
    spawnSync(process.execPath, [join(root, 'bin', 'oj.cjs'), ...args], {
      cwd: project,
      env: { ...env, HOME: process.env.HOME ?? '/tmp', OJ_STATE_DIR: state },
      encoding: 'utf8',
    });
  try {
    const started = oj('run', 'go');
    if (started.status !== 0) throw new Error(`oj run failed: ${started.stderr}`);
    const id = started.stdout.split(/\s+/)[0];
    const waited = oj('pipeline', 'wait', id, '--timeout', '120s');
    if (waited.status !== 0)
      throw new Error(`pipeline did not finish: ${waited.stdout} ${waited.stderr}`);
    // The daemon's own clock, from the pipeline's start to its end: no CLI start-up in the figure.
    const p = JSON.parse(oj('pipeline', 'show', id, '-o', 'json').stdout);
    return p.endedAt - p.startedAt;
  } finally {
    oj('daemon', 'stop', '--kill');
    rmSync(project, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  }
}

const cases = {
  nodeBash: () => measureNodeSpawn('bash', PHASES),
  nodeSh: () => measureNodeSpawn('/bin/sh', PHASES),
  bashLoop: async () => measureBashLoop(PHASES),
  runShell: () => measureRunShell(PHASES),
  oj: () => measureOj(PHASES),
};
const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
try {
  await measureRunShell(20); // warm up the executor's code paths once
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved, so machine noise hits every case alike.
    for (const [name, measure] of Object.entries(cases)) {
      const ms = await measure();
      if (ms !== null) samples[name].push(ms / PHASES);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const per = Object.fromEntries(
  Object.entries(samples).map(([k, xs]) => [k, xs.length ? median(xs) : null]),
);
const fmt = (ms) => (ms === null ? '—' : `${ms.toFixed(3)} ms`);
const ratio = (x, y) => (x === null || y === null ? '—' : `${(x / y).toFixed(2)}×`);
const rows = [
  ['(a) node spawn `bash -c true`', per.nodeBash, '1.00×', ratio(per.nodeBash, per.bashLoop)],
  ['(b) bash loop `bash -c true`', per.bashLoop, ratio(per.bashLoop, per.nodeBash), '1.00×'],
  [
    '(a′) node spawn `/bin/sh -c true`',
    per.nodeSh,
    ratio(per.nodeSh, per.nodeBash),
    ratio(per.nodeSh, per.bashLoop),
  ],
  [
    '(c) runShell `true` (+ log file)',
    per.runShell,
    ratio(per.runShell, per.nodeBash),
    ratio(per.runShell, per.bashLoop),
  ],
  ['oj pipeline phase', per.oj, ratio(per.oj, per.nodeBash), ratio(per.oj, per.bashLoop)],
];
console.log(`phases: ${PHASES} in sequence, median of ${ROUNDS} interleaved rounds, per phase`);
console.log(
  `${'case'.padEnd(36)} ${'per phase'.padStart(10)} ${'vs (a)'.padStart(7)} ${'vs (b)'.padStart(7)}`,
);
for (const [name, ms, a, b] of rows) {
  console.log(`${name.padEnd(36)} ${fmt(ms).padStart(10)} ${a.padStart(7)} ${b.padStart(7)}`);
}
report('phases', [
  {
    figure: `per-phase cost of a ${PHASES}-phase pipeline of \`bash -c true\``,
    baseline: `node spawn loop ${fmt(per.nodeBash)}`,
    value: fmt(per.oj),
    ratio: per.oj / per.nodeBash,
    target: '≤ 1.5×',
    met: per.oj / per.nodeBash <= 1.5,
  },
  {
    figure: '… against a plain bash loop',
    baseline: `bash loop ${fmt(per.bashLoop)}`,
    value: fmt(per.oj),
    ratio: per.oj / per.bashLoop,
    target: '',
    met: null,
  },
]);
console.log(
  `runShell over its own shell, c/a′: ${ratio(per.runShell, per.nodeSh)} (/bin/sh is ${shellName()})`,
);

function shellName() {
  const r = spawnSync('readlink', ['-f', '/bin/sh'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}
