// The crash suite's replay invariants: what the live daemon reports (pipelines, queues, locks,
// semaphores) is rebuilt identically by a SIGKILL restart (last checkpoint + journal tail), by a
// graceful restart (final checkpoint), and by replaying the whole journal from its first record
// in-process, with no snapshot at all and no effect run.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildShellEnv } from '../../src/actors/index.js';
import { loadProject } from '../../src/project/index.js';
import { Engine } from '../../src/runtime/engine/index.js';
import type { Handler } from '../../src/runtime/engine/index.js';
// Not re-exported by the engine's front door: the daemon's own request handlers, so the replayed
// state is read through exactly the views `oj … -o json` prints.
import { createEngineHandlers } from '../../src/runtime/engine/handlers.js';
import { openStore } from '../../src/runtime/store/index.js';
import type { Store } from '../../src/runtime/store/index.js';
import { waitFor } from '../helpers/wait.js';
import type { Check } from './invariants.js';
import { isAlive, parse, readDaemonPid } from './support.js';
import type { CrashWorld } from './world.js';

const QUEUES = ['jobs', 'builds'];
const DIFFS_SHOWN = 3;

/** What is compared: each view as JSON, keyed by what it describes. */
type StateViews = Map<string, string>;

export async function checkReplay(world: CrashWorld, check: Check): Promise<void> {
  const { oj, state } = world;
  const live = liveViews(world);

  const pid = readDaemonPid(state);
  if (pid !== undefined) process.kill(pid, 'SIGKILL');
  if (pid !== undefined) await waitFor(() => !isAlive(pid), `daemon ${pid} to die`, 5_000, 10);
  const restarted = liveViews(world); // any call starts it again
  check(
    'a SIGKILL restart (last checkpoint + journal tail) reports the same state',
    pid !== undefined && sameViews(live, restarted) === '',
    pid === undefined
      ? 'no daemon pid to kill'
      : sameViews(live, restarted) || `identical; ${lastReplayLine(state)}`,
  );

  // Copied once the daemon is stopped (no writer), so nothing the replay opens touches the real
  // journal.
  const stopped = oj('daemon', 'stop');
  const copy = mkdtempSync(join(tmpdir(), 'oj-chaos-replay-'));
  let replayed: { views: StateViews; note: string } | string;
  try {
    if (stopped.code !== 0)
      throw new Error(`daemon stop exited ${stopped.code}: ${stopped.stderr}`);
    cpSync(join(state, 'journal'), join(copy, 'journal'), { recursive: true });
    replayed = await replayJournal(join(copy, 'journal'), join(copy, 'state'), world.project);
  } catch (err) {
    replayed = `the replay threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
  check(
    'replaying the whole journal with no snapshot rebuilds the same state',
    typeof replayed !== 'string' && sameViews(restarted, replayed.views) === '',
    typeof replayed === 'string'
      ? replayed
      : sameViews(restarted, replayed.views) || `identical; ${replayed.note}`,
  );

  const again = liveViews(world); // starts the daemon from its final checkpoint
  check(
    'a graceful restart (final checkpoint) reports the same state',
    sameViews(restarted, again) === '',
    sameViews(restarted, again) || 'identical',
  );
}

function liveViews(world: CrashWorld): StateViews {
  const views: StateViews = new Map();
  const json = (...args: string[]) => parse<unknown>(world.oj(...args, '-o', 'json'));
  addPipelines(views, json('pipeline', 'list'));
  for (const q of QUEUES) views.set(`queue ${q}`, JSON.stringify(json('queue', 'show', q)));
  views.set('locks', JSON.stringify(json('lock', 'list')));
  views.set('semaphores', JSON.stringify(json('semaphore', 'list')));
  return views;
}

function addPipelines(views: StateViews, list: unknown): void {
  for (const p of list as { id: string }[]) views.set(`pipeline ${p.id}`, JSON.stringify(p));
}

/** '' when equal, else the first differences. */
function sameViews(a: StateViews, b: StateViews): string {
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  const diffs = keys.filter((k) => a.get(k) !== b.get(k));
  if (diffs.length === 0) return '';
  const shown = diffs
    .slice(0, DIFFS_SHOWN)
    .map((k) => `${k}:\n    before ${a.get(k) ?? '(none)'}\n    after  ${b.get(k) ?? '(none)'}`);
  return `${diffs.length} differ (${diffs.join(', ')})\n  ${shown.join('\n  ')}`;
}

function lastReplayLine(state: string): string {
  try {
    const lines = readFileSync(join(state, 'logs', 'daemon.log'), 'utf8').split('\n');
    const line = lines.findLast((l) => l.includes('engine ready:')) ?? '';
    return /replayed \d+ journal entries/.exec(line)?.[0] ?? 'replay count not logged';
  } catch {
    return 'no daemon log';
  }
}

/**
 * Rebuilds the daemon's state from the journal in `journalDir` alone: an engine whose store
 * hides every checkpoint, whose clock never fires and whose effects never run, read through the
 * daemon's own request handlers.
 */
async function replayJournal(
  journalDir: string,
  stateDir: string,
  project: string,
): Promise<{ views: StateViews; note: string }> {
  const problems: string[] = [];
  const log = (level: 'info' | 'warn' | 'error', message: string) => {
    if (level !== 'info') problems.push(`${level}: ${message}`);
  };
  const real = await openStore(journalDir, { log });
  const store = withoutCheckpoints(real);
  let effects = 0;
  const engine = await Engine.start({
    store,
    stateDir,
    log,
    version: 'chaos-replay',
    clock: { now: () => Date.now(), setTimer: () => () => undefined },
    runShell: (request) => {
      effects++;
      return new Promise((resolve) =>
        request.signal?.addEventListener('abort', () =>
          resolve({ ok: false, error: 'replay runs no effects' } as never),
        ),
      );
    },
    baseEnv: {},
    buildEnv: buildShellEnv,
  });
  try {
    const handlers = createEngineHandlers({
      engine,
      store,
      stateDir,
      loadProject: (root) => loadProject(root, { hash: true }),
    });
    const call = async (method: string, params: object) =>
      (handlers[method] as Handler)(params as never, {
        signal: new AbortController().signal,
        push: () => undefined,
      });
    const views: StateViews = new Map();
    addPipelines(views, await call('pipeline.list', { project }));
    for (const queue of QUEUES)
      views.set(`queue ${queue}`, JSON.stringify(await call('queue.show', { project, queue })));
    views.set('locks', JSON.stringify(await call('lock.list', { project })));
    views.set('semaphores', JSON.stringify(await call('semaphore.list', { project })));
    const from = real.firstSeq;
    const note = `${real.lastSeq - from + 1} records from seq ${from}, ${effects} effects attempted${problems.length ? `; ${problems.join('; ')}` : ''}`;
    if (from > 1) throw new Error(`the journal was compacted (first seq ${from}): ${note}`);
    return { views, note };
  } finally {
    await engine.close(0);
    await real.close();
  }
}

/** The store as if no checkpoint was ever written; appends are numbered but never stored. */
function withoutCheckpoints(real: Store): Store {
  let seq = real.lastSeq;
  const stamp = <T extends object>(event: T) => ({ ...event, seq: ++seq });
  return {
    dir: real.dir,
    get lastSeq() {
      return seq;
    },
    firstSeq: real.firstSeq,
    checkpointSeq: 0,
    append: async (event) => stamp(event) as never,
    appendMany: async (events) => events.map(stamp) as never,
    read: (fromSeq, toSeq) => real.read(fromSeq, toSeq),
    checkpoint: async () => undefined,
    loadCheckpoint: () => ({ seq: 0, snapshots: new Map(), damaged: [] }),
    putDefinition: async () => undefined,
    getDefinition: (hash) => real.getDefinition(hash),
    compact: async () => 0,
    meta: (key) => real.meta(key),
    setMeta: async () => undefined,
    quarantined: () => real.quarantined(),
    close: async () => undefined,
  };
}
