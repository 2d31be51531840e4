// End-to-end: crons on their interval, monitors and their actions' cooldowns, through the real
// `oj` binary in a temp project with its own state dir.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runOj } from './helpers/oj.js';
import { waitFor } from './helpers/wait.js';

const RUNBOOK = `
# Odd runs succeed, even runs fail: a failed run must not stop the schedule.
[cron.tick]
interval = "200ms"
run = "n=$(cat n.txt 2>/dev/null || echo 0); n=$((n+1)); echo $n > n.txt; echo run $n $(date +%s%N) >> ticks.txt; [ $((n % 2)) -eq 1 ]"

[cron.slow]
interval = "100ms"
run = "echo start $(date +%s%N) >> slow.txt; sleep 0.35; echo end $(date +%s%N) >> slow.txt"

[cron.sweep]
interval = "100ms"
monitors = ["stuck"]

[monitor.stuck]
source = "cat items.json"
condition = "test -e stuck-{id}"
response = ["poke", "escalate"]

[action.poke]
run = "echo poke {id} $(date +%s%N) >> pokes.txt"
cooldown = "700ms"
max_attempts = 2
`;

interface CronView {
  name: string;
  enabled: boolean;
  running: boolean;
  runs: number;
  failures: number;
  nextAt: number | null;
  lastResult: string | null;
  targets: Record<string, { steps: Record<string, number>; lastStep: string }>;
}

let project: string;
let state: string;
const oj = (...args: string[]) => runOj(args, { cwd: project, env: { OJ_STATE_DIR: state } });
const read = (file: string) => {
  try {
    return readFileSync(join(project, file), 'utf8');
  } catch {
    return '';
  }
};
const lines = (file: string) => read(file).trim().split('\n').filter(Boolean);
const list = () => JSON.parse(oj('cron', 'list', '-o', 'json').stdout) as CronView[];
const cron = (name: string) => list().find((c) => c.name === name) as CronView;
const ok = (...args: string[]) => {
  const r = oj(...args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
};

beforeAll(() => {
  project = makeProject({ 'crons.toml': RUNBOOK });
  state = mkdtempSync(join(tmpdir(), 'oj-state-'));
});
afterAll(() => {
  oj('daemon', 'stop', '--kill');
  rmSync(project, { recursive: true, force: true });
  rmSync(state, { recursive: true, force: true });
});

describe('crons', () => {
  it('fires every interval, keeps firing after a failed run, and resumes after a restart', async () => {
    expect(ok('cron', 'enable', 'tick')).toMatch(/^enabled tick \(every 200ms\)/);
    await waitFor(() => lines('ticks.txt').length >= 4, 'four runs of the cron');
    const view = cron('tick');
    expect(view.enabled).toBe(true);
    expect(view.failures).toBeGreaterThanOrEqual(1); // run 2 failed, and runs 3 and 4 came after it
    expect(ok('daemon', 'stop')).toBeDefined();
    const before = lines('ticks.txt').length;
    // Any command starts the daemon again; the schedule comes back from the cron's snapshot.
    expect(cron('tick').enabled).toBe(true);
    await waitFor(() => lines('ticks.txt').length >= before + 3, 'runs after the restart');
    expect(cron('tick').enabled).toBe(true);
    ok('cron', 'disable', 'tick');
    await waitFor(() => !cron('tick').running, 'the last run to end');
    const stopped = lines('ticks.txt').length;
    expect(cron('tick').nextAt).toBeNull();
    // `once` runs a disabled cron exactly once.
    expect(ok('cron', 'once', 'tick')).toMatch(/^started tick/);
    await waitFor(() => lines('ticks.txt').length === stopped + 1, 'the single run');
    await waitFor(() => !cron('tick').running, 'the single run to end');
    expect(lines('ticks.txt')).toHaveLength(stopped + 1);
  });

  it('never overlaps itself when a run outlasts the interval', async () => {
    ok('cron', 'enable', 'slow');
    await waitFor(() => lines('slow.txt').length >= 6, 'three runs of the slow cron');
    ok('cron', 'disable', 'slow');
    await waitFor(() => !cron('slow').running, 'the slow cron to finish its run');
    const events = lines('slow.txt').map((l) => l.split(' '));
    for (let i = 0; i + 1 < events.length; i += 2) {
      expect(events[i]?.[0]).toBe('start');
      expect(events[i + 1]?.[0]).toBe('end');
    }
  });

  it('runs a monitor response chain per target, honouring cooldown and max_attempts', async () => {
    writeFileSync(join(project, 'items.json'), '[{"id":"a"},{"id":"b"}]');
    writeFileSync(join(project, 'stuck-a'), '');
    ok('cron', 'enable', 'sweep');
    await waitFor(() => lines('pokes.txt').length >= 2, 'two pokes');
    await waitFor(
      () => cron('sweep').targets['crons.stuck:a']?.steps.escalate === 1,
      'the chain to escalate after the pokes',
    );
    ok('cron', 'disable', 'sweep');
    const pokes = lines('pokes.txt').map((l) => l.split(' '));
    // Only the stuck target matched; the action ran max_attempts times, cooldown apart.
    expect(pokes.map((p) => p[1])).toEqual(['a', 'a']);
    const gapMs = Number(BigInt(pokes[1]?.[2] ?? '0') - BigInt(pokes[0]?.[2] ?? '0')) / 1e6;
    expect(gapMs).toBeGreaterThanOrEqual(700);
    expect(cron('sweep').runs).toBeGreaterThan(5); // it ran often; the cooldown held the action back
    const status = JSON.parse(ok('status', '-o', 'json')) as { crons: CronView[] };
    const sweep = status.crons.find((c) => c.name === 'sweep');
    expect(sweep?.targets['crons.stuck:a']?.steps).toEqual({ poke: 2, escalate: 1 });
    expect(ok('status')).toMatch(/crons\.stuck:a: poke×2, escalate×1/);
  });

  it('rejects an unknown cron with a suggestion', () => {
    const r = oj('cron', 'enable', 'tik');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/tick/);
  });
});
