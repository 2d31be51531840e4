// Start-up benchmark: `oj --help` and `oj runbook check runbooks/*.toml` against `node -e 0` measured
// in the same run, and the in-process time to load (parse + compile) the five standard runbooks.
// Usage: node bench/startup.mjs [--runs N]   (run `npm run build` first; `npm run bench` does)
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { report } from './report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg === -1 ? 21 : Number(process.argv[runsArg + 1]);
const oj = join(root, 'bin', 'oj.cjs');
const std = readdirSync(join(root, 'runbooks'))
  .filter((f) => f.endsWith('.toml'))
  .map((f) => join('runbooks', f));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Wall-clock milliseconds of one process run, from spawn to exit. */
function timeProcess(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  return ms;
}

/** Interleaves the cases run by run, so machine noise hits every case alike. */
function measure(cases) {
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < RUNS; i++)
    for (const [k, args] of Object.entries(cases)) samples[k].push(timeProcess(args));
  return Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, median(xs)]));
}

const m = measure({
  baseline: ['-e', '0'],
  help: [oj, '--help'],
  check: [oj, 'runbook', 'check', ...std],
});

// Loading in a fresh process (what `oj` and the daemon pay once), then warm in this process.
const LOAD_SCRIPT = `
  const lib = await import(${JSON.stringify(pathToFileURL(join(root, 'dist', 'lib.js')).href)});
  const files = ${JSON.stringify(std.map((f) => join(root, f)))};
  const t0 = performance.now();
  const { issues } = lib.loadRunbookFiles(files, { hash: process.argv[1] === 'hash' });
  const ms = performance.now() - t0;
  if (issues.length) throw new Error(issues.length + ' issues in the standard runbooks');
  console.log(ms);`;
function coldLoad(hash) {
  const r = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', LOAD_SCRIPT, hash ? 'hash' : 'plain'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}
const cold = [];
const coldHashed = [];
for (let i = 0; i < RUNS; i++) {
  cold.push(coldLoad(false));
  coldHashed.push(coldLoad(true));
}
const lib = await import(pathToFileURL(join(root, 'dist', 'lib.js')).href);
const files = std.map((f) => join(root, f));
const warm = [];
for (let i = 0; i < RUNS + 1; i++) {
  const t0 = process.hrtime.bigint();
  lib.loadRunbookFiles(files, { hash: false });
  warm.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
warm.shift(); // the first is this process's cold run

const fmt = (ms) => `${ms.toFixed(1)} ms`;
const rows = [
  ['node -e 0 (baseline)', fmt(m.baseline), '1.00×', ''],
  ['oj --help', fmt(m.help), `${(m.help / m.baseline).toFixed(2)}×`, '< 150 ms'],
  [
    `oj runbook check (${std.length} std runbooks)`,
    fmt(m.check),
    `${(m.check / m.baseline).toFixed(2)}×`,
    '< 150 ms',
  ],
  [`load ${std.length} std runbooks, fresh process`, fmt(median(cold)), '', '< 20 ms'],
  ['  … with content hashes', fmt(median(coldHashed)), '', ''],
  [`load ${std.length} std runbooks, warm`, fmt(median(warm)), '', '< 20 ms'],
];
console.log(`startup (median of ${RUNS} runs each, node ${process.version})`);
for (const r of rows)
  console.log(`  ${r[0].padEnd(40)} ${r[1].padStart(10)} ${r[2].padStart(7)}  ${r[3]}`);
report('startup', [
  {
    figure: '`oj --help`',
    baseline: `\`node -e 0\` ${fmt(m.baseline)}`,
    value: fmt(m.help),
    ratio: m.help / m.baseline,
    target: '< 150 ms',
    met: m.help < 150,
  },
  {
    figure: `\`oj runbook check\` of the ${std.length} standard runbooks`,
    baseline: `\`node -e 0\` ${fmt(m.baseline)}`,
    value: fmt(m.check),
    ratio: m.check / m.baseline,
    target: '< 150 ms',
    met: m.check < 150,
  },
  {
    figure: `load the ${std.length} standard runbooks, fresh process`,
    baseline: '',
    value: fmt(median(cold)),
    ratio: null,
    target: '< 20 ms',
    met: median(cold) < 20,
  },
]);
const ok = m.help < 150 && m.check < 150 && median(cold) < 20 && median(warm) < 20;
console.log(ok ? 'targets met' : 'TARGET MISSED');
process.exitCode = ok ? 0 : 1;
