// The crash suite's world: a temp git repository holding the chaos runbook and the fake agent's
// scenario, its state dir, and where the agents' traces go — all under one root, so every process
// the suite starts can be recognised by that root.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOj } from '../helpers/oj.js';
import type { OjResult } from '../helpers/oj.js';

export interface CrashWorld {
  /** Holds everything below; the suite's processes name it in their command line or env. */
  root: string;
  /** A git repository on `main` with `.oj/runbooks/chaos.toml`. */
  project: string;
  state: string;
  /** One fake-agent trace per pipeline: `<traces>/<pipeline>.jsonl`. */
  traces: string;
  oj: (...args: string[]) => OjResult;
  git: (...args: string[]) => string;
  /** Kills the daemon (and its sessions) and removes the root. */
  dispose: () => void;
}

/**
 * Two workloads share a lock and the daemon. `job` (shell only): a slot of `slots` for its first
 * phase and `main` for its second, so kills land while holders and waiters exist; the second phase
 * is idempotent, so a crash inside it re-runs it (done.txt may then hold the id twice: reported as
 * info). `build` (from the `builds` queue or `oj run build`): its own worktree on `chaos/<run>`, the
 * fake agent in a slot of `agents` (edits, commits, `oj done`), then a check under `main`.
 * The commands holding `main` or a slot of `slots` log their start and end (`<root>/main.log`,
 * `<root>/slots.log`), so mutual exclusion is checked by what really ran, not by what oj reports.
 * Every recovery chain ends in a terminal step, never `escalate`: a chaos run has no human.
 */
function createRunbook(world: Pick<CrashWorld, 'root' | 'project' | 'traces'>): string {
  const { project, root, traces } = world;
  // Each run of a command holding `resource` logs its start and, if it finishes, its end.
  const holding = (resource: string, body: string) => {
    const mark = (what: string) =>
      `echo ${what} {pipeline}/$$ $(date +%s%N) >> ${root}/${resource}.log`;
    return `${mark('start')} && ${body} && ${mark('end')}`;
  };
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
run = "${holding('slots', 'sleep 0.5')}"

[[pipeline.job.phase]]
name = "record"
lock = "main"
idempotent = true
run = "${holding('main', `sleep 0.03 && echo {id} >> ${project}/done.txt`)}"

[queue.builds]
max_retries = 2

[worker.builder]
queue = "builds"
handler = "pipeline.build"
concurrency = 2

[command.build]
args = "<id>"
run = { pipeline = "build" }

[pipeline.build]
inputs = ["id"]

[pipeline.build.workspace]
branch = "chaos/{pipeline}"
base = "main"

[[pipeline.build.phase]]
name = "code"
agent = "coder"
semaphore = "agents"

[[pipeline.build.phase]]
name = "check"
lock = "main"
idempotent = true
run = "${holding('main', `test \\"$(git rev-list --count main..HEAD)\\" -ge 1 && echo {id} >> ${project}/built.txt`)}"

[agent.coder]
command = "oj-fake-agent --scenario ${join(root, 'coder.toml')}"
driver = "claude"
prompt = "chaos build {id}"
cwd = "{workspace}"
idle_timeout = "4s"
on_stuck = ["nudge", "nudge", "abandon"]
on_exit = ["restart:1", "abandon"]
timeout = "2m"
on_timeout = "abandon"
env = { FAKE_AGENT_TRACE = "${traces}/{pipeline}.jsonl", CLAUDE_CONFIG_DIR = "${join(root, 'claude')}" }

[lock.main]

[semaphore.slots]
max = 2

[semaphore.agents]
max = 2

[cron.tick]
interval = "300ms"
run = "echo tick >> ${project}/ticks.txt"
`;
}

/**
 * The fake agent: records its epoch in the worktree, works a while (so kills land mid-turn),
 * commits, and calls `oj done`. Any later message — a nudge after an `oj done` the kill swallowed,
 * or a restarted generation's resume — only calls `oj done` again: the work is never redone.
 */
const CODER_SCENARIO = `
[[turn]]
on = { contains = "chaos build" }
steps = [
  { say = "Building." },
  { run = "echo \\"$OJ_EPOCH\\" >> work.txt" },
  { sleep = 1500 },
  { commit = "chaos: build" },
  { done = {} },
]

[[turn]]
on = "*"
steps = [{ say = "Already built." }, { done = {} }]
`;

/** Makes the world: the repository (one commit on main), the runbook, the scenario, a state dir. */
export function createCrashWorld(): CrashWorld {
  const root = mkdtempSync(join(tmpdir(), 'oj-chaos-'));
  const project = join(root, 'repo');
  const state = join(root, 'state');
  const traces = join(root, 'traces');
  mkdirSync(join(project, '.oj', 'runbooks'), { recursive: true });
  mkdirSync(traces);
  writeFileSync(
    join(project, '.oj', 'runbooks', 'chaos.toml'),
    createRunbook({ root, project, traces }),
  );
  writeFileSync(join(root, 'coder.toml'), CODER_SCENARIO);
  writeFileSync(join(project, '.gitignore'), 'done.txt\nticks.txt\nbuilt.txt\n');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: project, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'oj chaos');
  git('config', 'user.email', 'chaos@oj.invalid');
  git('add', '-A');
  git('commit', '-qm', 'chaos: start');
  const env = { OJ_STATE_DIR: state, OJ_SESSION_TIMING: 'test' };
  const oj = (...args: string[]) => runOj(args, { cwd: project, env });
  return {
    root,
    project,
    state,
    traces,
    oj,
    git,
    dispose: () => {
      oj('daemon', 'stop', '--kill');
      rmSync(root, { recursive: true, force: true });
    },
  };
}
