// Runs every benchmark in bench/ in turn (`npm run bench`) and writes their headline rows (see
// report.mjs) into bench/README.md's table, between the `bench-table` markers. Arguments after the
// script names are passed to every benchmark; `--only a,b` runs just those scripts (the table then
// keeps the other scripts' previous rows).
import { spawnSync } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const SCRIPTS = [
  'startup.mjs',
  'journal.mjs',
  'phases.mjs',
  'daemon.mjs',
  'pipeline.mjs',
  'queue.mjs',
  'recovery.mjs',
  'wake.mjs',
  'agents.mjs',
  'load.mjs',
];
const README = join(dir, 'README.md');
const START = '<!-- bench-table:start -->';
const END = '<!-- bench-table:end -->';

const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt === -1 ? undefined : args.splice(onlyAt, 2)[1].split(',');
const scripts = only
  ? SCRIPTS.filter((s) => only.includes(s) || only.includes(s.replace(/\.mjs$/, '')))
  : SCRIPTS;
if (only && scripts.length !== only.length) {
  console.error(`bench: --only names unknown scripts; known: ${SCRIPTS.join(', ')}`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'oj-bench-run-'));
const results = join(work, 'rows.jsonl');
const failed = [];
try {
  for (const script of scripts) {
    console.log(`\n=== ${script}`);
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [join(dir, script), ...args], {
      stdio: 'inherit',
      env: { ...process.env, OJ_BENCH_RESULTS: results },
    });
    console.log(`=== ${script}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${Date.now() - t0} ms`);
    if (r.status !== 0) failed.push(script);
  }
  const rows = existsSync(results)
    ? readFileSync(results, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))
    : [];
  writeTable(rows);
  const missed = rows.filter((row) => row.met === false);
  console.log(
    `\nbench: ${rows.length} figures, ${missed.length} target${missed.length === 1 ? '' : 's'} missed` +
      (failed.length ? `; failed scripts: ${failed.join(', ')}` : ''),
  );
  for (const row of missed) console.log(`  missed: ${row.figure} — ${row.value} (${row.target})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = failed.length ? 1 : 0;

/** Replaces the table in bench/README.md, keeping the rows of scripts that did not run. */
function writeTable(rows) {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end === -1) {
    console.error(`bench: ${README} has no ${START} … ${END} markers; the table was not written`);
    return;
  }
  const ran = new Set(scripts.map((s) => s.replace(/\.mjs$/, '')));
  const kept = previousRows(text.slice(start, end)).filter((row) => !ran.has(row.bench));
  const all = [...kept, ...rows].sort(
    (a, b) => SCRIPTS.indexOf(`${a.bench}.mjs`) - SCRIPTS.indexOf(`${b.bench}.mjs`),
  );
  const verdict = (met) => (met === true ? '✓' : met === false ? '✗' : '');
  const cell = (s) => String(s).replaceAll('|', '\\|');
  const lines = [
    START,
    `Last full or partial run: ${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}, ` +
      `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}. Written by \`npm run bench\`; ` +
      'each row is a benchmark below, with its method.',
    '',
    '| bench | figure | baseline (same run) | oj | ratio | target | |',
    '|---|---|---|---:|---:|---|---|',
    ...all.map(
      (r) =>
        `| ${r.bench} | ${cell(r.figure)} | ${cell(r.baseline)} | ${cell(r.value)} | ` +
        `${r.ratio === null || r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`} | ` +
        `${cell(r.target)} | ${verdict(r.met)} |`,
    ),
    `<!-- rows: ${JSON.stringify(all)} -->`,
    '',
  ];
  writeFileSync(README, text.slice(0, start) + lines.join('\n') + text.slice(end));
}

function previousRows(section) {
  const match = /<!-- rows: (.*) -->/.exec(section);
  if (!match) return [];
  try {
    return JSON.parse(match[1]);
  } catch {
    return [];
  }
}
