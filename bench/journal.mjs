// Journal store benchmark: durable single appends, burst appends (group commit), concurrent
// producers and replay, each beside a raw lmdb baseline measured in the same run.
// Usage: node bench/journal.mjs [--runs 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { open } from 'lmdb';
import { report } from './report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const argRuns = process.argv.indexOf('--runs');
const RUNS = argRuns > 0 ? Number(process.argv[argRuns + 1]) : 5;
const SINGLE = 1_000; // durable appends awaited one by one, per run
const BURST = 50_000; // appends queued without awaiting, then the last awaited
const PRODUCERS = 16; // concurrent producers, each awaiting its own appends
const PER_PRODUCER = 100;
const REPLAY = 100_000; // records read back

const scratch = mkdtempSync(join(tmpdir(), 'oj-bench-journal-'));
let dirCount = 0;
const freshDir = () => join(scratch, `env-${dirCount++}`);

// The store is TypeScript: bundle it, keeping lmdb external but pinned to the exact module this
// script imports (a bare 'lmdb' would not resolve from the temp dir, and a second copy of lmdb
// in one process must be avoided).
const storeFile = join(scratch, 'store.mjs');
const lmdbUrl = import.meta.resolve('lmdb');
await build({
  entryPoints: [join(root, 'src/runtime/store/index.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: storeFile,
  logLevel: 'error',
  plugins: [
    {
      name: 'pin-lmdb',
      setup(b) {
        b.onResolve({ filter: /^lmdb$/ }, () => ({ path: lmdbUrl, external: true }));
      },
    },
  ],
});
const { openStore } = await import(pathToFileURL(storeFile).href);
const quiet = { log: () => {} };

const event = (i) => ({
  at: 1_700_000_000_000 + i,
  type: 'agent:state',
  pipeline: 'pl-7f3a9c',
  phase: 'code',
  agent: 'ag-2',
  state: i % 2 ? 'working' : 'idle',
  epoch: 3,
});
const record = (seq) => ({ seq, ...event(seq) });

function rawEnv(options = {}) {
  const env = open(freshDir(), { maxDbs: 8, ...options });
  return { env, db: env.openDB('events', {}) };
}
const txnId = (env) => env.getStats().lastTxnId;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(fn) {
  const start = performance.now();
  const extra = await fn();
  return { ms: performance.now() - start, ...extra };
}

const cases = {
  // (1) durable single appends, awaited one by one
  async rawPutSync() {
    const { env, db } = rawEnv();
    const r = await timed(() => {
      for (let i = 1; i <= SINGLE; i++) db.putSync(i, record(i));
    });
    await env.close();
    return (SINGLE / r.ms) * 1000;
  },
  async rawPutSyncNoOverlap() {
    const { env, db } = rawEnv({ overlappingSync: false });
    const r = await timed(() => {
      for (let i = 1; i <= SINGLE; i++) db.putSync(i, record(i));
    });
    await env.close();
    return (SINGLE / r.ms) * 1000;
  },
  async storeSingle() {
    const store = await openStore(freshDir(), quiet);
    const r = await timed(async () => {
      for (let i = 1; i <= SINGLE; i++) await store.append(event(i));
    });
    await store.close();
    return (SINGLE / r.ms) * 1000;
  },
  // (2) a burst queued without awaiting; the last promise awaited
  async rawBurst() {
    const { env, db } = rawEnv({ overlappingSync: false });
    const r = await timed(async () => {
      let last;
      for (let i = 1; i <= BURST; i++) last = db.put(i, record(i));
      await last;
    });
    await env.close();
    return (BURST / r.ms) * 1000;
  },
  async storeBurst() {
    const dir = freshDir();
    const store = await openStore(dir, quiet);
    const probe = open(dir, { maxDbs: 8, overlappingSync: false });
    const before = txnId(probe);
    const r = await timed(async () => {
      let last;
      for (let i = 1; i <= BURST; i++) last = store.append(event(i));
      await last;
    });
    storeBurstTxns.push(txnId(probe) - before);
    await probe.close();
    await store.close();
    return (BURST / r.ms) * 1000;
  },
  // (3) many producers each awaiting its own appends: the daemon's real pattern
  async rawConcurrent() {
    const { env, db } = rawEnv({ overlappingSync: false });
    let seq = 0;
    const r = await timed(() =>
      Promise.all(
        Array.from({ length: PRODUCERS }, async () => {
          for (let i = 0; i < PER_PRODUCER; i++) {
            const s = ++seq;
            await db.put(s, record(s));
          }
        }),
      ),
    );
    await env.close();
    return ((PRODUCERS * PER_PRODUCER) / r.ms) * 1000;
  },
  async storeConcurrent() {
    const dir = freshDir();
    const store = await openStore(dir, quiet);
    const probe = open(dir, { maxDbs: 8, overlappingSync: false });
    const before = txnId(probe);
    const r = await timed(() =>
      Promise.all(
        Array.from({ length: PRODUCERS }, async () => {
          for (let i = 0; i < PER_PRODUCER; i++) await store.append(event(i));
        }),
      ),
    );
    concurrentTxns.push(txnId(probe) - before);
    await probe.close();
    await store.close();
    return ((PRODUCERS * PER_PRODUCER) / r.ms) * 1000;
  },
};

// (4) replay: one journal of REPLAY records, read back raw and through the store
async function replay() {
  const dir = freshDir();
  const store = await openStore(dir, quiet);
  let last;
  for (let i = 1; i <= REPLAY; i++) last = store.append(event(i));
  await last;
  await store.close();
  const readRaw = async () => {
    const env = open(dir, { maxDbs: 8, overlappingSync: false });
    const db = env.openDB('events', {});
    const r = await timed(() => {
      let n = 0;
      for (const { value } of db.getRange({ start: 0 })) if (value.seq) n++;
      if (n !== REPLAY) throw new Error(`raw replay read ${n}`);
    });
    await env.close();
    return r.ms;
  };
  const readStore = async () => {
    const s = await openStore(dir, quiet);
    const r = await timed(() => {
      let n = 0;
      for (const rec of s.read(1)) if (rec.seq) n++;
      if (n !== REPLAY) throw new Error(`store replay read ${n}`);
    });
    await s.close();
    return r.ms;
  };
  await readRaw(); // warm-up: page cache and JIT for both paths
  await readStore();
  const raw = [];
  const ours = [];
  for (let run = 0; run < RUNS; run++) {
    if (run % 2) {
      ours.push(await readStore());
      raw.push(await readRaw());
    } else {
      raw.push(await readRaw());
      ours.push(await readStore());
    }
  }
  return { raw: median(raw), ours: median(ours) };
}

const storeBurstTxns = [];
const concurrentTxns = [];
const results = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let run = 0; run < RUNS; run++) {
  // Interleave the cases run by run (alternating direction) so machine noise hits each alike.
  const names = Object.keys(cases);
  for (const name of run % 2 ? names.reverse() : names) results[name].push(await cases[name]());
}
const rates = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
const rp = await replay();
rmSync(scratch, { recursive: true, force: true });

const fmt = (n) => `${Math.round(n).toLocaleString('en-US')}/s`;
const rows = [
  [
    'durable appends, awaited one by one',
    `putSync (default) ${fmt(rates.rawPutSync)}`,
    fmt(rates.storeSingle),
    rates.storeSingle / rates.rawPutSync,
    '≥ 0.5×',
    rates.storeSingle / rates.rawPutSync >= 0.5,
  ],
  [
    '  … vs a putSync that is durable per call',
    `putSync (overlappingSync off) ${fmt(rates.rawPutSyncNoOverlap)}`,
    fmt(rates.storeSingle),
    rates.storeSingle / rates.rawPutSyncNoOverlap,
    '',
    undefined,
  ],
  [
    `burst of ${BURST.toLocaleString('en-US')}, last awaited`,
    `db.put burst ${fmt(rates.rawBurst)}`,
    fmt(rates.storeBurst),
    rates.storeBurst / rates.rawBurst,
    '≥ 50,000/s',
    rates.storeBurst >= 50_000,
  ],
  [
    `${PRODUCERS} producers × ${PER_PRODUCER} awaited`,
    `await db.put ${fmt(rates.rawConcurrent)}`,
    fmt(rates.storeConcurrent),
    rates.storeConcurrent / rates.rawConcurrent,
    '',
    undefined,
  ],
  [
    `replay of ${REPLAY.toLocaleString('en-US')} records`,
    `getRange ${rp.raw.toFixed(1)} ms`,
    `${rp.ours.toFixed(1)} ms`,
    rp.raw / rp.ours,
    '',
    undefined,
  ],
];

console.log(`journal.mjs — median of ${RUNS} interleaved runs (Node ${process.versions.node})\n`);
console.log('| case | baseline | oj store | ratio | target |');
console.log('|---|---|---:|---:|---|');
for (const [name, base, ours, ratio, target, ok] of rows) {
  const verdict = ok === undefined ? '' : ok ? ' ✓' : ' ✗';
  console.log(`| ${name} | ${base} | ${ours} | ${ratio.toFixed(2)}× | ${target}${verdict} |`);
}
console.log(
  `\nLMDB transactions: burst of ${BURST.toLocaleString('en-US')} → ${storeBurstTxns.join(', ')}; ` +
    `${PRODUCERS * PER_PRODUCER} concurrent appends → ${concurrentTxns.join(', ')} (one per run each)`,
);
report(
  'journal',
  rows.map(([figure, baseline, value, ratio, target, met]) => ({
    figure: figure.trim(),
    baseline,
    value,
    ratio,
    target,
    met: met ?? null,
  })),
);
const failed = rows.some((row) => row[5] === false);
process.exitCode = failed ? 1 : 0;
