// Crash specs: SIGKILL the real daemon mid-work and check that nothing acknowledged is lost, no
// item is done twice, interrupted phases follow their idempotency, and damage is survived.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeProject, runOj } from './helpers/oj.js';
import { waitFor } from './helpers/wait.js';

const RUNBOOK = `
[queue.work]
max_retries = 5

[worker.crunch]
queue = "work"
handler = "pipeline.item"
concurrency = 4

[pipeline.item]
inputs = ["n"]

[[pipeline.item.phase]]
name = "step"
run = "sleep 0.05"
idempotent = true

[[pipeline.item.phase]]
name = "record"
idempotent = true
run = "grep -qx {n} done.txt 2>/dev/null || echo {n} >> done.txt"

[command.long]
args = "<mode>"
run = { pipeline = "long" }

[pipeline.long]
inputs = ["mode"]

[[pipeline.long.phase]]
name = "slow"
run = "echo started >> {mode}.txt; sleep 31.5; echo orphan >> {mode}.txt"
on_fail = "cleanup"

[[pipeline.long.phase]]
name = "finish"
run = "echo finished >> {mode}.txt"
next = "done"

[[pipeline.long.phase]]
name = "cleanup"
run = "echo cleaned >> {mode}.txt"

[lock.main]

[semaphore.slots]
max = 2

[command.locker]
args = "<n>"
run = { pipeline = "locker" }

[pipeline.locker]
inputs = ["n"]

[[pipeline.locker.phase]]
name = "hold"
lock = "main"
run = "sleep 4"

[command.slotter]
args = "<n>"
run = { pipeline = "slotter" }

[pipeline.slotter]
inputs = ["n"]

[[pipeline.slotter.phase]]
name = "hold"
semaphore = "slots"
idempotent = true
run = "sleep 3"

[command.again]
args = "<mode>"
run = { pipeline = "again" }

[pipeline.again]
inputs = ["mode"]

[[pipeline.again.phase]]
name = "slow"
idempotent = true
run = "echo started >> {mode}.txt; sleep 2"

[[pipeline.again.phase]]
name = "finish"
run = "echo finished >> {mode}.txt"
`;

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const undo of cleanup.splice(0).reverse()) undo();
});

function setup() {
  const project = makeProject({ 'crash.toml': RUNBOOK });
  const state = mkdtempSync(join(tmpdir(), 'oj-crash-'));
  const oj = (...args: string[]) => runOj(args, { cwd: project, env: { OJ_STATE_DIR: state } });
  cleanup.push(() => {
    oj('daemon', 'stop', '--kill');
    rmSync(project, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  });
  const read = (file: string) => {
    try {
      return readFileSync(join(project, file), 'utf8');
    } catch {
      return '';
    }
  };
  const kill = () => {
    const s = JSON.parse(oj('daemon', 'status', '-o', 'json').stdout) as { pid: number };
    process.kill(s.pid, 'SIGKILL');
    return s.pid;
  };
  return { project, state, oj, read, kill };
}

describe('crash recovery', () => {
  it('finishes every item exactly once after SIGKILL at concurrency 4', async () => {
    const { oj, read, kill } = setup();
    expect(oj('worker', 'start', 'crunch').code).toBe(0);
    for (let n = 1; n <= 50; n++) expect(oj('queue', 'add', 'work', `n=${n}`).code).toBe(0);
    await waitFor(() => read('done.txt').split('\n').filter(Boolean).length >= 10, '10 items done');
    const before = kill();
    // Any command restarts the daemon; recovery replays the journal and re-runs interrupted phases.
    await waitFor(
      () => {
        const q = JSON.parse(oj('queue', 'show', 'work', '-o', 'json').stdout) as {
          counts: { done: number };
        };
        return q.counts.done === 50;
      },
      'all 50 items done after the restart',
      60_000,
      200,
    );
    const after = JSON.parse(oj('daemon', 'status', '-o', 'json').stdout) as { pid: number };
    expect(after.pid).not.toBe(before);
    const lines = read('done.txt').split('\n').filter(Boolean);
    expect(lines).toHaveLength(50);
    expect(new Set(lines).size).toBe(50);
    const statuses = JSON.parse(oj('pipeline', 'list', '-o', 'json').stdout) as {
      status: string;
    }[];
    expect(statuses.filter((p) => p.status === 'done').length).toBeGreaterThanOrEqual(50);
    expect(statuses.some((p) => p.status === 'running' || p.status === 'pending')).toBe(false);
  });

  it('fails an interrupted phase that is not idempotent and follows on_fail', async () => {
    const { oj, read, kill } = setup();
    const id = oj('run', 'long', 'strict').stdout.split(/\s+/)[0] as string;
    await waitFor(() => read('strict.txt').includes('started'), 'the slow phase to start');
    kill();
    await waitFor(() => {
      const p = JSON.parse(oj('pipeline', 'show', id, '-o', 'json').stdout) as { status: string };
      return p.status === 'done';
    }, 'the pipeline to finish through cleanup');
    expect(read('strict.txt')).toBe('started\ncleaned\n');
    // The phase's processes, left running by the killed daemon, were killed by the new one.
    await waitFor(
      () => !spawnSync('pgrep', ['-f', 'sleep 31.5']).stdout.toString().trim(),
      'the orphaned phase to be gone',
    );
    expect(oj('daemon', 'logs').stdout).toMatch(
      /killed process group \d+ left running by the previous daemon/,
    );
  });

  it('re-runs an interrupted idempotent phase', async () => {
    const { oj, read, kill } = setup();
    const id = oj('run', 'again', 'loose').stdout.split(/\s+/)[0] as string;
    await waitFor(() => read('loose.txt').includes('started'), 'the slow phase to start');
    kill();
    await waitFor(() => {
      const p = JSON.parse(oj('pipeline', 'show', id, '-o', 'json').stdout) as { status: string };
      return p.status === 'done';
    }, 'the pipeline to finish');
    expect(read('loose.txt')).toBe('started\nstarted\nfinished\n');
  });

  it('never leaves a lock with two holders or a leaked semaphore slot after SIGKILL', async () => {
    const { oj, kill } = setup();
    const lockers = ['1', '2'].map((n) => oj('run', 'locker', n).stdout.split(/\s+/)[0] as string);
    const slotters = ['1', '2', '3'].map(
      (n) => oj('run', 'slotter', n).stdout.split(/\s+/)[0] as string,
    );
    const locks = () =>
      JSON.parse(oj('lock', 'list', '-o', 'json').stdout) as {
        id: string;
        holder: { pipeline: string } | null;
        waiting: string[];
      }[];
    const sems = () =>
      JSON.parse(oj('semaphore', 'list', '-o', 'json').stdout) as {
        used: number;
        holders: unknown[];
        waiting: unknown[];
      }[];
    await waitFor(
      () => locks()[0]?.holder && sems()[0]?.used === 2,
      'the lock and both slots to be held',
    );
    kill();
    // After the restart: the interrupted lock holder failed (its phase is not idempotent) and gave
    // the lock to the waiter; the slot holders re-ran; nothing is held twice or leaked.
    for (const id of [...lockers, ...slotters]) {
      await waitFor(
        () =>
          ['done', 'failed'].includes(
            JSON.parse(oj('pipeline', 'show', id, '-o', 'json').stdout).status,
          ),
        `${id} to end`,
        30_000,
      );
    }
    const [lock] = locks();
    expect(lock?.holder).toBeNull();
    expect(lock?.waiting).toEqual([]);
    const [slots] = sems();
    expect(slots, JSON.stringify(slots)).toMatchObject({ used: 0, holders: [], waiting: [] });
    const statuses = slotters.map(
      (id) => JSON.parse(oj('pipeline', 'show', id, '-o', 'json').stdout).status,
    );
    expect(statuses).toEqual(['done', 'done', 'done']);
  });

  it('survives garbage at the journal tail and a damaged snapshot, with warnings in the log', async () => {
    const { oj, state } = setup();
    const id = oj('run', 'again', 'fine').stdout.split(/\s+/)[0] as string;
    await waitFor(
      () => JSON.parse(oj('pipeline', 'show', id, '-o', 'json').stdout).status === 'done',
      'the pipeline to finish',
      20_000,
    );
    expect(oj('daemon', 'stop').code).toBe(0);
    const { open } = await import('lmdb');
    const env = open({ path: join(state, 'journal') });
    const events = env.openDB({ name: 'events', encoding: 'binary' });
    const snapshots = env.openDB({ name: 'snapshots', encoding: 'binary' });
    const last = [...events.getKeys({ reverse: true, limit: 1 })][0] as number;
    await events.put(last + 1, Buffer.from([0xc1, 0xff, 0x00, 0x13]));
    await events.put(last + 2, Buffer.from('not msgpack at all'));
    const victim = [...snapshots.getKeys()][0] as string;
    const whole = snapshots.get(victim) as Buffer;
    await snapshots.put(victim, whole.subarray(0, Math.floor(whole.length / 2)));
    await env.close();
    const s = oj('status', '-o', 'json');
    expect(s.code).toBe(0);
    const logs = oj('daemon', 'logs').stdout;
    expect(logs).toContain(`journal record ${last + 1} is damaged`);
    expect(logs).toContain(`journal record ${last + 2} is damaged`);
    expect(logs).toContain(`the snapshot of actor "${victim}" is damaged`);
    const after = oj('pipeline', 'show', id, '-o', 'json');
    expect(after.stderr).toBe('');
    expect(JSON.parse(after.stdout).status).toBe('done');
    expect(oj('run', 'again', 'later').code).toBe(0);
  });
});
