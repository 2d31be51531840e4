// A 3-step durable pipeline's end-to-end latency (three shell phases, each `true`), against what the
// phases themselves cost, measured in the same run. Target: ≤ 50 ms from request to done (the
// published anchor for a 3-step durable workflow is about 50 ms end to end).
//  - oj, one client: this process keeps one connection to the daemon (the CLI's own client, bundled
//    from source) and times `pipeline.create` + `pipeline.wait` until the answer says done — no
//    Node start-up in the figure. This is the headline.
//  - oj, CLI: `oj run go --wait` as a separate process (one Node start + the CLI's load included).
//  - oj, daemon side: the journal's `pipeline:create` record to its `pipeline:done` (`oj events`),
//    over every pipeline of both kinds.
//  - baselines: Node spawning `bash -c true` three times in sequence, and `/bin/sh -c true` three
//    times (what the daemon really spawns for a phase of `true`, a shell builtin).
// Cases are interleaved run by run after one warm-up each; medians of --runs (default 21).
// Usage: node bench/pipeline.mjs [--runs N]   (after `npm run build`)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleModules } from './bundle.mjs';
import { ms, report } from './report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const RUNS = arg('--runs', 21);
const OJ = join(root, 'bin', 'oj.cjs');
const TARGET_MS = 50; // the published anchor: a 3-step durable workflow end to end
const WAIT_TIMEOUT_MS = 30_000;
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const elapsed = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

const project = mkdtempSync(join(tmpdir(), 'oj-bench-pipeline-'));
const state = mkdtempSync(join(tmpdir(), 'oj-bench-pipeline-state-'));
const env = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? tmpdir(),
  OJ_STATE_DIR: state,
};
mkdirSync(join(project, '.oj', 'runbooks'), { recursive: true });
writeFileSync(
  join(project, '.oj', 'runbooks', 'bench.toml'),
  [
    '[command.go]',
    'run = { pipeline = "three" }',
    '',
    '[pipeline.three]',
    '',
    ...['one', 'two', 'three'].flatMap((name) => [
      '[[pipeline.three.phase]]',
      `name = "${name}"`,
      'run = "true"',
      '',
    ]),
  ].join('\n'),
);

function oj(...args) {
  const r = spawnSync(process.execPath, [OJ, ...args], {
    cwd: project,
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 30, // `oj events` of every run is more than the default 1 MB
  });
  if (r.status !== 0) throw new Error(`oj ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Node spawning `<shell> -c true` three times in sequence, awaiting each exit. */
async function spawnThree(shell) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 3; i++) {
    const code = await new Promise((resolve, reject) => {
      const child = spawn(shell, ['-c', 'true'], { cwd: project, env, stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0) throw new Error(`${shell} -c true exited ${code}`);
  }
  return elapsed(t0);
}

/** One request to create the pipeline and one to wait for it, over an open connection. */
async function clientRun(client) {
  const t0 = process.hrtime.bigint();
  const { id } = await client.request('pipeline.create', {
    project,
    pipeline: 'three',
    inputs: {},
  });
  clientIds.add(id);
  const result = await client.request(
    'pipeline.wait',
    { ids: [id], timeoutMs: WAIT_TIMEOUT_MS },
    { timeoutMs: WAIT_TIMEOUT_MS + 5_000, onEvent: () => {} },
  );
  const t = elapsed(t0);
  const status = result.pipelines[0]?.status;
  if (!result.done || status !== 'done') throw new Error(`pipeline ${id} ended ${status}`);
  return t;
}

/** `oj run go --wait` in its own process: what a user at a shell waits for. */
function cliRun() {
  const t0 = process.hrtime.bigint();
  const out = oj('run', 'go', '--wait');
  const t = elapsed(t0);
  if (!/\bdone\b/.test(out)) throw new Error(`oj run go --wait printed: ${out}`);
  return t;
}

// The CLI's own client, bundled from source; it speaks to the built daemon (same version, no restart).
const { dir: work, modules } = await bundleModules({ client: 'src/cli/client.ts' });
const { connectDaemon } = modules.client;

const samples = { bash: [], sh: [], client: [], cli: [] };
const clientIds = new Set(); // pipelines this process started (the rest came from `oj run`)
const daemonSide = { client: [], cli: [] };
let client;
try {
  oj('daemon', 'start');
  client = await connectDaemon({
    stateDir: state,
    version,
    autoStart: false,
    restartOnMismatch: false,
    env,
  });
  const cases = {
    bash: () => spawnThree('bash'),
    sh: () => spawnThree('/bin/sh'),
    client: () => clientRun(client),
    cli: async () => cliRun(),
  };
  for (const measure of Object.values(cases)) await measure(); // warm-up, not counted
  const warmUp = new Set(JSON.parse(oj('pipeline', 'list', '-o', 'json')).map((p) => p.id));
  const names = Object.keys(cases);
  for (let run = 0; run < RUNS; run++) {
    // Interleaved, starting with a different case each run, so machine noise hits every case alike.
    for (let k = 0; k < names.length; k++) {
      const name = names[(run + k) % names.length];
      samples[name].push(await cases[name]());
    }
  }
  // The daemon's own clock: `pipeline:create` (the request accepted) to `pipeline:done`.
  const events = JSON.parse(
    oj('events', '-o', 'json', '--limit', String(Math.min(100_000, RUNS * 100 + 1000))),
  );
  const created = new Map();
  for (const e of events) {
    if (e.type === 'pipeline:create') created.set(`pl-${e.seq.toString(36)}`, e.at);
    else if (e.type === 'pipeline:done' && created.has(e.pipeline) && !warmUp.has(e.pipeline))
      daemonSide[clientIds.has(e.pipeline) ? 'client' : 'cli'].push(e.at - created.get(e.pipeline));
  }
  if (daemonSide.client.length !== RUNS || daemonSide.cli.length !== RUNS)
    throw new Error(
      `journal: ${daemonSide.client.length} + ${daemonSide.cli.length} create→done pairs, expected ${RUNS} each`,
    );
} finally {
  client?.close();
  spawnSync(process.execPath, [OJ, 'daemon', 'stop', '--kill'], { cwd: project, env });
  rmSync(project, { recursive: true, force: true });
  rmSync(state, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}

const base = median(samples.bash);
const rows = [
  ['3× node spawn `bash -c true` (baseline)', samples.bash],
  ['3× node spawn `/bin/sh -c true`', samples.sh],
  ['oj, one client: create + wait until done', samples.client],
  ['… daemon side: pipeline:create → done', daemonSide.client],
  ['oj run go --wait (own Node process)', samples.cli],
  ['… daemon side: pipeline:create → done', daemonSide.cli],
];
console.log(
  `pipeline: 3 phases of \`true\`, median of ${RUNS} interleaved runs (node ${process.version})`,
);
console.log(
  `${'case'.padEnd(46)} ${'median'.padStart(9)} ${'max'.padStart(9)} ${'ratio'.padStart(7)}`,
);
for (const [name, xs] of rows)
  console.log(
    `${name.padEnd(46)} ${ms(median(xs)).padStart(9)} ${ms(Math.max(...xs)).padStart(9)} ${`${(median(xs) / base).toFixed(2)}×`.padStart(7)}`,
  );
const headline = median(samples.client);
const daemonMs = median(daemonSide.client);
const cliMs = median(samples.cli);
console.log(
  `oj end to end (one client): ${ms(headline)}, target ≤ ${TARGET_MS} ms (published anchor for a 3-step durable workflow): ${headline <= TARGET_MS ? 'met' : 'NOT met'}`,
);

report('pipeline', [
  {
    figure: '3-step durable pipeline (`true` ×3), request → done, one client',
    baseline: `3× node spawn \`bash -c true\` ${ms(base)}`,
    value: ms(headline),
    ratio: headline / base,
    target: `≤ ${TARGET_MS} ms`,
    met: headline <= TARGET_MS,
  },
  {
    figure: '… daemon side (journal `pipeline:create` → `pipeline:done`)',
    baseline: '',
    value: ms(daemonMs),
    ratio: daemonMs / base,
    target: '',
    met: null,
  },
  {
    figure: '… `oj run go --wait` from a shell (Node start-up included)',
    baseline: '',
    value: ms(cliMs),
    ratio: cliMs / base,
    target: '',
    met: null,
  },
]);
