// The end-to-end demo (`npm run demo`): a scratch git repository, `oj init`, then
// `oj run build greet …` with the fake agent standing in for Claude — plan, decompose into three
// items, build them in parallel worktrees (at most two agents), land each through the merge queue
// (one conflicts and an agent resolves it) — with live progress, ending with the work on main and
// a summary. Exits 1 if it does not finish within the deadline (default 60 s; --timeout <s>).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const OJ = join(root, 'bin', 'oj.cjs');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
};
const TIMEOUT_S = Number(arg('--timeout', '60'));
const CLEANUP_S = 10; // how long finished runs may take to remove their worktrees and sessions
const dir = arg('--dir', mkdtempSync(join(tmpdir(), 'oj-demo-')));
const project = join(dir, 'repo');
const state = join(dir, 'state');
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const dim = (s) => (color ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s) => (color ? `\x1b[1m${s}\x1b[0m` : s);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`.padStart(6);

const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OJ_'))),
  OJ_STATE_DIR: state,
  OJ_FAKE_AGENTS: '.oj/runbooks/scenarios',
  OJ_SESSION_TIMING: 'test',
  OJ_NOTIFY_DESKTOP: '0',
  NO_COLOR: '1',
};
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { cwd: project, env, encoding: 'utf8', ...opts });
  if (r.status !== 0 && !opts.allowFail)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
};
const oj = (...args) => run(process.execPath, [OJ, ...args]);
const json = (...args) => JSON.parse(oj(...args, '-o', 'json'));
const git = (...args) => run('git', args);
const say = (line) => process.stdout.write(`${dim(elapsed())}  ${line}\n`);

function scratchRepo() {
  spawnSync('mkdir', ['-p', project]);
  git('init', '-q', '-b', 'main');
  // A local identity for the scratch repository only (never the user's global config).
  git('config', 'user.name', 'oj demo');
  git('config', 'user.email', 'demo@oj.invalid');
  writeFileSync(join(project, 'README.md'), '# greeter\n\n');
  writeFileSync(join(project, 'Makefile'), 'test:\n\t@echo tests pass\n');
  writeFileSync(join(project, '.gitignore'), 'plans/\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'initial commit');
  oj('init');
}

/** Prints each pipeline's phase and status changes, and how many agents are at work. */
function watch(seen) {
  for (const p of json('pipeline', 'list')) {
    const now = `${p.status}${p.phase ? ` ${p.phase}` : ''}`;
    if (seen.get(p.id) === now) continue;
    seen.set(p.id, now);
    say(
      `${p.name.padEnd(16)} ${p.phase ?? ''}${p.status === 'running' ? '' : ` ${bold(p.status)}`}`,
    );
  }
  const sessions = json('session', 'list');
  const agents = sessions.map((s) => `${s.id.replace(/^ag-/, '')} ${s.state}`).join(', ');
  const key = `agents ${agents}`;
  if (seen.get('agents') !== key) {
    seen.set('agents', key);
    say(dim(`agents at work: ${sessions.length}${agents ? ` (${agents})` : ''}`));
  }
}

class PipelineFailed extends Error {}

function finished() {
  const pipelines = json('pipeline', 'list');
  const bad = pipelines.find((p) => ['failed', 'cancelled', 'escalated'].includes(p.status));
  if (bad)
    throw new PipelineFailed(`${bad.name} is ${bad.status}: ${bad.error ?? bad.waitingFor ?? ''}`);
  const merges = pipelines.filter((p) => p.pipeline.endsWith('.merge'));
  return (
    pipelines.length > 0 &&
    pipelines.every((p) => p.status === 'done') &&
    merges.length === 3 &&
    json('queue', 'list').every((q) => q.counts.pending === 0 && q.counts.active === 0)
  );
}

async function main() {
  process.stdout.write(`${bold('oj demo')}: a scratch repo in ${project}\n`);
  scratchRepo();
  say('oj init, then: oj run build greet "Greet the user, then say goodbye"');
  oj('run', 'build', 'greet', 'Greet the user, then say goodbye');
  const seen = new Map();
  const deadline = started + TIMEOUT_S * 1000;
  for (;;) {
    // A request cut off by a daemon restart is asked again on the next round; anything that
    // keeps failing surfaces at the deadline.
    let done = false;
    try {
      watch(seen);
      done = finished();
    } catch (err) {
      if (err instanceof PipelineFailed) throw err; // a pipeline failed: that is the answer
      if (Date.now() > deadline) throw err;
    }
    if (done) break;
    if (Date.now() > deadline) throw new Error(`not finished after ${TIMEOUT_S} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
  const log = git('log', '--format=%h %s', 'main').trim().split('\n');
  // A run's worktree and session are cleaned up just after it reads done: give that a moment.
  const left = () => ({
    leftovers: existsSync(join(state, 'workspaces'))
      ? readdirSync(join(state, 'workspaces')).length
      : 0,
    sessions: json('session', 'list').length,
    locks: json('lock', 'list').filter((l) => l.holder).length,
  });
  let remaining = left();
  for (const settle = Date.now() + CLEANUP_S * 1000; Date.now() < settle; remaining = left()) {
    if (!remaining.leftovers && !remaining.sessions && !remaining.locks) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const { leftovers, sessions, locks } = remaining;
  process.stdout.write(
    [
      '',
      bold(`done in ${elapsed().trim()}: the feature is on main`),
      ...log.map((l) => `  ${l}`),
      `app.txt: ${readFileSync(join(project, 'app.txt'), 'utf8').trim().split('\n').join(' / ')}`,
      `pipelines: ${json('pipeline', 'list').length} done · worktrees left: ${leftovers} · sessions left: ${sessions} · locks held: ${locks}`,
      dim(`look around: cd ${project} && OJ_STATE_DIR=${state} oj status`),
      '',
    ].join('\n'),
  );
  if (leftovers || sessions || locks)
    throw new Error(
      `something was left behind after ${CLEANUP_S} s: ${leftovers} worktrees, ${sessions} sessions, ${locks} locks held`,
    );
}

try {
  await main();
} catch (err) {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.stderr.write(`daemon log: ${join(state, 'logs', 'daemon.log')}\n`);
  process.exitCode = 1;
} finally {
  spawnSync(process.execPath, [OJ, 'daemon', 'stop', '--kill'], { cwd: project, env });
}
