// End-to-end: the daemon runs shell pipelines, queues and workers, driven through the real `oj`
// binary in a temp project with its own state dir.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OJ_BIN, makeProject, runOj } from './helpers/oj.js';
import { waitFor } from './helpers/wait.js';

const RUNBOOK = () => `
[events]
on_phase_change = "echo phase {name} {phase} >> hooks.txt"
on_complete = "echo complete {name} >> hooks.txt"

[command.three]
args = "<tag>"
run = { pipeline = "three" }

[pipeline.three]
inputs = ["tag"]

[[pipeline.three.phase]]
name = "one"
run = "echo one {tag} >> trace.txt"

[[pipeline.three.phase]]
name = "two"
run = "echo two {tag} >> trace.txt"

[[pipeline.three.phase]]
name = "three"
run = "echo three {tag} >> trace.txt"

[command.fed]
run = { pipeline = "fed" }

[pipeline.fed]

[[pipeline.fed.phase]]
name = "use"
inputs = [
  { name = "who", source = "echo world" },
  { name = "bug", source = "echo '{\\"id\\": 42, \\"title\\": \\"Crash\\"}'" },
]
run = "echo hello {who} {bug.id} {bug.title} >> fed.txt"

[lock.main]
timeout = "1m"

[command.locked]
args = "<n>"
run = { pipeline = "locked" }

[pipeline.locked]
inputs = ["n"]

[[pipeline.locked.phase]]
name = "guarded"
lock = "main"
run = "echo start {n} $(date +%s%N) >> locked.txt; sleep 0.3; echo end {n} $(date +%s%N) >> locked.txt"

[command.hog]
run = { pipeline = "hog" }

[pipeline.hog]

[[pipeline.hog.phase]]
name = "hold"
lock = "main"
run = "sleep 30"

[lock.brief]
timeout = "600ms"
on_stale = ["rollback"]

[command.overstay]
run = { pipeline = "overstay" }

[pipeline.overstay]

[[pipeline.overstay.phase]]
name = "hold"
lock = "brief"
run = "echo held $(date +%s%N) >> brief.txt; sleep 5; echo overstayed >> brief.txt"
on_fail = "cleanup"

[[pipeline.overstay.phase]]
name = "cleanup"
run = "echo cleanup $(date +%s%N) >> brief.txt"

[command.after]
run = { pipeline = "after" }

[pipeline.after]

[[pipeline.after.phase]]
name = "next"
lock = "brief"
run = "echo next $(date +%s%N) >> brief.txt"

[semaphore.slots]
max = 2

[command.slotted]
args = "<n>"
run = { pipeline = "slotted" }

[pipeline.slotted]
inputs = ["n"]

[[pipeline.slotted.phase]]
name = "limited"
semaphore = "slots"
run = "echo start {n} $(date +%s%N) >> slotted.txt; sleep 1; echo end {n} $(date +%s%N) >> slotted.txt"

[guard.after_merged]
condition = "test -z '{after}' || ${process.execPath} ${OJ_BIN} pipeline show {after} --phase | grep -q merged"
wake_on = ["pipeline:{after}:merged"]

[command.follower]
args = "<after>"
run = { pipeline = "follower" }

[pipeline.follower]
inputs = ["after"]

[[pipeline.follower.phase]]
name = "go"
pre = ["after_merged"]
run = "echo followed $(date +%s%N) >> follow.txt"

[command.leader]
run = { pipeline = "leader" }

[pipeline.leader]

[[pipeline.leader.phase]]
name = "work"
run = "while [ ! -f release-leader ]; do sleep 0.02; done"

[[pipeline.leader.phase]]
name = "merged"
run = "echo merged $(date +%s%N) >> follow.txt"

[strategy.land]
checkpoint = "cat state.txt"
on_exhaust = "escalate"

[[strategy.land.attempt]]
name = "fast"
run = "echo broken > state.txt; echo tried fast >> strategy.txt; exit 1"
rollback = "echo {checkpoint} > state.txt; echo rolled back to {checkpoint} >> strategy.txt"

[[strategy.land.attempt]]
name = "slow"
run = "echo slow saw $(cat state.txt) >> strategy.txt"

[strategy.doomed]

[[strategy.doomed.attempt]]
name = "only"
run = "exit 3"

[command.landing]
run = { pipeline = "landing" }

[pipeline.landing]

[[pipeline.landing.phase]]
name = "land"
strategy = "land"

[strategy.hopeless]
on_exhaust = "escalate"

[[strategy.hopeless.attempt]]
name = "only"
run = "exit 4"

[command.hopeless]
run = { pipeline = "hopeless" }

[pipeline.hopeless]

[[pipeline.hopeless.phase]]
name = "try"
strategy = "hopeless"
on_fail = "never"

[[pipeline.hopeless.phase]]
name = "never"
run = "echo on_fail ran >> strategy.txt"

[command.doom]
run = { pipeline = "doom" }

[pipeline.doom]

[[pipeline.doom.phase]]
name = "try"
strategy = "doomed"
on_fail = "after_doom"

[[pipeline.doom.phase]]
name = "after_doom"
run = "echo after doom >> strategy.txt"

[command.routed]
args = "<tag>"
run = { pipeline = "routed" }

[pipeline.routed]
inputs = ["tag"]

[[pipeline.routed.phase]]
name = "try"
run = "echo try {tag} >> trace.txt; exit 1"
on_fail = "recover"

[[pipeline.routed.phase]]
name = "never"
run = "echo never >> trace.txt"
next = "done"

[[pipeline.routed.phase]]
name = "recover"
run = "echo recover {tag} >> trace.txt"

[command.loop]
run = { pipeline = "loop" }

[pipeline.loop]
max_visits = 3

[[pipeline.loop.phase]]
name = "again"
run = "echo again >> loops.txt; exit 1"
on_fail = "again"

[command.slow]
args = "<tag>"
run = { pipeline = "slow" }

[pipeline.slow]
inputs = ["tag"]
on_cancel = "echo cancelled {tag} >> trace.txt"

[[pipeline.slow.phase]]
name = "wait"
run = "sleep 30"

[command.flaky]
args = "<tag>"
run = { pipeline = "flaky" }

[pipeline.flaky]
inputs = ["tag"]

[[pipeline.flaky.phase]]
name = "check"
run = "test -f ok-{tag}"

[[pipeline.flaky.phase]]
name = "after"
run = "echo after {tag} >> trace.txt"

[queue.jobs]
max_retries = 0

[worker.runner]
queue = "jobs"
handler = "pipeline.job"
concurrency = 2
idle_action = "wait:10m"

[pipeline.job]
inputs = ["n"]

[[pipeline.job.phase]]
name = "work"
run = "echo start {n} $(date +%s%N) >> spans.txt; sleep 1; echo end {n} $(date +%s%N) >> spans.txt"

[queue.fragile]
max_retries = 2

[worker.fragile]
queue = "fragile"
handler = "pipeline.fragile"

[pipeline.fragile]
inputs = ["n"]

[[pipeline.fragile.phase]]
name = "fail"
run = "echo attempt {n} >> attempts.txt; exit 7"

[queue.chain]

[worker.chain]
queue = "chain"
handler = "pipeline.chain"
concurrency = 3

[pipeline.chain]
inputs = ["n"]

[[pipeline.chain.phase]]
name = "record"
run = "sleep 0.1; echo {n} >> order.txt"

[queue.bulk]

[queue.sleepy]
source = "cat bugs.json 2>/dev/null || echo '[]'"
poll = "1h"

[worker.sleepy]
queue = "sleepy"
handler = "pipeline.sleepy"
idle_action = "wait:1h"
wake_on = ["bug:created"]

[pipeline.sleepy]
inputs = ["n"]

[[pipeline.sleepy.phase]]
name = "note"
run = "echo woke {n} >> woke.txt"
`;

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
const show = (id: string) =>
  JSON.parse(oj('pipeline', 'show', id, '-o', 'json').stdout) as {
    status: string;
    phase: string;
    error: string | null;
    history: { phase: string }[];
  };
const start = (...args: string[]) => {
  const r = oj('run', ...args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.split(/\s+/)[0] as string;
};
const waitStatus = (id: string, status: string) =>
  waitFor(() => show(id).status === status, `${id} to be ${status}`);

beforeAll(() => {
  project = makeProject({ 'jobs.toml': RUNBOOK() });
  state = mkdtempSync(join(tmpdir(), 'oj-state-'));
});
afterAll(() => {
  oj('daemon', 'stop', '--kill');
  rmSync(project, { recursive: true, force: true });
  rmSync(state, { recursive: true, force: true });
});

describe('pipelines', () => {
  it('runs a 3-phase shell pipeline to done, in order', async () => {
    const id = start('three', 'a');
    await waitStatus(id, 'done');
    expect(read('trace.txt')).toContain('one a\ntwo a\nthree a\n');
    expect(show(id).history.map((h) => h.phase)).toEqual(['one', 'two', 'three']);
    const wait = oj('pipeline', 'wait', id);
    expect(wait.code).toBe(0);
  });

  it('runs the runbook [events] hooks on phase changes and completion', async () => {
    const id = start('three', 'hooked');
    await waitStatus(id, 'done');
    await waitFor(
      () => read('hooks.txt').includes('complete three-hooked'),
      'the on_complete hook',
    );
    const lines = read('hooks.txt').split('\n');
    for (const phase of ['one', 'two', 'three'])
      expect(lines).toContain(`phase three-hooked ${phase}`);
  });

  it('evaluates phase inputs from their source commands, parsing JSON', async () => {
    const id = start('fed');
    await waitStatus(id, 'done');
    expect(read('fed.txt')).toBe('hello world 42 Crash\n');
  });

  it('routes a failure through on_fail', async () => {
    const id = start('routed', 'b');
    await waitStatus(id, 'done');
    expect(read('trace.txt')).toContain('try b\nrecover b\n');
    expect(read('trace.txt')).not.toContain('never');
  });

  it('fails a looping pipeline at the visit limit with a clear reason', async () => {
    const id = start('loop');
    await waitStatus(id, 'failed');
    expect(show(id).error).toMatch(/entered 4 times \(limit 3\)/);
    expect(read('loops.txt').trim().split('\n')).toHaveLength(3);
    expect(oj('pipeline', 'wait', id).code).toBe(1);
  });

  it('cancels a running pipeline and runs on_cancel once', async () => {
    const id = start('slow', 'c');
    await waitFor(() => show(id).status === 'running', 'slow to run');
    const r = oj('pipeline', 'cancel', id);
    expect(r.code).toBe(0);
    await waitStatus(id, 'cancelled');
    await waitFor(() => read('trace.txt').includes('cancelled c'), 'on_cancel');
    expect(oj('pipeline', 'cancel', id).code).toBe(1);
  });

  it('resumes a failed pipeline from the failed phase', async () => {
    const id = start('flaky', 'd');
    await waitStatus(id, 'failed');
    writeFileSync(join(project, 'ok-d'), '');
    expect(oj('pipeline', 'resume', id.slice(0, id.length)).code).toBe(0);
    await waitStatus(id, 'done');
    expect(read('trace.txt')).toContain('after d');
  });

  it('rejects unknown ids, names and phases with clear errors, and keeps serving', () => {
    const cases: [string[], string][] = [
      [['pipeline', 'show', 'pl-nope'], 'no pipeline "pl-nope"'],
      [['queue', 'add', 'jbos', 'n=1'], 'did you mean "jobs"?'],
      [['queue', 'add', 'jobs', 'novalue'], 'is not key=value'],
      [['worker', 'start', 'nobody'], 'no worker "nobody"'],
      [['worker', 'wake', 'fragile'], 'is not started'],
      [['emit', 'nocolon'], 'events are named noun:verb'],
      [['queue', 'drop', 'jobs', 'missing-item'], 'has no item "missing-item"'],
    ];
    for (const [args, message] of cases) {
      const r = oj(...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr).toContain(message);
    }
    const id = start('three', 'e');
    const bad = oj('pipeline', 'transition', id, 'nowhere');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('has no phase "nowhere"');
    expect(oj('status').code).toBe(0);
  });
});

/** The most intervals open at once, from `start|end <n> <ns>` lines. */
function mostAtOnce(text: string): number {
  const events = text
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .map(([kind, , t]) => ({ kind, t: BigInt(t as string) }));
  events.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  let open = 0;
  let most = 0;
  for (const e of events) {
    open += e.kind === 'start' ? 1 : -1;
    most = Math.max(most, open);
  }
  return most;
}

describe('oj run --wait', () => {
  it('prints progress as plain lines off a terminal and waits for the end', () => {
    const r = oj('run', 'three', 'waited', '--wait');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/done/);
    const lines = r.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^three-waited done · three$/);
    expect(lines.every((l) => /^three-waited (pending|running|done)/.test(l))).toBe(true);
  });
});

describe('locks and semaphores', () => {
  it('runs the locked phases of two contending pipelines one after the other', async () => {
    const ids = [start('locked', '1'), start('locked', '2')];
    for (const id of ids) await waitStatus(id, 'done');
    expect(read('locked.txt').trim().split('\n')).toHaveLength(4);
    expect(mostAtOnce(read('locked.txt'))).toBe(1);
  });

  it('lists holders, answers is-stale, and force-releases a lock to the next waiter', async () => {
    const hog = start('hog');
    await waitFor(() => {
      const locks = JSON.parse(oj('lock', 'list', '-o', 'json').stdout) as {
        id: string;
        holder: { pipeline: string } | null;
      }[];
      return locks.find((l) => l.id === 'main')?.holder?.pipeline === hog;
    }, 'the hog to hold the lock');
    const waiter = start('locked', 'w');
    await waitFor(
      () => show(waiter).status === 'waiting',
      'the second pipeline to wait for the lock',
    );
    expect(oj('lock', 'is-stale', 'main').code).toBe(1);
    expect(oj('lock', 'force-release', 'main').code).toBe(0);
    await waitStatus(waiter, 'done');
    expect(oj('pipeline', 'cancel', hog).code).toBe(0);
    const locks = JSON.parse(oj('lock', 'list', '-o', 'json').stdout) as {
      id: string;
      holder: unknown;
    }[];
    expect(locks.find((l) => l.id === 'main')?.holder).toBeNull();
    expect(oj('lock', 'force-release', 'main').code).toBe(1);
  });

  it('reclaims a lock held past its timeout and applies on_stale to the holder', async () => {
    const holder = start('overstay');
    await waitFor(() => read('brief.txt').includes('held'), 'the holder to take the lock');
    const waiter = start('after');
    await waitStatus(waiter, 'done');
    await waitStatus(holder, 'done'); // on_fail → cleanup ran after the phase lost the lock
    const at = (tag: string) =>
      Number(
        /(\d{10,})/.exec(
          read('brief.txt')
            .split('\n')
            .find((l) => l.startsWith(tag)) ?? '',
        )?.[1],
      );
    const heldMs = (at('next') - at('held')) / 1e6;
    expect(heldMs).toBeGreaterThanOrEqual(550);
    expect(heldMs).toBeLessThan(4_000); // long before the holder's 5 s phase would have ended
    expect(read('brief.txt')).not.toContain('overstayed');
    const history = (show(holder) as unknown as { history: { outcome: string }[] }).history;
    expect(history.map((h) => h.outcome)).toContain('failed');
  });

  it('never lets more than max pipelines hold a semaphore at once', async () => {
    const ids = ['1', '2', '3', '4'].map((n) => start('slotted', n));
    for (const id of ids) await waitStatus(id, 'done');
    expect(mostAtOnce(read('slotted.txt'))).toBe(2);
    const [slots] = JSON.parse(oj('semaphore', 'list', '-o', 'json').stdout) as {
      name: string;
      used: number;
      max: number;
    }[];
    expect(slots).toMatchObject({ name: 'slots', used: 0, max: 2 });
  });
});

describe('strategies', () => {
  it('falls back to the next attempt after rolling back to the checkpoint', async () => {
    writeFileSync(join(project, 'state.txt'), 'v1\n');
    const id = start('landing');
    await waitStatus(id, 'done');
    expect(read('strategy.txt')).toContain('tried fast\nrolled back to v1\nslow saw v1\n');
  });

  it('fails the phase when every attempt fails, following on_fail', async () => {
    const id = start('doom');
    await waitStatus(id, 'done');
    expect(read('strategy.txt')).toContain('after doom');
    expect(show(id).history.map((h) => h.phase)).toEqual(['try', 'after_doom']);
  });
});

describe('strategies: on_exhaust', () => {
  it('escalates instead of following on_fail when the strategy says on_exhaust = "escalate"', async () => {
    const id = start('hopeless');
    await waitStatus(id, 'escalated');
    expect(show(id).history.map((h) => h.phase)).toEqual(['try']);
    expect(read('strategy.txt')).not.toContain('on_fail ran');
    const decisions = JSON.parse(oj('decision', 'list', '-o', 'json').stdout) as {
      pipeline: string;
      options: string[];
    }[];
    expect(decisions.find((d) => d.pipeline === id)?.options).toEqual(['retry', 'cancel']);
  });
});

describe('guards', () => {
  it('releases a guard waiting on wake_on when the event arrives, without polling', async () => {
    const leader = start('leader');
    const follower = start('follower', leader);
    await waitFor(() => show(follower).status === 'waiting', 'the follower to wait on its guard');
    writeFileSync(join(project, 'release-leader'), '');
    await waitStatus(follower, 'done');
    const lines = read('follow.txt')
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    const merged = BigInt(lines.find(([k]) => k === 'merged')?.[1] ?? '0');
    const followed = BigInt(lines.find(([k]) => k === 'followed')?.[1] ?? '0');
    // No retry interval is set: only the leader's phase event can have woken the guard.
    expect(followed).toBeGreaterThan(0n);
    expect(Number(followed - merged) / 1e6).toBeLessThan(2000);
  });
});

describe('queues and workers', () => {
  it('never runs more than `concurrency` items at once', async () => {
    expect(oj('worker', 'start', 'runner').code).toBe(0);
    for (let n = 1; n <= 6; n++) expect(oj('queue', 'add', 'jobs', `n=${n}`).code).toBe(0);
    await waitFor(
      () =>
        read('spans.txt')
          .split('\n')
          .filter((l) => l.startsWith('end')).length === 6,
      'six jobs to end',
      30_000,
    );
    const events = read('spans.txt')
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
      .map(([kind, n, t]) => ({ kind, n, t: BigInt(t as string) }));
    events.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
    let running = 0;
    let most = 0;
    for (const e of events) {
      running += e.kind === 'start' ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(most).toBeLessThanOrEqual(2);
    expect(most).toBe(2);
    const q = JSON.parse(oj('queue', 'show', 'jobs', '-o', 'json').stdout) as {
      counts: { done: number };
    };
    expect(q.counts.done).toBe(6);
  });

  it('retries up to max_retries, then dead-letters the item', async () => {
    expect(oj('worker', 'start', 'fragile').code).toBe(0);
    expect(oj('queue', 'add', 'fragile', 'n=9', '--id', 'nine').code).toBe(0);
    await waitFor(() => {
      const q = JSON.parse(oj('queue', 'show', 'fragile', '-o', 'json').stdout) as {
        items: { id: string; status: string }[];
      };
      return q.items.find((i) => i.id === 'nine')?.status === 'dead';
    }, 'the item to be dead');
    expect(read('attempts.txt').trim().split('\n')).toEqual([
      'attempt 9',
      'attempt 9',
      'attempt 9',
    ]);
    expect(oj('queue', 'retry', 'fragile', 'nine').code).toBe(0);
    await waitFor(() => read('attempts.txt').trim().split('\n').length >= 4, 'the retried attempt');
  });

  it('holds dependent items until their dependencies are done', async () => {
    expect(oj('queue', 'add', 'chain', 'n=3', '--id', 'c3', '--after', 'c2').code).toBe(0);
    expect(oj('queue', 'add', 'chain', 'n=2', '--id', 'c2', '--after', 'c1').code).toBe(0);
    expect(oj('queue', 'add', 'chain', 'n=1', '--id', 'c1').code).toBe(0);
    expect(oj('worker', 'start', 'chain').code).toBe(0);
    await waitFor(() => read('order.txt').trim().split('\n').length === 3, 'three chained items');
    expect(read('order.txt').trim().split('\n')).toEqual(['1', '2', '3']);
  });

  it('adding an identical pending item is idempotent', () => {
    const a = oj('queue', 'add', 'fragile', 'x=1', '-o', 'json');
    const b = oj('queue', 'add', 'fragile', 'x=1', '-o', 'json');
    expect(JSON.parse(a.stdout)).toEqual(JSON.parse(b.stdout));
  });

  it('adds every item of a file or stdin in batches, idempotently, and names a bad line', () => {
    const lines = Array.from({ length: 2500 }, (_, n) =>
      JSON.stringify(n === 0 ? { id: 'first', n, note: 'a; rm -rf /' } : { n, after: ['first'] }),
    );
    writeFileSync(join(project, 'items.jsonl'), `${lines.join('\n')}\n`);
    const added = oj('queue', 'add', 'bulk', '--file', 'items.jsonl', '-o', 'json');
    expect(added.stderr).toBe('');
    const ids = (JSON.parse(added.stdout) as { ids: string[] }).ids;
    expect(ids).toHaveLength(2500);
    expect(new Set(ids).size).toBe(2500);
    expect(oj('queue', 'add', 'bulk', '--file', '-').stdout).toBe('0 items added to jobs.bulk\n');
    expect(oj('queue', 'add', 'blk', '--file', '-').stderr).toMatch(/did you mean "bulk"/);
    const piped = runOj(['queue', 'add', 'bulk', '--file', '-'], {
      cwd: project,
      env: { OJ_STATE_DIR: state },
      input: lines.slice(0, 10).join('\n'),
    });
    expect(piped.stdout).toBe('10 items added to jobs.bulk\n');
    const q = JSON.parse(oj('queue', 'show', 'bulk', '-o', 'json').stdout) as {
      counts: { pending: number; blocked: number };
      items: { id: string; data: Record<string, string>; after: string[] }[];
    };
    expect(q.counts.pending + q.counts.blocked).toBe(2500); // the re-added ten were already there
    const first = q.items.find((i) => i.id === 'first');
    expect(first?.data).toEqual({ id: 'first', n: '0', note: 'a; rm -rf /' });
    expect(q.items.find((i) => i.id === ids[1])?.after).toEqual(['first']);

    writeFileSync(join(project, 'bad.jsonl'), '{"n": 1}\n\n{"n": 2\n');
    const bad = oj('queue', 'add', 'bulk', '--file', 'bad.jsonl');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.jsonl: line 3: .*JSON/);
    const mixed = oj('queue', 'add', 'bulk', '--file', 'items.jsonl', 'x=1');
    expect(mixed.stderr).toMatch(/--file cannot be combined with key=value fields/);
  });

  it('wakes an idle worker when an event matches its wake_on, polling its source', async () => {
    writeFileSync(join(project, 'bugs.json'), '[]');
    expect(oj('worker', 'start', 'sleepy').code).toBe(0);
    // The source was polled once at start and found nothing; the next poll is an hour away.
    await waitFor(() => {
      const w = JSON.parse(oj('worker', 'list', '-o', 'json').stdout) as {
        name: string;
        state: string;
      }[];
      return w.find((x) => x.name === 'sleepy')?.state === 'running';
    }, 'sleepy to run');
    writeFileSync(join(project, 'bugs.json'), JSON.stringify([{ id: 'b7', n: '7' }]));
    expect(oj('emit', 'bug:created', '--id', '7').code).toBe(0);
    await waitFor(() => read('woke.txt').includes('woke 7'), 'the event to wake the worker');
  });
});

describe('status and events', () => {
  it('oj status summarises pipelines, workers and queues', () => {
    const r = oj('status', '-o', 'json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as {
      pipelines: Record<string, number>;
      workers: { name: string }[];
    };
    expect(s.pipelines.done).toBeGreaterThan(0);
    expect(s.workers.map((w) => w.name)).toContain('runner');
  });

  it('oj events shows journal records and notices', () => {
    const r = oj('events', '--limit', '500', '-o', 'json');
    const types = (JSON.parse(r.stdout) as { type: string }[]).map((e) => e.type);
    expect(types).toContain('queue:add');
    expect(types).toContain('pipeline:done');
  });
});
