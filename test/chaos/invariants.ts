// The crash suite's invariants about work, resources and time: every acknowledged item and run
// ended (done exactly once, or dead/failed with a reason), every pipeline terminal, no lock or
// semaphore slot held, the cron still ticking.
import { join } from 'node:path';
import type { CrashWorld } from './world.js';
import type { PipelineView, QueueView } from './views.js';
import { queueOf, TERMINAL } from './views.js';
import { countBy, countLines, listOf, parse, poll, readLines, repeatsOf } from './support.js';

export interface Invariant {
  name: string;
  ok: boolean;
  /** What was found: counts when it holds, the culprits when it does not. */
  detail: string;
}

export type Check = (name: string, ok: boolean, detail: string) => void;

/** What the driver did: the acknowledged work and where the kills landed. */
export interface SuiteFacts {
  jobs: string[];
  builds: string[];
  /** `oj run build <name>` that exited 0, with the pipeline id it printed. */
  runs: { name: string; id: string }[];
  killsWithAgents: number;
  killsWithPhases: number;
  ticksAtLastRestart?: number;
}

const QUICK_TIMEOUT_MS = 5_000; // for things that should already be true once the work settled

const list = (parts: string[]) => parts.filter(Boolean).join('; ');

/** Items done, or dead with a reason; done ones finished exactly one pipeline and left a record. */
export function checkQueues(
  world: CrashWorld,
  facts: SuiteFacts,
  pipelines: PipelineView[],
  check: Check,
): void {
  for (const [name, ids, record] of [
    ['jobs', facts.jobs, 'done.txt'],
    ['builds', facts.builds, 'built.txt'],
  ] as const) {
    const q = queueOf(world, name);
    checkItems(name, ids, q, check);
    checkOnce(name, ids, q, pipelines, join(world.project, record), check);
  }
  const byId = new Map(pipelines.map((p) => [p.id, p]));
  const built = new Set(readLines(join(world.project, 'built.txt')));
  const bad = facts.runs.filter(({ id, name }) => {
    const p = byId.get(id);
    if (!p) return true;
    return p.status === 'done' ? !built.has(name) : !(p.status === 'failed' && p.error);
  });
  const runs = facts.runs.map(({ id }) => byId.get(id)?.status ?? 'missing');
  check(
    'every acknowledged `oj run build` ended done (and recorded), or failed with an error',
    bad.length === 0,
    bad.length
      ? bad.map(({ id, name }) => `${name}=${id}:${byId.get(id)?.status ?? 'missing'}`).join(', ')
      : `${runs.filter((s) => s === 'done').length} done, ${runs.filter((s) => s === 'failed').length} failed of ${facts.runs.length}`,
  );
  const failed = pipelines.filter((p) => p.status === 'failed');
  check(
    'info: failed pipelines (their items retried or dead-lettered)',
    true,
    failed.length
      ? [...countBy(failed, (p) => `${p.pipeline.replace(/^.*\./, '')}: ${p.error ?? '?'}`)]
          .map(([why, n]) => `${n}× ${why}`)
          .join('; ')
      : 'none',
  );
  const live = pipelines.filter((p) => !TERMINAL.includes(p.status));
  check(
    'every pipeline is terminal (done, failed or cancelled)',
    live.length === 0,
    live.length
      ? live.map((p) => `${p.id}=${p.status}@${p.phase ?? '-'}`).join(', ')
      : `${pipelines.length} pipelines: ${[...countBy(pipelines, (p) => p.status)].map(([s, n]) => `${n} ${s}`).join(', ')}`,
  );
}

function checkItems(name: string, ids: string[], q: QueueView, check: Check): void {
  const byId = new Map(q.items.map((i) => [i.id, i]));
  const unsettled = ids.filter((id) => {
    const item = byId.get(id);
    return !item || !(item.status === 'done' || (item.status === 'dead' && item.lastError));
  });
  check(
    `every acknowledged ${name} item is done, or dead with lastError`,
    unsettled.length === 0,
    unsettled.length === 0
      ? `${q.counts.done} done, ${q.counts.dead} dead of ${ids.length}`
      : `unsettled: ${unsettled.map((id) => `${id}=${byId.get(id)?.status ?? 'missing'}`).join(', ')}`,
  );
}

function checkOnce(
  name: string,
  ids: string[],
  q: QueueView,
  pipelines: PipelineView[],
  recordFile: string,
  check: Check,
): void {
  const status = new Map(q.items.map((i) => [i.id, i.status]));
  const doneRuns = countBy(
    pipelines.filter((p) => p.status === 'done' && p.item?.queue.endsWith(`.${name}`)),
    (p) => p.item?.item ?? '',
  );
  const recorded = countBy(readLines(recordFile), (line) => line);
  const doneIds = ids.filter((id) => status.get(id) === 'done');
  const wrongRuns = doneIds.filter((id) => doneRuns.get(id) !== 1);
  const unrecorded = doneIds.filter((id) => !recorded.has(id));
  const known = new Set(ids);
  const strangers = [...recorded.keys()].filter((id) => !known.has(id) && !/^br-/.test(id));
  check(
    `every done ${name} item finished exactly one pipeline and is in ${recordFile.split('/').pop() ?? ''}`,
    wrongRuns.length === 0 && unrecorded.length === 0 && strangers.length === 0,
    list([
      wrongRuns.length
        ? `done pipelines ≠ 1: ${wrongRuns.map((id) => `${id}×${doneRuns.get(id) ?? 0}`).join(', ')}`
        : '',
      unrecorded.length ? `not recorded: ${unrecorded.join(', ')}` : '',
      strangers.length ? `unknown ids recorded: ${strangers.join(', ')}` : '',
    ]) || `${doneIds.length} items, one done pipeline each`,
  );
  // `attempts` counts failed attempts.
  const retried = q.items.filter((i) => i.attempts > 0).map((i) => `${i.id}×${i.attempts}`);
  const repeats = repeatsOf(recorded);
  check(
    `info: ${name}: idempotent phases re-run, items retried`,
    true,
    `re-recorded: ${listOf(repeats)}; failed attempts: ${listOf(retried)}`,
  );
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

/** No lock held or waited on, no semaphore slot used, once everything ended. */
export async function checkResources(world: CrashWorld, check: Check): Promise<void> {
  const locks = () => parse<LockView[]>(world.oj('lock', 'list', '-o', 'json'));
  const lockFree = await poll(() => {
    const all = locks();
    return all.every((l) => l.holder === null && l.waiting.length === 0) && all;
  }, QUICK_TIMEOUT_MS);
  check(
    'no lock is held or waited on',
    lockFree !== undefined,
    JSON.stringify(lockFree ?? locks()),
  );
  const semaphores = () => parse<SemaphoreView[]>(world.oj('semaphore', 'list', '-o', 'json'));
  const slotsFree = await poll(() => {
    const all = semaphores();
    return all.every((s) => s.used === 0 && s.waiting.length === 0) && all;
  }, QUICK_TIMEOUT_MS);
  check(
    'no semaphore slot is used or waited for',
    slotsFree !== undefined,
    JSON.stringify(slotsFree ?? semaphores()),
  );
}

/** The cron survived the restarts: it ticks after the last one. */
export async function checkCron(world: CrashWorld, facts: SuiteFacts, check: Check) {
  const ticks = join(world.project, 'ticks.txt');
  const before = facts.ticksAtLastRestart ?? 0;
  const grew = await poll(() => countLines(ticks) > before, QUICK_TIMEOUT_MS);
  check(
    'the cron kept running after the last restart',
    grew !== undefined,
    `ticks at last restart ${before}, now ${countLines(ticks)}`,
  );
}

/**
 * At most `max` runs held `resource` at once, judged by the holding commands that finished (each
 * logs its start and end, see the runbook): one the crash killed logged no end and is left out,
 * never guessed at.
 */
export function checkExclusion(world: CrashWorld, resource: string, max: number, check: Check) {
  const starts = new Map<string, number>();
  const spans: { key: string; from: number; to: number }[] = [];
  for (const line of readLines(join(world.root, `${resource}.log`))) {
    const [what, key = '', ns = ''] = line.split(' ');
    const us = Number(ns.slice(0, -3)); // µs since the epoch: exact as a double, unlike ns
    if (what === 'start') starts.set(key, us);
    const from = starts.get(key);
    if (what === 'end' && from !== undefined) spans.push({ key, from, to: us });
  }
  // Sweep the ends and starts in time order (an end first when they tie).
  const edges = spans
    .flatMap((s) => [
      { at: s.from, key: s.key, open: true },
      { at: s.to, key: s.key, open: false },
    ])
    .sort((a, b) => a.at - b.at || Number(a.open) - Number(b.open));
  const holders = new Set<string>();
  let worst: string[] = [];
  for (const edge of edges) {
    if (edge.open) holders.add(edge.key);
    else holders.delete(edge.key);
    if (holders.size > worst.length) worst = [...holders];
  }
  check(
    `never more than ${max} holder(s) of ${resource} at once`,
    worst.length <= max,
    `${spans.length} holding runs finished, ${starts.size - spans.length} were killed; ` +
      (worst.length <= max ? `at most ${worst.length} at once` : `at once: ${worst.join(', ')}`),
  );
}
