// End-to-end: the standard `watchdog` cron on live state — an agent that went quiet (and has no
// idle_timeout of its own) is found by the agent_idle monitor and nudged by its action, and
// finishes; the cron records the attempt per session.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runOj } from './helpers/oj.js';
import { waitFor } from './helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'oj-watchdog-'));
const repo = join(dir, 'repo');
const env = {
  OJ_STATE_DIR: join(dir, 'state'),
  OJ_FAKE_AGENTS: '.oj/runbooks/scenarios',
  OJ_SESSION_TIMING: 'test',
};
const oj = (...args: string[]) => runOj(args, { cwd: repo, env });
const ok = (...args: string[]) => {
  const r = oj(...args);
  if (r.code !== 0) throw new Error(`oj ${args.join(' ')} → ${r.code}: ${r.stderr}`);
  return r.stdout;
};
const json = <T>(...args: string[]) => JSON.parse(ok(...args, '-o', 'json')) as T;

afterAll(() => {
  oj('daemon', 'stop', '--kill');
});

describe('the watchdog cron', () => {
  it('nudges an agent that went quiet, which then finishes', async () => {
    execFileSync('mkdir', ['-p', repo]);
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
    ok('init');
    const runbooks = join(repo, '.oj', 'runbooks');
    const watchdog = join(runbooks, 'watchdog.toml');
    // The shipped cadence is 30 s and "quiet" means 5 minutes; the spec runs it faster.
    writeFileSync(
      watchdog,
      readFileSync(watchdog, 'utf8')
        .replace('interval = "30s"', 'interval = "300ms"')
        .replace('--over 5m', '--over 1s'),
    );
    writeFileSync(
      join(runbooks, 'chat.toml'),
      `
[command.chat]
run = { pipeline = "chat" }

[pipeline.chat]

[[pipeline.chat.phase]]
name = "talk"
agent = "talker"

[agent.talker]
command = "claude"
prompt = "Wait for instructions."
`,
    );
    writeFileSync(
      join(runbooks, 'scenarios', 'talker.toml'),
      `
[[turn]]
on = { contains = "Continue" }
steps = [{ say = "Carrying on." }, { done = {} }]

[[turn]]
on = "*"
steps = [{ say = "Waiting." }, { idle = true }]
`,
    );
    ok('run', 'chat');
    const [pipeline] = json<{ id: string }[]>('pipeline', 'list');
    const session = await waitFor(
      () =>
        json<{ id: string; state: string }[]>('session', 'list').find((s) => s.state === 'idle'),
      'the agent to go quiet',
    );
    ok('cron', 'enable', 'watchdog');
    await waitFor(
      () => json<{ status: string }>('pipeline', 'show', pipeline?.id ?? '').status === 'done',
      'the nudged agent to finish',
    );
    // The run that nudged reports its attempts when it ends: wait for that report.
    const nudges = await waitFor(() => {
      const [cron] = json<
        { name: string; targets: Record<string, { steps: Record<string, number> }> }[]
      >('cron', 'list').filter((c) => c.name === 'watchdog');
      const target = Object.entries(cron?.targets ?? {}).find(([k]) => k.includes(session.id));
      return target?.[1].steps.nudge;
    }, 'the watchdog to record its nudge');
    expect(nudges).toBe(1);
    ok('cron', 'disable', 'watchdog');
  });
});
