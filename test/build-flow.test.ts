// End-to-end: the README's demo (`scripts/demo.mjs`) — `oj run build` on a scratch repository with
// the fake agent: three work items, at most two agents at once, one branch conflicting and resolved
// by the merge queue's agent-resolve attempt, everything on main, nothing left behind.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, cleanEnv, runOj } from './helpers/oj.js';
import { waitFor } from './helpers/wait.js';

interface Event {
  type: string;
  at: number;
  actor?: string;
}

let dir: string;
let demo: { code: number | null; stdout: string; stderr: string };
const git = (...args: string[]) =>
  spawnSync('git', args, { cwd: join(dir, 'repo'), encoding: 'utf8' }).stdout.trim();
const oj = (...args: string[]) =>
  runOj(args, { cwd: join(dir, 'repo'), env: { OJ_STATE_DIR: join(dir, 'state') } });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'oj-build-flow-'));
  const r = spawnSync(process.execPath, ['scripts/demo.mjs', '--dir', dir, '--timeout', '90'], {
    cwd: REPO_ROOT,
    env: cleanEnv(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  demo = { code: r.status, stdout: r.stdout, stderr: r.stderr };
}, 130_000);

describe('oj run build (the demo)', () => {
  it('finishes with the three items on main and nothing left behind', () => {
    expect(demo.stderr).toBe('');
    expect(demo.code).toBe(0);
    expect(demo.stdout).toContain('the feature is on main');
    expect(demo.stdout).toContain('worktrees left: 0 · sessions left: 0 · locks held: 0');
    const subjects = git('log', '--format=%s', 'main').split('\n');
    expect(subjects).toEqual(
      expect.arrayContaining(['app: say hello', 'app: say goodbye', 'docs: greetings']),
    );
    expect(readFileSync(join(dir, 'repo', 'app.txt'), 'utf8')).toBe('hello\ngoodbye\n');
    expect(git('worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('ran at most two implementer agents at once, and resolved one conflict with an agent', () => {
    const events = JSON.parse(oj('events', '--limit', '100000', '-o', 'json').stdout) as Event[];
    const runs = new Map<string, { from: number; to: number }>();
    for (const e of events) {
      if (!e.actor?.includes('-implement-')) continue;
      if (e.type === 'agent:spawned') runs.set(e.actor, { from: e.at, to: Infinity });
      if (e.type === 'agent:exited') {
        const run = runs.get(e.actor);
        if (run) run.to = e.at;
      }
    }
    expect(runs.size).toBe(3);
    const edges = [...runs.values()].flatMap((r) => [
      { at: r.from, d: 1 },
      { at: r.to, d: -1 },
    ]);
    edges.sort((a, b) => a.at - b.at || a.d - b.d);
    let now = 0;
    let most = 0;
    for (const edge of edges) most = Math.max(most, (now += edge.d));
    expect(most).toBeLessThanOrEqual(2);
    const resolvers = new Set(
      events
        .filter((e) => e.type === 'agent:spawned' && e.actor?.endsWith('-attempt2'))
        .map((e) => e.actor),
    );
    expect(resolvers.size).toBe(1);
    oj('daemon', 'stop', '--kill');
  });
});

describe('oj run build across a daemon crash', () => {
  it('finishes with the same end state on main after ojd is SIGKILLed mid-run', async () => {
    const crashDir = mkdtempSync(join(tmpdir(), 'oj-build-crash-'));
    const child = spawn(
      process.execPath,
      ['scripts/demo.mjs', '--dir', crashDir, '--timeout', '90'],
      { cwd: REPO_ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Crash while the implementers work (two sessions up), the busiest moment of the run.
    const pid = await waitFor(
      () => {
        const sessions = join(crashDir, 'state', 'sessions');
        if (!existsSync(sessions) || readdirSync(sessions).length < 3) return null;
        return Number(readFileSync(join(crashDir, 'state', 'run', 'ojd.pid'), 'utf8').trim());
      },
      'the implementers to be at work',
      60_000,
      20,
    );
    process.kill(pid, 'SIGKILL');
    const code = await exited;
    expect(out).toContain('the feature is on main');
    expect(code).toBe(0);
    expect(out).toContain('worktrees left: 0 · sessions left: 0 · locks held: 0');
    const log = spawnSync('git', ['log', '--format=%s', 'main'], {
      cwd: join(crashDir, 'repo'),
      encoding: 'utf8',
    }).stdout;
    expect(log.split('\n')).toEqual(
      expect.arrayContaining(['app: say hello', 'app: say goodbye', 'docs: greetings']),
    );
    expect(readFileSync(join(crashDir, 'repo', 'app.txt'), 'utf8')).toBe('hello\ngoodbye\n');
  }, 120_000);
});
