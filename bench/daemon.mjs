// Daemon benchmarks, each against a baseline measured in the same run:
//  1. `oj status` with a running daemon vs `node -e 0` (interleaved runs; target ≤ 1.5×);
//  2. restart: a state dir with 1,000 finished pipelines and a 100k-event journal tail to replay,
//     from `oj status` (which starts ojd) to its answer (target < 2 s; baseline: an empty state dir).
// Usage: node bench/daemon.mjs [--runs N] [--events N] [--pipelines N]   (after `npm run build`)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleModules } from './bundle.mjs';
import { ms, report } from './report.mjs';
import { sourceQueueRunbook } from './runbooks.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const RUNS = arg('--runs', 21);
const EVENTS = arg('--events', 100_000);
const PIPELINES = arg('--pipelines', 1000);
const OJ = join(root, 'bin', 'oj.cjs');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function run(args, opts) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { ...opts, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

function makeProject() {
  const project = mkdtempSync(join(tmpdir(), 'oj-bench-daemon-'));
  const state = mkdtempSync(join(tmpdir(), 'oj-bench-daemon-state-'));
  mkdirSync(join(project, '.oj', 'runbooks'), { recursive: true });
  writeFileSync(
    join(project, '.oj', 'runbooks', 'bench.toml'),
    sourceQueueRunbook({ concurrency: 8, run: 'true' }),
  );
  const env = { PATH: process.env.PATH, HOME: process.env.HOME ?? tmpdir(), OJ_STATE_DIR: state };
  const opts = { cwd: project, env };
  return { project, state, opts, oj: (...a) => run([OJ, ...a], opts) };
}

// The journal store, bundled from source, to write the 100k-event tail offline.
const { dir: work, modules } = await bundleModules({ store: 'src/runtime/store/index.ts' });
const { openStore } = modules.store;

const a = makeProject();
const empty = makeProject();
try {
  // 1. `oj status` against `node -e 0`.
  a.oj('daemon', 'start');
  const status = [];
  const baseline = [];
  for (let i = 0; i < RUNS; i++) {
    baseline.push(run(['-e', '0'], a.opts).ms);
    status.push(a.oj('status').ms);
  }

  // 2. Build the state: PIPELINES pipelines (one per source item), then stop and add the tail.
  const items = Array.from({ length: PIPELINES }, (_, n) => ({ id: `i${n}`, n: String(n) }));
  writeFileSync(join(a.project, 'items.json'), JSON.stringify(items));
  a.oj('worker', 'start', 'w');
  const deadline = Date.now() + 120_000;
  for (;;) {
    const q = JSON.parse(a.oj('queue', 'show', 'jobs', '-o', 'json').stdout);
    if (q.counts.done >= PIPELINES) break;
    if (Date.now() > deadline)
      throw new Error(`only ${q.counts.done} of ${PIPELINES} pipelines finished`);
  }
  a.oj('worker', 'stop', 'w');
  a.oj('daemon', 'stop');
  const store = await openStore(join(a.state, 'journal'), { log: () => {} });
  const batch = 5000;
  for (let sent = 0; sent < EVENTS; sent += batch) {
    const events = Array.from({ length: Math.min(batch, EVENTS - sent) }, (_, i) => ({
      type: 'event:emit',
      at: Date.now(),
      project: a.project,
      name: 'bench:tick',
      data: { i: String(sent + i) },
    }));
    await store.appendMany(events);
  }
  const journal = store.lastSeq;
  await store.close();

  const restart = [];
  const restartEmpty = [];
  for (let i = 0; i < 3; i++) {
    restartEmpty.push(empty.oj('status').ms);
    empty.oj('daemon', 'stop');
    restart.push(a.oj('status').ms);
    a.oj('daemon', 'stop', '--kill'); // no final checkpoint: the next start replays the tail again
  }
  const pipelines = JSON.parse(a.oj('pipeline', 'list', '-o', 'json').stdout).length;

  const fmt = (ms) => `${ms.toFixed(1)} ms`.padStart(10);
  console.log(`daemon benchmarks (node ${process.version})`);
  console.log(
    `  node -e 0 (baseline, median of ${RUNS})            ${fmt(median(baseline))}  1.00×`,
  );
  console.log(
    `  oj status, daemon running (median of ${RUNS})     ${fmt(median(status))}  ${(median(status) / median(baseline)).toFixed(2)}×   target ≤ 1.5×`,
  );
  console.log(`  start + first answer, empty state dir (median of 3) ${fmt(median(restartEmpty))}`);
  console.log(
    `  start + first answer, ${pipelines} pipelines, ${journal} journal records, ${EVENTS} to replay (median of 3)`,
  );
  console.log(
    `                                                   ${fmt(median(restart))}  ${(median(restart) / median(restartEmpty)).toFixed(2)}× empty   target < 2000 ms`,
  );
  report('daemon', [
    {
      figure: '`oj status`, daemon running',
      baseline: `\`node -e 0\` ${ms(median(baseline))}`,
      value: ms(median(status)),
      ratio: median(status) / median(baseline),
      target: '≤ 1.5×',
      met: median(status) / median(baseline) <= 1.5,
    },
    {
      figure: `restart: start + first answer with ${pipelines.toLocaleString('en-US')} pipelines and ${EVENTS.toLocaleString('en-US')} records to replay`,
      baseline: `empty state dir ${ms(median(restartEmpty))}`,
      value: ms(median(restart)),
      ratio: median(restart) / median(restartEmpty),
      target: '< 2,000 ms',
      met: median(restart) < 2000,
    },
  ]);
} finally {
  for (const p of [a, empty]) {
    spawnSync(process.execPath, [OJ, 'daemon', 'stop', '--kill'], p.opts);
    rmSync(p.project, { recursive: true, force: true });
    rmSync(p.state, { recursive: true, force: true });
  }
  rmSync(work, { recursive: true, force: true });
}
