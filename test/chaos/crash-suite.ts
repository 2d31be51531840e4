// Crash suite: a queue workload (worker, lock, semaphore, cron) under repeated SIGKILLs of the real
// daemon, then the invariants a user relies on, checked and returned as data (never thrown).
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeProject, runOj } from '../helpers/oj.js';
import type { OjResult } from '../helpers/oj.js';
import { waitFor } from '../helpers/wait.js';
import { createRandom } from './random.js';

export interface CrashSuiteOptions {
  kills: number;
  items: number;
  seed: number;
  log: (line: string) => void;
  /** The project and state dir to use; made (and removed afterwards) by the suite when omitted. */
  world?: CrashWorld;
}

export interface Invariant {
  name: string;
  ok: boolean;
  detail: string;
}

export interface CrashSuiteReport {
  seed: number;
  invariants: Invariant[];
}

export interface CrashWorld {
  project: string;
  state: string;
  oj: (...args: string[]) => OjResult;
  /** Kills the daemon (if any) and removes both dirs. */
  dispose: () => void;
}

const KILL_DELAY_MIN_MS = 150; // lets some phases start after the previous restart
const KILL_DELAY_MAX_MS = 600;
const SETTLE_TIMEOUT_MS = 60_000; // every item done or dead after the last kill
const QUICK_TIMEOUT_MS = 5_000; // for things that should already be true once the queue settled
const POLL_MS = 100; // every poll is an `oj` process (~100 ms), so polling faster buys nothing

// The handler takes a slot of `slots` for its first phase and `main` for its second, so every
// kill can land while a holder or waiter exists. The second phase is idempotent: a crash inside it
// re-runs it, which may append the id to done.txt twice (that is allowed, and reported as info).
function createRunbook(project: string): string {
  return `
[queue.jobs]
max_retries = 3

[worker.drainer]
queue = "jobs"
handler = "pipeline.job"
concurrency = 4

[pipeline.job]
inputs = ["id"]

[[pipeline.job.phase]]
name = "work"
semaphore = "slots"
run = "sleep 0.05"

[[pipeline.job.phase]]
name = "record"
lock = "main"
idempotent = true
run = "sleep 0.03; echo {id} >> ${project}/done.txt"

[lock.main]

[semaphore.slots]
max = 2

[cron.tick]
interval = "300ms"
run = "echo tick >> ${project}/ticks.txt"
`;
}

/** Makes a temp project holding the chaos runbook and an empty state dir. */
export function createCrashWorld(): CrashWorld {
  const project = makeProject({});
  // The runbook names its files by absolute path, so it is written once the project dir exists.
  writeFileSync(join(project, '.oj', 'runbooks', 'chaos.toml'), createRunbook(project));
  const state = mkdtempSync(join(tmpdir(), 'oj-chaos-'));
  const oj = (...args: string[]) => runOj(args, { cwd: project, env: { OJ_STATE_DIR: state } });
  return {
    project,
    state,
    oj,
    dispose: () => {
      oj('daemon', 'stop', '--kill');
      rmSync(project, { recursive: true, force: true });
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/**
 * Runs the workload with `kills` SIGKILLs at seeded-random moments and returns every invariant
 * with its outcome. Throws only when the workload itself cannot be driven (an add or start fails).
 */
export async function runCrashSuite(opts: CrashSuiteOptions): Promise<CrashSuiteReport> {
  const world = opts.world ?? createCrashWorld();
  try {
    return await drive(world, opts);
  } finally {
    if (!opts.world) world.dispose();
  }
}

async function drive(world: CrashWorld, opts: CrashSuiteOptions): Promise<CrashSuiteReport> {
  const { oj, project, state } = world;
  const { log, seed } = opts;
  const random = createRandom(seed);
  log(`crash suite: seed=${seed} kills=${opts.kills} items=${opts.items} state=${state}`);

  const ids: string[] = [];
  for (let n = 1; n <= opts.items; n++) {
    const id = `it-${n}`;
    mustSucceed(oj('queue', 'add', 'jobs', '--id', id, `id=${id}`), `queue add ${id}`);
    ids.push(id); // acknowledged: the add exited 0
  }
  mustSucceed(oj('worker', 'start', 'drainer'), 'worker start drainer');
  mustSucceed(oj('cron', 'enable', 'tick'), 'cron enable tick');

  for (let k = 1; k <= opts.kills; k++) {
    const delay = random.int(KILL_DELAY_MIN_MS, KILL_DELAY_MAX_MS);
    // The delay is the chaos itself (where the kill lands), not synchronisation.
    await new Promise((resolve) => setTimeout(resolve, delay));
    const pid = readDaemonPid(state);
    if (pid === undefined) throw new Error(`kill ${k}: no daemon pid in ${state}/run/ojd.pid`);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), `daemon ${pid} to die`, QUICK_TIMEOUT_MS, 10);
    mustSucceed(oj('status', '-o', 'json'), `restart after kill ${k}`);
    const done = queue(oj).counts.done;
    log(`kill ${k}/${opts.kills}: pid ${pid} after ${delay} ms; ${done}/${ids.length} done`);
  }
  const ticksAtLastRestart = countLines(join(project, 'ticks.txt'));

  const settled = await poll(() => {
    const q = queue(oj);
    return q.counts.done + q.counts.dead === ids.length && q;
  }, SETTLE_TIMEOUT_MS);
  const q = settled ?? queue(oj);
  log(`settled: ${JSON.stringify(q.counts)}`);

  const invariants: Invariant[] = [];
  const check = (name: string, ok: boolean, detail: string) => {
    invariants.push({ name, ok, detail });
  };

  // 1. Every acknowledged item ends done or dead-with-a-reason.
  const byId = new Map(q.items.map((i) => [i.id, i]));
  const unsettled = ids.filter((id) => {
    const item = byId.get(id);
    return !item || !(item.status === 'done' || (item.status === 'dead' && item.lastError));
  });
  check(
    'every acknowledged item is done, or dead with lastError',
    unsettled.length === 0,
    unsettled.length === 0
      ? `${q.counts.done} done, ${q.counts.dead} dead`
      : `unsettled: ${unsettled.map((id) => `${id}=${byId.get(id)?.status ?? 'missing'}`).join(', ')}`,
  );

  // 2. Exactly once: one finished handler pipeline per done item, and its record reached done.txt.
  const pipelines = await settledPipelines(oj);
  const doneRuns = new Map<string, number>();
  for (const p of pipelines)
    if (p.status === 'done' && p.item)
      doneRuns.set(p.item.item, (doneRuns.get(p.item.item) ?? 0) + 1);
  const lines = readLines(join(project, 'done.txt'));
  const recorded = new Map<string, number>();
  for (const line of lines) recorded.set(line, (recorded.get(line) ?? 0) + 1);
  const doneIds = ids.filter((id) => byId.get(id)?.status === 'done');
  const wrongRuns = doneIds.filter((id) => doneRuns.get(id) !== 1);
  const unrecorded = doneIds.filter((id) => !recorded.has(id));
  const strangers = [...recorded.keys()].filter((id) => !ids.includes(id));
  check(
    'every done item finished exactly one pipeline and is in done.txt',
    wrongRuns.length === 0 && unrecorded.length === 0 && strangers.length === 0,
    [
      wrongRuns.length
        ? `done pipelines ≠ 1: ${wrongRuns.map((id) => `${id}×${doneRuns.get(id) ?? 0}`).join(', ')}`
        : '',
      unrecorded.length ? `missing from done.txt: ${unrecorded.join(', ')}` : '',
      strangers.length ? `unknown ids in done.txt: ${strangers.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ') || `${doneIds.length} items, one done pipeline each`,
  );
  const repeats = [...recorded].filter(([, n]) => n > 1);
  check(
    'info: idempotent record phase re-ran after a crash',
    true,
    repeats.length ? repeats.map(([id, n]) => `${id}×${n}`).join(', ') : 'no repeats',
  );

  // 3. Nothing is left mid-flight.
  const live = pipelines.filter((p) => ['running', 'pending', 'waiting'].includes(p.status));
  check(
    'every pipeline is terminal',
    live.length === 0,
    live.length
      ? live.map((p) => `${p.id}=${p.status}@${p.phase ?? '-'}`).join(', ')
      : `${pipelines.length} pipelines`,
  );

  // 4. No lock or slot leaked by an interrupted holder.
  const lockFree = await poll(() => {
    const locks = parse<LockView[]>(oj('lock', 'list', '-o', 'json'));
    return locks.every((l) => l.holder === null && l.waiting.length === 0) && locks;
  }, QUICK_TIMEOUT_MS);
  check(
    'no lock is held or waited on',
    lockFree !== undefined,
    JSON.stringify(lockFree ?? parse<LockView[]>(oj('lock', 'list', '-o', 'json'))),
  );
  const slotsFree = await poll(() => {
    const sems = parse<SemaphoreView[]>(oj('semaphore', 'list', '-o', 'json'));
    return sems.every((s) => s.used === 0 && s.waiting.length === 0) && sems;
  }, QUICK_TIMEOUT_MS);
  check(
    'no semaphore slot is used',
    slotsFree !== undefined,
    JSON.stringify(slotsFree ?? parse<SemaphoreView[]>(oj('semaphore', 'list', '-o', 'json'))),
  );

  // 5. Only the live daemon remains of this state dir. ojd renames itself ("ojd"), so its command
  // line does not name the state dir; its environment (inherited by every phase) does.
  const daemon = readDaemonPid(state);
  const strays = await poll(() => {
    const found = findProcesses(state, project).filter((p) => p.pid !== daemon);
    return found.length === 0 && found;
  }, QUICK_TIMEOUT_MS);
  // The scan must see the daemon itself, or it could not see a stray either.
  const seesDaemon = findProcesses(state, project).some((p) => p.pid === daemon);
  check(
    'no process of this state dir except the live daemon',
    strays !== undefined && daemon !== undefined && isAlive(daemon) && seesDaemon,
    strays !== undefined
      ? `daemon ${daemon ?? 'missing'}${seesDaemon ? '' : ' (not found by the /proc scan)'}`
      : findProcesses(state, project)
          .filter((p) => p.pid !== daemon)
          .map((p) => `${p.pid}: ${p.cmdline}`)
          .join('; '),
  );

  // 6. The cron survived the restarts.
  const grew = await poll(
    () => countLines(join(project, 'ticks.txt')) > ticksAtLastRestart,
    QUICK_TIMEOUT_MS,
  );
  check(
    'the cron kept running after the last restart',
    grew !== undefined,
    `ticks at last restart ${ticksAtLastRestart}, now ${countLines(join(project, 'ticks.txt'))}`,
  );

  // 7. A graceful restart replays the journal to the same state.
  const before = snapshot(oj);
  const stopped = oj('daemon', 'stop');
  const after = stopped.code === 0 ? snapshot(oj) : undefined; // any call starts it again
  check(
    'a graceful restart replays to identical pipelines and queue counts',
    after !== undefined && before === after,
    after === undefined
      ? `daemon stop exited ${stopped.code}: ${stopped.stderr.trim()}`
      : before === after
        ? 'identical'
        : `before ${before}\nafter  ${after}`,
  );

  return { seed, invariants };
}

interface QueueView {
  counts: { pending: number; active: number; done: number; dead: number; blocked: number };
  items: { id: string; status: string; lastError: string | null }[];
}
interface PipelineView {
  id: string;
  status: string;
  phase: string | null;
  item: { queue: string; item: string } | null;
}
interface LockView {
  name: string;
  holder: unknown;
  waiting: unknown[];
}
interface SemaphoreView {
  name: string;
  used: number;
  waiting: unknown[];
}

const queue = (oj: CrashWorld['oj']) => parse<QueueView>(oj('queue', 'show', 'jobs', '-o', 'json'));

async function settledPipelines(oj: CrashWorld['oj']): Promise<PipelineView[]> {
  const list = () => parse<PipelineView[]>(oj('pipeline', 'list', '-o', 'json'));
  const terminal = await poll(() => {
    const all = list();
    return all.every((p) => !['running', 'pending', 'waiting'].includes(p.status)) && all;
  }, QUICK_TIMEOUT_MS);
  return terminal ?? list();
}

function snapshot(oj: CrashWorld['oj']): string {
  const pipelines = parse<PipelineView[]>(oj('pipeline', 'list', '-o', 'json'))
    .map((p) => `${p.id}=${p.status}`)
    .sort();
  return JSON.stringify({ pipelines, counts: queue(oj).counts });
}

/** Polls `check` until truthy; undefined (not a throw) when the deadline passes. */
async function poll<T>(check: () => T | false, timeoutMs: number): Promise<T | undefined> {
  try {
    return (await waitFor(check, 'a condition', timeoutMs, POLL_MS)) as T;
  } catch {
    return undefined;
  }
}

function mustSucceed(r: OjResult, what: string): void {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr.trim()}`);
}

function parse<T>(r: OjResult): T {
  if (r.code !== 0) throw new Error(`oj exited ${r.code}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as T;
}

function readDaemonPid(state: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(state, 'run', 'ojd.pid'), 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

// A SIGKILLed daemon is reparented; if nothing reaps it, it lingers as a zombie, which is dead.
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function findProcesses(state: string, project: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || !isAlive(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const ours =
        environ.includes(`OJ_STATE_DIR=${state}`) ||
        cmdline.includes(state) ||
        cmdline.includes(project);
      if (ours) found.push({ pid, cmdline });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

const countLines = (file: string) => readLines(file).length;
