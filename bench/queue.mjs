// Queue throughput: N one-phase jobs (`bash -c true`) drained by a worker of concurrency C, oj against
// BullMQ on a local Redis measured in the same run (target: oj ≥ 1.0× BullMQ's jobs/s, with every oj
// transition durably journaled).
//  - oj: a fresh daemon and state dir per run; the items come from a `source` queue (`cat items.json`,
//    polled when the worker starts); timed by the daemon's clock, from the journal's `worker:start`
//    to the last pipeline's end. The source poll (adding the N items) is inside that span and is
//    shown separately.
//  - BullMQ 6.7 (ioredis 5): N jobs added with addBulk before the clock starts, then a Worker of
//    concurrency C whose processor spawns `bash -c true` and awaits its exit; timed in this process
//    from `new Worker` to the Nth `completed` event. Redis twice: stock in-memory (`--save ''
//    --appendonly no`, the headline baseline) and durable (`--appendonly yes --appendfsync always`,
//    every write fsynced like oj's journal).
// Besides the whole run's rate, the rate over the first and the last quarter of completions is shown
// (whether a rate holds while the queue drains).
// Usage: node bench/queue.mjs [--items N] [--concurrency N] [--runs N]   (after `npm run build`;
// defaults 2000, 8, 3 interleaved runs, median reported). Installs redis-server via
// scripts/ensure-redis.mjs when it is missing.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import { perSecond, report } from './report.mjs';
import { sourceQueueRunbook } from './runbooks.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const ITEMS = arg('--items', 2000);
const CONCURRENCY = arg('--concurrency', 8);
const RUNS = arg('--runs', 3);
const OJ = join(root, 'bin', 'oj.cjs');
// How often the bench asks oj for progress. The figure comes from the journal, but every `oj` call
// is a Node start that competes for the same 2 cores, and BullMQ's side has no such poller.
const POLL_MS = 2000;
const REDIS_READY_MS = 10_000;
const EVENTS_LIMIT = 100_000; // the most `oj events --limit` gives
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const elapsed = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir() };
const items = Array.from({ length: ITEMS }, (_, n) => ({ id: `i${n}`, n: String(n) }));

/** Spawns `bash -c true` and resolves when it exits 0 (the job both sides run). */
function runTrue() {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', 'true'], { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`bash -c true exited ${code}`)),
    );
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts a private redis-server in a temp dir; resolves once it accepts connections. */
async function startRedis(label, persistence) {
  const dir = mkdtempSync(join(tmpdir(), `oj-bench-redis-${label}-`));
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...persistence],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`redis-server (${label}) not ready in ${REDIS_READY_MS} ms: ${output}`)),
      REDIS_READY_MS,
    );
    const onData = (chunk) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server (${label}) exited ${code}: ${output}`));
    });
  });
  child.stdout.removeAllListeners('data').resume();
  child.stderr.removeAllListeners('data').resume();
  child.removeAllListeners('exit');
  return { label, port, child, dir };
}

async function stopRedis(redis) {
  if (redis.child.exitCode === null) {
    const exited = new Promise((resolve) => redis.child.once('exit', resolve));
    redis.child.kill('SIGKILL'); // nothing to keep: the data dir goes too
    await exited;
  }
  rmSync(redis.dir, { recursive: true, force: true });
}

/** BullMQ: ITEMS jobs added in bulk, then timed from `new Worker` to the last completion. */
async function measureBullmq(redis, run) {
  const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
  const name = `bench-${run}`;
  const queue = new Queue(name, { connection });
  await queue.addBulk(items.map((data) => ({ name: 'job', data })));
  let worker;
  try {
    const doneAt = [];
    const ms = await new Promise((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      worker = new Worker(name, runTrue, { connection, concurrency: CONCURRENCY });
      worker.on('completed', () => {
        doneAt.push(elapsed(t0));
        if (doneAt.length === ITEMS) resolve(elapsed(t0));
      });
      worker.on('failed', (job, err) => reject(new Error(`BullMQ job ${job?.id} failed: ${err}`)));
      worker.on('error', reject);
    });
    return { ms, doneAt };
  } finally {
    await worker?.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

function ojIn(cwd, state) {
  // `oj events` prints ~10 records per item: far more than spawnSync's default 1 MB buffer.
  const opts = { cwd, env: { ...env, OJ_STATE_DIR: state }, encoding: 'utf8', maxBuffer: 1 << 30 };
  return (...args) => {
    const r = spawnSync(process.execPath, [OJ, ...args], opts);
    if (r.status !== 0) throw new Error(`oj ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  };
}

/** oj: a fresh daemon; timed by its journal from `worker:start` to the last `pipeline:done`. */
async function measureOj() {
  const project = mkdtempSync(join(tmpdir(), 'oj-bench-queue-'));
  const state = mkdtempSync(join(tmpdir(), 'oj-bench-queue-state-'));
  mkdirSync(join(project, '.oj', 'runbooks'), { recursive: true });
  writeFileSync(
    join(project, '.oj', 'runbooks', 'bench.toml'),
    sourceQueueRunbook({ concurrency: CONCURRENCY, run: 'bash -c true' }),
  );
  writeFileSync(join(project, 'items.json'), JSON.stringify(items));
  const oj = ojIn(project, state);
  try {
    oj('daemon', 'start');
    const asked = Date.now(); // the start if the journal window no longer holds `worker:start`
    oj('worker', 'start', 'w');
    const deadline = Date.now() + 60_000 + ITEMS * 100; // 10 jobs/s would be a failure anyway
    for (;;) {
      await sleep(POLL_MS);
      const q = JSON.parse(oj('queue', 'list', '-o', 'json')).find((x) => x.name === 'jobs');
      if (q && q.counts.done + q.counts.dead >= ITEMS) {
        if (q.counts.dead) throw new Error(`${q.counts.dead} oj queue items are dead`);
        break;
      }
      if (Date.now() > deadline)
        throw new Error(`oj: only ${q?.counts.done ?? 0} of ${ITEMS} items done in time`);
    }
    const doneAt = JSON.parse(oj('pipeline', 'list', '-o', 'json'))
      .filter((p) => p.status === 'done')
      .map((p) => p.endedAt);
    if (doneAt.length !== ITEMS) throw new Error(`oj: ${doneAt.length} of ${ITEMS} pipelines done`);
    // `worker:start` is the journal's second record: within the window up to ~9,000 items.
    const events = JSON.parse(oj('events', '-o', 'json', '--limit', String(EVENTS_LIMIT)));
    const journaled = events.find((e) => e.type === 'worker:start')?.at;
    if (journaled === undefined)
      console.warn(`queue: worker:start is out of oj events' window; timing from the CLI call`);
    const start = journaled ?? asked;
    const polled = events.find((e) => e.type === 'queue:polled')?.at;
    return {
      ms: Math.max(...doneAt) - start,
      doneAt: doneAt.map((t) => t - start).sort((a, b) => a - b),
      pollMs: polled === undefined ? null : polled - start,
    };
  } finally {
    spawnSync(process.execPath, [OJ, 'daemon', 'stop', '--kill'], {
      cwd: project,
      env: { ...env, OJ_STATE_DIR: state },
    });
    rmSync(project, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  }
}

const ensured = spawnSync(process.execPath, [join(root, 'scripts', 'ensure-redis.mjs')], {
  stdio: 'inherit',
});
if (ensured.status !== 0) throw new Error('redis-server is needed for the BullMQ baseline');

const servers = [];
const samples = { memory: [], durable: [], oj: [] };
const ojPoll = [];
try {
  const memory = await startRedis('memory', ['--appendonly', 'no']);
  servers.push(memory);
  const durable = await startRedis('durable', ['--appendonly', 'yes', '--appendfsync', 'always']);
  servers.push(durable);
  const cases = [
    async (run) => samples.memory.push(await measureBullmq(memory, run)),
    async (run) => samples.durable.push(await measureBullmq(durable, run)),
    async () => {
      const { pollMs, ...sample } = await measureOj();
      samples.oj.push(sample);
      ojPoll.push(pollMs);
    },
  ];
  for (let run = 0; run < RUNS; run++) {
    // Interleaved, starting with a different case each run, so machine noise hits every case alike.
    for (let k = 0; k < cases.length; k++) await cases[(run + k) % cases.length](run);
  }
} finally {
  for (const redis of servers) await stopRedis(redis);
}

const rate = (n, ms) => (n / ms) * 1000;
/** Jobs/s over the whole run, and over its first and last quarter of completions. */
function summarize(runs) {
  const quarter = Math.floor(ITEMS / 4);
  const first = (r) => rate(quarter, r.doneAt[quarter - 1]);
  const last = (r) => rate(quarter, r.doneAt[ITEMS - 1] - r.doneAt[ITEMS - 1 - quarter]);
  return {
    rate: rate(ITEMS, median(runs.map((r) => r.ms))),
    first: median(runs.map(first)),
    last: median(runs.map(last)),
    runs: runs.map((r) => Math.round(rate(ITEMS, r.ms))).join(', '),
  };
}
const memory = summarize(samples.memory);
const durable = summarize(samples.durable);
const oj = summarize(samples.oj);
console.log(
  `queue: ${ITEMS} jobs of \`bash -c true\`, concurrency ${CONCURRENCY}, median of ${RUNS} interleaved runs (node ${process.version})`,
);
console.log(
  `${'case'.padEnd(36)} ${'jobs/s'.padStart(7)} ${'ratio'.padStart(6)} ${'1st ¼'.padStart(6)} ${'last ¼'.padStart(6)}   runs (jobs/s)`,
);
for (const [name, r] of [
  ['BullMQ, Redis in memory (baseline)', memory],
  ['BullMQ, Redis appendfsync always', durable],
  ['oj worker, journal durable', oj],
])
  console.log(
    `${name.padEnd(36)} ${Math.round(r.rate).toString().padStart(7)} ${`${(r.rate / memory.rate).toFixed(2)}×`.padStart(6)} ${Math.round(r.first).toString().padStart(6)} ${Math.round(r.last).toString().padStart(6)}   ${r.runs}`,
  );
console.log(
  `oj vs BullMQ in memory: ${(oj.rate / memory.rate).toFixed(2)}× (target ≥ 1.0×: ${oj.rate >= memory.rate ? 'met' : 'NOT met'}); vs BullMQ durable: ${(oj.rate / durable.rate).toFixed(2)}×`,
);
console.log(
  `oj source poll (worker:start → ${ITEMS} items queued), inside oj's span: ${ojPoll.includes(null) ? '—' : `${median(ojPoll)} ms`}`,
);

const figure = `queue: ${ITEMS.toLocaleString('en-US')} \`bash -c true\` jobs, concurrency ${CONCURRENCY}`;
report('queue', [
  {
    figure,
    baseline: `BullMQ, Redis in memory ${perSecond(memory.rate)}`,
    value: perSecond(oj.rate),
    ratio: oj.rate / memory.rate,
    target: '≥ 1.0×',
    met: oj.rate >= memory.rate,
  },
  {
    figure: `${figure}, vs a durable Redis`,
    baseline: `BullMQ, Redis appendfsync always ${perSecond(durable.rate)}`,
    value: perSecond(oj.rate),
    ratio: oj.rate / durable.rate,
    target: '',
    met: null,
  },
]);
