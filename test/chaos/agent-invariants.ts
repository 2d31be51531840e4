// The crash suite's invariants about agents and what they leave behind: worktrees (removed with a
// finished run, kept only for a failed one, never orphaned), session hosts, agents and sockets
// (none once every run ended), and each agent generation started exactly once.
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { readTrace } from '../../src/fake-agent/index.js';
import type { TraceRecord } from '../../src/fake-agent/index.js';
import type { Check, SuiteFacts } from './invariants.js';
import {
  countBy,
  findProcesses,
  isAlive,
  parse,
  poll,
  readDaemonPid,
  repeatsOf,
} from './support.js';
import type { ProcessInfo } from './support.js';
import type { PipelineView, WorkspaceView } from './views.js';
import type { CrashWorld } from './world.js';

const SETTLE_MS = 15_000; // a session host exits ~2 s after its agent; worktrees go right after a run
const RESTART_BUDGET = 1; // agent.coder's on_exit = ["restart:1", …]; on_stuck never restarts

/** Worktrees: none of a done or cancelled run, none that no run owns; failed runs keep theirs. */
export async function checkWorkspaces(
  world: CrashWorld,
  pipelines: PipelineView[],
  check: Check,
): Promise<void> {
  const builds = pipelines.filter((p) => p.pipeline.endsWith('.build'));
  const finished = builds.filter((p) => p.status === 'done' || p.status === 'cancelled');
  const failed = new Set(builds.filter((p) => p.status === 'failed').map((p) => p.id));
  const dirOf = (id: string) => join(world.state, 'workspaces', id);
  const leftovers = () => {
    const trees = gitWorktrees(world);
    return finished.filter((p) => existsSync(dirOf(p.id)) || trees.has(canonical(dirOf(p.id))));
  };
  const clean = await poll(() => leftovers().length === 0, SETTLE_MS);
  const left = clean ? [] : leftovers();
  check(
    'the worktree of every done or cancelled run was removed',
    left.length === 0,
    left.length
      ? `left: ${left.map((p) => `${p.id} (${p.status})`).join(', ')}`
      : `${finished.length} runs, none left`,
  );

  const listed = parse<WorkspaceView[]>(world.oj('workspace', 'list', '-o', 'json'));
  const orphaned = parse<WorkspaceView[]>(
    world.oj('workspace', 'list', '--orphaned', '-o', 'json'),
  );
  const expected = new Set([...listed.map((w) => canonical(w.path))]);
  const trees = gitWorktrees(world);
  const problems = [
    ...listed
      .filter((w) => w.pipeline === null || !failed.has(w.pipeline))
      .map((w) => `workspace ${w.id} is ${w.status}, not a failed run's`),
    // `--orphaned` lists what prune would remove: here only failed runs' kept worktrees.
    ...orphaned
      .filter((w) => w.pipeline === null || !failed.has(w.pipeline))
      .map((w) => `--orphaned lists ${w.id} (${w.status})`),
    ...[...trees.keys()]
      .filter((path) => !expected.has(path))
      .map((path) => `git worktree ${path} belongs to no workspace`),
    ...[...trees].filter(([, t]) => t.prunable).map(([path]) => `git worktree ${path} is stale`),
    ...listed
      .filter((w) => !trees.has(canonical(w.path)))
      .map((w) => `workspace ${w.id} is not a git worktree`),
  ];
  check(
    'no orphaned worktree: each one is the kept workspace of a failed run',
    problems.length === 0,
    problems.length ? problems.join('; ') : `${listed.length} kept for failed runs, 0 orphaned`,
  );
}

/** No session host, agent or socket once every run ended; only the daemon is left running. */
export async function checkSessions(world: CrashWorld, check: Check): Promise<void> {
  const { root, state } = world;
  const agentsAndHosts = () =>
    findProcesses(root, state).filter(
      (p) => p.cmdline.includes('session-host') || p.cmdline.includes('oj-fake-agent'),
    );
  const gone = await poll(() => agentsAndHosts().length === 0, SETTLE_MS);
  check(
    'no session host or agent process is left once every run ended',
    gone !== undefined,
    gone
      ? `${sessionDirs(world).length} sessions ran, none left`
      : agentsAndHosts()
          .map((p) => `${p.pid}: ${p.cmdline}`)
          .join('; '),
  );

  const sockets = () => sessionSockets(world).filter((s) => existsSync(s));
  const noSockets = await poll(() => sockets().length === 0, SETTLE_MS);
  check(
    'no session socket is left',
    noSockets !== undefined,
    noSockets ? `${sessionDirs(world).length} session dirs checked` : sockets().join(', '),
  );

  const daemon = readDaemonPid(state);
  // The live daemon's own shell spawner belongs to it; a spawner of a killed daemon is a stray.
  const isOwnSpawner = (p: ProcessInfo) => p.ppid === daemon && p.cmdline.includes('shell-spawner');
  const strays = () =>
    findProcesses(root, state).filter((p) => p.pid !== daemon && !isOwnSpawner(p));
  const none = await poll(() => strays().length === 0, SETTLE_MS);
  // The scan must see the daemon itself, or it could not see a stray either.
  const seesDaemon = findProcesses(root, state).some((p) => p.pid === daemon);
  check(
    'no process of this world except the live daemon (and its shell spawner)',
    none !== undefined && daemon !== undefined && isAlive(daemon) && seesDaemon,
    none !== undefined
      ? `daemon ${daemon ?? 'missing'}${seesDaemon ? '' : ' (not found by the /proc scan)'}`
      : strays()
          .map((p) => `${p.pid}: ${p.cmdline}`)
          .join('; '),
  );
}

/**
 * Each agent generation started once (its epoch in one `start` trace record); a later generation
 * only as the restart policy allows, resuming the conversation; and each done build committed its
 * work exactly once (one commit on its branch).
 */
export function checkAgents(
  world: CrashWorld,
  facts: SuiteFacts,
  pipelines: PipelineView[],
  check: Check,
): void {
  const traces = readTraces(world);
  const starts = [...traces.values()].flat().filter(isStart);
  const epochs = countBy(starts, (s) => s.env.OJ_EPOCH ?? '(none)');
  const twice = repeatsOf(epochs);
  const badRestarts = starts
    .filter((s) => {
      const generation = Number((s.env.OJ_EPOCH ?? '').split('#')[1]);
      if (!(generation >= 1)) return true;
      return generation > 1 && (generation > 1 + RESTART_BUDGET || !s.argv.includes('--resume'));
    })
    .map((s) => s.env.OJ_EPOCH ?? `(no epoch, pid ${s.pid})`);
  const restarted = [...epochs.keys()].filter((e) => !e.endsWith('#1'));
  check(
    'every agent generation started exactly once, later ones only as on_exit allows',
    twice.length === 0 && badRestarts.length === 0,
    twice.length || badRestarts.length
      ? [
          twice.length ? `started more than once: ${twice.join(', ')}` : '',
          badRestarts.length ? `not allowed: ${badRestarts.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; ')
      : `${epochs.size} generations of ${traces.size} runs; restarted: ${restarted.join(', ') || 'none'}`,
  );

  const done = pipelines.filter((p) => p.pipeline.endsWith('.build') && p.status === 'done');
  const wrong = done.flatMap((p) => {
    const commits = commitsOf(world, p.id);
    const started = traces.get(p.id)?.some(isStart) ?? false;
    return commits === 1 && started ? [] : [`${p.id}: ${commits} commits, started ${started}`];
  });
  check(
    'every done build ran its agent and committed its work exactly once',
    wrong.length === 0,
    wrong.length ? wrong.join(', ') : `${done.length} done builds, one commit each`,
  );

  const all = [...traces.values()].flat();
  const nudged = all.filter((r) => r.type === 'message' && r.text.includes('seem to have stopped'));
  const failedDone = all.filter(
    (r) => r.type === 'step' && r.kind === 'done' && r.result.status !== 'ok',
  );
  check(
    'info: where the kills landed',
    true,
    `${facts.killsWithAgents} kills with agents live, ${facts.killsWithPhases} with shell phases running; ${failedDone.length} \`oj done\` calls failed; ${nudged.length} nudges`,
  );
}

type StartRecord = Extract<TraceRecord, { type: 'start' }>;
const isStart = (r: TraceRecord): r is StartRecord => r.type === 'start';

function readTraces(world: CrashWorld): Map<string, TraceRecord[]> {
  const traces = new Map<string, TraceRecord[]>();
  for (const file of readdirSync(world.traces))
    if (file.endsWith('.jsonl'))
      traces.set(file.replace(/\.jsonl$/, ''), readTrace(join(world.traces, file)));
  return traces;
}

function commitsOf(world: CrashWorld, pipeline: string): number {
  try {
    return Number(world.git('rev-list', '--count', `main..chaos/${pipeline}`).trim());
  } catch {
    return 0; // no such branch
  }
}

/** `git worktree list --porcelain` of the project, minus its own, by canonical path. */
function gitWorktrees(world: CrashWorld): Map<string, { prunable: boolean }> {
  const trees = new Map<string, { prunable: boolean }>();
  const blocks = world.git('worktree', 'list', '--porcelain').split('\n\n').slice(1);
  for (const block of blocks) {
    const path = /^worktree (.+)$/m.exec(block)?.[1];
    if (path) trees.set(canonical(path), { prunable: /^prunable/m.test(block) });
  }
  return trees;
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function sessionDirs(world: CrashWorld): string[] {
  const root = join(world.state, 'sessions');
  try {
    return readdirSync(root).map((name) => join(root, name));
  } catch {
    return [];
  }
}

/** Every socket a session host of this world listened on (host.json), and any other in its dir. */
function sessionSockets(world: CrashWorld): string[] {
  const sockets = new Set<string>();
  for (const dir of sessionDirs(world)) {
    try {
      const info = JSON.parse(readFileSync(join(dir, 'host.json'), 'utf8')) as { socket?: string };
      if (info.socket) sockets.add(info.socket);
    } catch {
      // no host.json: the spawn never got that far
    }
    for (const name of readdirSync(dir)) if (name.endsWith('.sock')) sockets.add(join(dir, name));
  }
  return [...sockets];
}
