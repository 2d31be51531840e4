// Crash suite: a mixed workload — a worker draining queue items through shell phases, a lock, two
// semaphores and a cron, and pipelines whose fake agent works in its own git worktree (from a
// queue and from `oj run`) — under repeated SIGKILLs of the real daemon at seeded-random moments,
// then the invariants a user relies on, checked and returned as data (never thrown).
import { join } from 'node:path';
import { waitFor } from '../helpers/wait.js';
import { checkAgents, checkSessions, checkWorkspaces } from './agent-invariants.js';
import { checkCron, checkExclusion, checkQueues, checkResources } from './invariants.js';
import type { Invariant, SuiteFacts } from './invariants.js';
import { createRandom } from './random.js';
import { checkReplay } from './replay.js';
import {
  countBy,
  countLines,
  findProcesses,
  isAlive,
  mustSucceed,
  poll,
  readDaemonPid,
} from './support.js';
import { createCrashWorld } from './world.js';
import { pipelinesOf, queueOf, TERMINAL } from './views.js';
import type { CrashWorld } from './world.js';

export type { CrashWorld } from './world.js';
export type { Invariant } from './invariants.js';
export { createCrashWorld } from './world.js';

export interface CrashSuiteOptions {
  kills: number;
  /** Items of the `jobs` queue (shell only). */
  items: number;
  /** Items of the `builds` queue (fake agent in a worktree). */
  builds: number;
  /** `oj run build …` pipelines started during the kills (fake agent in a worktree). */
  runs: number;
  seed: number;
  log: (line: string) => void;
  /** How long the workload may take to settle after the last kill (default 60 s). */
  settleTimeoutMs?: number;
  /** The world to use; made (and removed afterwards) by the suite when omitted. */
  world?: CrashWorld;
}

export interface CrashSuiteReport {
  seed: number;
  invariants: Invariant[];
}

const KILL_DELAY_MIN_MS = 150; // lets some phases start after the previous restart
const KILL_DELAY_MAX_MS = 600;
const SETTLE_TIMEOUT_MS = 60_000; // every item done or dead after the last kill
const QUICK_TIMEOUT_MS = 5_000; // for things that should already be true once the queue settled

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

/** `total` spread over `parts` + 1 batches: the first at the start, one after each restart. */
function batchOf(total: number, parts: number, k: number): number {
  const upTo = (i: number) => Math.floor((total * (i + 1)) / (parts + 1));
  return upTo(k) - (k === 0 ? 0 : upTo(k - 1));
}

async function drive(world: CrashWorld, opts: CrashSuiteOptions): Promise<CrashSuiteReport> {
  const { oj, project, root, state } = world;
  const { seed } = opts;
  const t0 = Date.now();
  const log = (line: string) => opts.log(`${((Date.now() - t0) / 1000).toFixed(1)}s ${line}`);
  const random = createRandom(seed);
  log(
    `crash suite: seed=${seed} kills=${opts.kills} items=${opts.items} builds=${opts.builds} runs=${opts.runs} root=${root}`,
  );
  const facts: SuiteFacts = {
    jobs: [],
    builds: [],
    runs: [],
    killsWithAgents: 0,
    killsWithPhases: 0,
  };

  // Acknowledged work: an add or run that exited 0. It arrives in even shares, before the first
  // kill and after each restart, so the queues stay busy across the kills.
  const feed = (k: number) => {
    for (let n = batchOf(opts.items, opts.kills, k); n > 0; n--) {
      const id = `it-${facts.jobs.length + 1}`;
      mustSucceed(oj('queue', 'add', 'jobs', '--id', id, `id=${id}`), `queue add jobs ${id}`);
      facts.jobs.push(id);
    }
    for (let n = batchOf(opts.builds, opts.kills, k); n > 0; n--) {
      const id = `bq-${facts.builds.length + 1}`;
      mustSucceed(oj('queue', 'add', 'builds', '--id', id, `id=${id}`), `queue add builds ${id}`);
      facts.builds.push(id);
    }
    for (let n = batchOf(opts.runs, opts.kills, k); n > 0; n--) {
      const name = `br-${facts.runs.length + 1}`;
      const r = oj('run', 'build', name);
      mustSucceed(r, `run build ${name}`);
      facts.runs.push({ name, id: r.stdout.trim().split(/\s+/)[0] ?? '' });
    }
  };
  feed(0);
  mustSucceed(oj('worker', 'start', 'drainer'), 'worker start drainer');
  mustSucceed(oj('worker', 'start', 'builder'), 'worker start builder');
  mustSucceed(oj('cron', 'enable', 'tick'), 'cron enable tick');

  for (let k = 1; k <= opts.kills; k++) {
    const delay = random.int(KILL_DELAY_MIN_MS, KILL_DELAY_MAX_MS);
    // The delay is the chaos itself (where the kill lands), not synchronisation.
    await new Promise((resolve) => setTimeout(resolve, delay));
    const pid = readDaemonPid(state);
    if (pid === undefined) throw new Error(`kill ${k}: no daemon pid in ${state}/run/ojd.pid`);
    // What the kill interrupts: agents, and shell phases (each counted once, by its run).
    const live = findProcesses(root, state);
    const agents = live.filter((p) => p.cmdline.includes('oj-fake-agent')).length;
    const phases = [
      ...new Set(
        live.filter((p) => p.phase && !p.cmdline.includes('oj-fake-agent')).map((p) => p.phase),
      ),
    ].map((phase) => phase?.replace(/^.*:/, '') ?? '');
    if (agents > 0) facts.killsWithAgents++;
    if (phases.length > 0) facts.killsWithPhases++;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), `daemon ${pid} to die`, QUICK_TIMEOUT_MS, 10);
    mustSucceed(oj('status', '-o', 'json'), `restart after kill ${k}`);
    const interrupted = [...countBy(phases, (p) => p)].map(([p, n]) => `${p}×${n}`).join(' ');
    log(
      `kill ${k}/${opts.kills}: pid ${pid} after ${delay} ms; live: ${agents} agent(s), phases ${interrupted || 'none'}; ${progress(world)}`,
    );
    // Fed last, so the next kill lands while this share is still being worked on.
    feed(k);
  }
  facts.ticksAtLastRestart = countLines(join(project, 'ticks.txt'));

  // Settled: every acknowledged item done or dead, and every pipeline ended.
  const settled = await poll(() => {
    const [jobs, builds] = [queueOf(world, 'jobs'), queueOf(world, 'builds')];
    const ended = jobs.counts.done + jobs.counts.dead === facts.jobs.length;
    if (!ended || builds.counts.done + builds.counts.dead !== facts.builds.length) return false;
    const all = pipelinesOf(world);
    return all.every((p) => TERMINAL.includes(p.status)) && all;
  }, opts.settleTimeoutMs ?? SETTLE_TIMEOUT_MS);
  log(`${settled ? 'settled' : 'NOT settled'}: ${progress(world)}`);

  const invariants: Invariant[] = [];
  const check = (name: string, ok: boolean, detail: string) => {
    invariants.push({ name, ok, detail });
  };
  const all = settled || pipelinesOf(world);
  checkQueues(world, facts, all, check);
  await checkResources(world, check);
  checkExclusion(world, 'main', 1, check);
  checkExclusion(world, 'slots', 2, check);
  await checkWorkspaces(world, all, check);
  await checkSessions(world, check);
  checkAgents(world, facts, all, check);
  await checkCron(world, facts, check);
  await checkReplay(world, check);
  return { seed, invariants };
}

function progress(world: CrashWorld): string {
  const jobs = queueOf(world, 'jobs').counts;
  const builds = queueOf(world, 'builds').counts;
  return `jobs ${JSON.stringify(jobs)} builds ${JSON.stringify(builds)}`;
}
