// Restart time against journal size: from `oj status` (which starts ojd: open the journal, restore
// the checkpoint, replay the tail, reconcile, serve) to its answer, for state dirs whose journal
// holds 10k, 100k and 1M records, against an empty state dir measured in the same run. Target
// (issue 3): under 2 s with 100k records to replay; the other sizes are reported without one.
// Method: each journal is written offline through the store (bundled from source), `event:emit`
// records in batches, as bench/daemon.mjs does; no actor is touched, so no checkpoint is ever written
// and every start replays the whole journal. After each answer the daemon is stopped with
// `oj daemon stop --kill` (no final checkpoint). Cases are interleaved run by run; medians of --runs
// (default 3). The daemon's own log splits each start: "journal opened" → "engine ready" is the
// replay, whose rate is reported in records/s.
// Usage: node bench/recovery.mjs [--runs N] [--sizes 10000,100000,1000000]   (after `npm run build`)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleModules } from './bundle.mjs';
import { ms, perSecond, report } from './report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
};
const RUNS = Number(arg('--runs', 3));
const SIZES = arg('--sizes', '10000,100000,1000000').split(',').map(Number);
const TARGET_SIZE = 100_000; // issue 3: a restart with this many records to replay under 2 s
const TARGET_MS = 2000;
const BATCH = 10_000; // records per store transaction while writing the journals
const STATUS_TIMEOUT_MS = 300_000; // a slow restart is a result to report, not a reason to hang
const OJ = join(root, 'bin', 'oj.cjs');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const elapsed = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const count = (n) => n.toLocaleString('en-US');

const project = mkdtempSync(join(tmpdir(), 'oj-bench-recovery-'));
mkdirSync(join(project, '.oj', 'runbooks'), { recursive: true });

function ojIn(state, ...args) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME ?? tmpdir(), OJ_STATE_DIR: state };
  return spawnSync(process.execPath, [OJ, ...args], {
    cwd: project,
    env,
    encoding: 'utf8',
    timeout: STATUS_TIMEOUT_MS,
  });
}

/**
 * `oj status` in a stopped state dir, timed to its answer. The CLI waits 5 s for a daemon it starts;
 * when ojd needs longer, `oj status` fails while ojd goes on starting, so it is asked again (as a
 * user would) and the time runs from the first ask; `giveUps` counts the failed asks.
 */
function timeStart(state) {
  const t0 = process.hrtime.bigint();
  for (let giveUps = 0; ; giveUps++) {
    const r = ojIn(state, 'status');
    if (r.status === 0) return { ms: elapsed(t0), giveUps };
    if (!/did not answer within/.test(r.stderr) || elapsed(t0) > STATUS_TIMEOUT_MS)
      throw new Error(`oj status exited ${r.status}: ${r.stderr}`);
  }
}

function stopKill(state) {
  const r = ojIn(state, 'daemon', 'stop', '--kill'); // no final checkpoint: the next start replays
  if (r.status !== 0) throw new Error(`oj daemon stop --kill exited ${r.status}: ${r.stderr}`);
}

/** The last start in the daemon's log: replayed records and journal-open → engine-ready time. */
function lastStart(state) {
  const lines = readFileSync(join(state, 'logs', 'daemon.log'), 'utf8').split('\n');
  const at = (line) => Date.parse(line.slice(0, line.indexOf(' ')));
  const opened = lines.findLast((l) => l.includes('journal opened'));
  const ready = lines.findLast((l) => l.includes('engine ready'));
  const replayed = Number(/replayed (\d+) journal entries/.exec(ready ?? '')?.[1]);
  if (!opened || !ready || !Number.isFinite(replayed))
    throw new Error(`no start in ${state}/logs/daemon.log`);
  return { replayed, replayMs: at(ready) - at(opened) };
}

// The journal store, bundled from source, to write the journals offline.
const { dir: work, modules } = await bundleModules({ store: 'src/runtime/store/index.ts' });
const { openStore } = modules.store;

const cases = [{ name: 'empty state dir', size: 0 }, ...SIZES.map((size) => ({ size }))];
for (const c of cases) {
  c.state = mkdtempSync(join(tmpdir(), 'oj-bench-recovery-state-'));
  c.times = [];
  c.giveUps = 0;
  c.starts = [];
}
try {
  for (const c of cases.filter((x) => x.size > 0)) {
    const t0 = process.hrtime.bigint();
    const store = await openStore(join(c.state, 'journal'), { log: () => {} });
    for (let sent = 0; sent < c.size; sent += BATCH) {
      const events = Array.from({ length: Math.min(BATCH, c.size - sent) }, (_, i) => ({
        type: 'event:emit',
        at: Date.now(),
        project,
        name: 'bench:tick',
        data: { i: String(sent + i) },
      }));
      await store.appendMany(events);
    }
    c.journal = store.lastSeq;
    await store.close();
    c.writeMs = elapsed(t0);
    c.name = `${count(c.size)} records`;
  }

  for (let run = 0; run < RUNS; run++) {
    // Interleaved, starting with a different case each run, so machine noise hits every case alike.
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(run + k) % cases.length];
      const { ms: t, giveUps } = timeStart(c.state);
      c.times.push(t);
      c.giveUps += giveUps;
      stopKill(c.state);
      c.starts.push(lastStart(c.state));
    }
  }
} finally {
  for (const c of cases) {
    spawnSync(process.execPath, [OJ, 'daemon', 'stop', '--kill'], {
      cwd: project,
      env: { PATH: process.env.PATH, OJ_STATE_DIR: c.state },
    });
    rmSync(c.state, { recursive: true, force: true });
  }
  rmSync(project, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}

const empty = median(cases[0].times);
console.log(
  `recovery: \`oj status\` (starts ojd) to its answer after \`oj daemon stop --kill\`, median of ${RUNS} interleaved runs (node ${process.version})`,
);
console.log(
  `${'case'.padEnd(18)} ${'time'.padStart(10)} ${'vs empty'.padStart(9)} ${'replayed'.padStart(10)} ${'replay'.padStart(10)} ${'replay rate'.padStart(13)}   runs`,
);
for (const c of cases) {
  const replayed = median(c.starts.map((s) => s.replayed));
  const replayMs = median(c.starts.map((s) => s.replayMs));
  c.rate = c.size > 0 && replayMs > 0 ? (replayed / replayMs) * 1000 : null;
  console.log(
    `${c.name.padEnd(18)} ${ms(median(c.times)).padStart(10)} ${`${(median(c.times) / empty).toFixed(2)}×`.padStart(9)} ${count(replayed).padStart(10)} ${ms(replayMs).padStart(10)} ${(c.rate === null ? '—' : perSecond(c.rate)).padStart(13)}   ${c.times.map((t) => Math.round(t)).join(', ')} ms`,
  );
}
for (const c of cases.filter((x) => x.size > 0))
  console.log(
    `  ${c.name}: written offline in ${ms(c.writeMs)} (${perSecond((c.size / c.writeMs) * 1000)}), journal seq ${count(c.journal)}`,
  );
for (const c of cases.filter((x) => x.giveUps > 0))
  console.log(
    `  ${c.name}: \`oj status\` gave up ${c.giveUps} times in ${RUNS} starts (ojd did not answer within the CLI's 5 s start timeout) and was asked again`,
  );
const target = cases.find((c) => c.size === TARGET_SIZE);
if (target)
  console.log(
    `${count(TARGET_SIZE)} records: ${ms(median(target.times))}, target < ${count(TARGET_MS)} ms: ${median(target.times) < TARGET_MS ? 'met' : 'NOT met'}`,
  );

report(
  'recovery',
  cases
    .filter((c) => c.size > 0)
    .map((c) => ({
      figure: `restart, ${c.name} to replay (\`oj status\` to its answer; replay ${c.rate === null ? '—' : perSecond(c.rate)})`,
      baseline: `empty state dir ${ms(empty)}`,
      value: `${ms(median(c.times))}${c.giveUps ? ` (\`oj status\` gave up ${c.giveUps}× at its 5 s start timeout)` : ''}`,
      ratio: median(c.times) / empty,
      target: c.size === TARGET_SIZE ? `< ${count(TARGET_MS)} ms` : '',
      met: c.size === TARGET_SIZE ? median(c.times) < TARGET_MS : null,
    })),
);
