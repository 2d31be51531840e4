// Every TOML example of the runbook language document is a fixture in test/fixtures/doc/, verbatim
// and marked `# doc: <section>`; snippets that name each other are assembled into whole runbooks.
// Each fixture must load without a single issue and compile to what the document says it means.
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// The lint rule for front-door imports is written for paths inside src/; from test/ each folder
// is still reached only through its index.ts.
import { loadRunbookFiles } from '../src/project/index.js';
import { formatIssue } from '../src/runbook/index.js';
import type { Project } from '../src/runbook/index.js';

const DIR = fileURLToPath(new URL('./fixtures/doc/', import.meta.url));
const FIXTURES = readdirSync(DIR)
  .filter((f) => f.endsWith('.toml'))
  .sort();

/** The compiled project of one fixture loaded on its own (its issues are checked by the first test). */
function load(file: string): Project {
  return loadRunbookFiles([join(DIR, file)]).project;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('the runbook document examples', () => {
  it.each(FIXTURES)('%s loads with no issues', (file) => {
    const { issues } = loadRunbookFiles([join(DIR, file)]);
    expect(issues.map((i) => formatIssue(i))).toEqual([]);
  });

  it('has a fixture for every TOML example section of the document', () => {
    const sections = new Set(
      FIXTURES.flatMap((f) =>
        [...readFileSync(join(DIR, f), 'utf8').matchAll(/^# doc: (.+)$/gm)].map((m) => m[1]),
      ),
    );
    expect([...sections].sort()).toEqual(
      [
        'Command',
        'Argument Syntax',
        'Worker',
        'Cron',
        'Queue',
        'Pipeline',
        'Agent',
        'Templates',
        'Templates (inputs)',
        'Guard',
        'Guard (wake_on)',
        'Strategy',
        'Lock',
        'Semaphore',
        'Monitor (watching)',
        'Monitor (scanning)',
        'Action',
        'Events',
      ].sort(),
    );
  });

  it('keeps the example template verbatim where prompt_file points', () => {
    const template = readFileSync(join(DIR, 'templates/execute.md'), 'utf8');
    expect(template).toContain('{% for issue in issues %}');
    expect(template).toContain('- Work in `{{ workspace }}/`');
  });
});

describe('commands', () => {
  it('build takes two required positionals and runs its shell script', () => {
    const build = load('command-build.toml').command['command-build.build'];
    expect(build?.args.positionals).toEqual([
      { name: 'name', required: true, variadic: false },
      { name: 'prompt', required: true, variadic: false },
    ]);
    expect(build?.args.flags).toEqual([]);
    expect(build?.run).toEqual({
      kind: 'shell',
      script: 'oj queue add builds name={name} prompt={prompt}\noj worker wake builds\n',
    });
  });

  it('deploy has positional env, flag --tag defaulting to "latest", boolean --force and optional variadic targets', () => {
    const { args } = load('command-deploy.toml').command['command-deploy.deploy'] ?? {};
    expect(args?.positionals).toEqual([
      { name: 'env', required: true, variadic: false },
      { name: 'targets', required: false, variadic: true },
    ]);
    expect(args?.flags).toEqual([
      {
        name: 'tag',
        takesValue: true,
        valueName: 'version',
        required: false,
        short: ['t'],
        default: 'latest',
      },
      { name: 'force', takesValue: false, required: false, short: ['f'] },
    ]);
  });
});

describe('the bug-fixing snippets assembled (bugfix.toml)', () => {
  const project = load('bugfix.toml');

  it('runs one fix pipeline at a time from the bugs queue, waiting 30s when idle and waking on bug:created', () => {
    expect(project.worker['bugfix.bugfix']).toMatchObject({
      queue: 'bugfix.bugs',
      handler: 'bugfix.fix',
      concurrency: 1,
      idleAction: { kind: 'wait', ms: 30_000 },
      wakeOn: ['bug:created'],
    });
  });

  it('takes bugs by priority, hides them 30m while processed and keeps dead ones 7 days after 2 retries', () => {
    expect(project.queue['bugfix.bugs']).toMatchObject({
      source: 'wk list -l bug -s todo --json',
      order: 'priority',
      visibilityTimeoutMs: 30 * MINUTE,
      maxRetries: 2,
      onExhaust: [{ name: 'dead', builtin: 'dead' }],
      dead: { retentionMs: 7 * 24 * HOUR },
    });
  });

  it('runs setup → fix → merge, the fix phase gated by tests_pass and escalating on failure', () => {
    const fix = project.pipeline['bugfix.fix'];
    expect(fix?.inputs).toEqual(['bug']);
    expect(fix?.phases.map((p) => [p.name, p.next])).toEqual([
      ['setup', 'fix'],
      ['fix', 'merge'],
      ['merge', null],
    ]);
    expect(fix?.phases[1]).toMatchObject({
      agent: 'bugfix.fix',
      semaphore: { semaphore: 'bugfix.agents', weight: 1 },
      post: ['bugfix.tests_pass'],
      onFail: { kind: 'recovery', steps: [{ name: 'escalate', builtin: 'escalate' }] },
    });
  });

  it('gives the fix agent its prompt, limits and recovery chains', () => {
    expect(project.agent['bugfix.fix']).toMatchObject({
      command: 'claude --print',
      driver: 'claude',
      prompt: { engine: 'interpolate', vars: ['bug'] },
      cwd: '{workspace}',
      timeoutMs: HOUR,
      idleTimeoutMs: 3 * MINUTE,
      heartbeat: 'output',
      onStuck: [
        { name: 'nudge', builtin: 'nudge' },
        { name: 'restart', builtin: 'restart' },
      ],
      onTimeout: [{ name: 'escalate', builtin: 'escalate' }],
    });
  });

  it('retries the tests_pass guard 3 times 10s apart and escalates after 5m', () => {
    expect(project.guard['bugfix.tests_pass']).toMatchObject({
      condition: 'make test',
      retry: { max: 3, intervalMs: 10_000 },
      timeoutMs: 5 * MINUTE,
      onTimeout: [{ name: 'escalate', builtin: 'escalate' }],
    });
  });

  it('lets 4 agents hold the agents semaphore, reclaiming orphans and requeueing their work', () => {
    expect(project.semaphore['bugfix.agents']).toMatchObject({
      max: 4,
      slotTimeoutMs: 2 * HOUR,
      slotHeartbeatMs: MINUTE,
      onOrphan: [{ name: 'reclaim', builtin: 'reclaim' }],
      onOrphanWork: [{ name: 'requeue', builtin: 'requeue' }],
    });
  });
});

describe('the build snippets assembled (build.toml)', () => {
  const project = load('build.toml');

  it('renders the execution agent from the template file, reading name, issues and workspace', () => {
    const agent = project.agent['build.execution'];
    expect(agent?.promptFile).toBe('templates/execute.md');
    expect(agent?.prompt?.engine).toBe('liquid');
    expect([...(agent?.prompt?.vars ?? [])].sort()).toEqual(['issues', 'name', 'workspace']);
    expect(agent?.inputs).toEqual([
      { name: 'issues', source: 'wk list -l plan:{name} --json' },
      { name: 'plan', source: 'cat plans/{name}.md' },
    ]);
  });

  it('waits on the after_merged guard, which the pipeline can feed through its after input', () => {
    const build = project.pipeline['build.build'];
    expect(build?.inputs).toContain('after');
    expect(build?.defaults).toEqual({ after: '' });
    expect(build?.phases.find((p) => p.name === 'execute')?.pre).toEqual(['build.after_merged']);
    expect(project.guard['build.after_merged']?.wakeOn).toEqual(['pipeline:{after}:merged']);
  });

  it('reports {after} when a pipeline without an after input uses the after_merged guard', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-doc-'));
    try {
      const file = join(dir, 'deps.toml');
      writeFileSync(
        file,
        [
          '[pipeline.p]',
          'inputs = ["name"]',
          '[[pipeline.p.phase]]',
          'name = "execute"',
          'run = "true"',
          'pre = ["after_merged"]',
          readFileSync(join(DIR, 'guard-after-merged.toml'), 'utf8'),
        ].join('\n'),
      );
      const { issues } = loadRunbookFiles([file]);
      expect(issues.map((i) => [i.code, i.path])).toEqual([
        ['UNKNOWN_VARIABLE', 'guard.after_merged.condition'],
        ['UNKNOWN_VARIABLE', 'guard.after_merged.wake_on[0]'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads prompt_file relative to the runbook file, so a copy without templates/ reports it missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-doc-'));
    try {
      const file = join(dir, 'agent-execution-template.toml');
      copyFileSync(join(DIR, 'agent-execution-template.toml'), file);
      const { issues } = loadRunbookFiles([file]);
      expect(issues.map((i) => [i.code, i.path])).toEqual([
        ['MISSING_FILE', 'agent.execution.prompt_file'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the strategy and lock assembled (merge.toml)', () => {
  const project = load('merge.toml');

  it('tries fast-forward, rebase, then the conflict_resolution agent, rolling back after the first', () => {
    const merge = project.strategy['merge.merge'];
    expect(merge?.checkpoint).toBe('git rev-parse HEAD');
    expect(merge?.onExhaust).toEqual([{ name: 'escalate', builtin: 'escalate' }]);
    expect(merge?.attempts).toEqual([
      { name: 'fast-forward', run: 'git merge --ff-only FETCH_HEAD', timeoutMs: MINUTE },
      {
        name: 'rebase',
        run: 'git rebase origin/main',
        timeoutMs: 5 * MINUTE,
        rollback: 'git rebase --abort; git reset --hard {checkpoint}',
      },
      {
        name: 'agent-resolve',
        agent: 'merge.conflict_resolution',
        timeoutMs: 30 * MINUTE,
        rollback: 'git reset --hard {checkpoint}',
      },
    ]);
  });

  it('reclaims a stale main_branch lock by release, rollback, then escalate', () => {
    expect(project.lock['merge.main_branch']).toMatchObject({
      timeoutMs: 30 * MINUTE,
      heartbeatMs: 30_000,
      onStale: [
        { name: 'release', builtin: 'release' },
        { name: 'rollback', builtin: 'rollback' },
        { name: 'escalate', builtin: 'escalate' },
      ],
    });
  });

  it('lets a phase hold the lock while it applies the strategy', () => {
    expect(project.pipeline['merge.merge']?.phases[0]).toMatchObject({
      lock: 'merge.main_branch',
      strategy: 'merge.merge',
    });
  });
});

describe('the watchdog snippets assembled (watchdog.toml)', () => {
  const project = load('watchdog.toml');

  it('runs its three monitors every 30s', () => {
    expect(project.cron['watchdog.watchdog']).toMatchObject({
      intervalMs: 30_000,
      monitors: ['watchdog.agent_idle', 'watchdog.phase_timeout', 'watchdog.stale_locks'],
    });
  });

  it('answers an idle agent with the runbook actions nudge and restart (twice), then escalates', () => {
    expect(project.monitor['watchdog.agent_idle']?.response).toEqual([
      { name: 'nudge', builtin: 'nudge', action: 'watchdog.nudge' },
      { name: 'restart', builtin: 'restart', action: 'watchdog.restart', max: 2 },
      { name: 'escalate', builtin: 'escalate' },
    ]);
  });

  it('force-releases stale locks with a direct shell action instead of a response chain', () => {
    const monitor = project.monitor['watchdog.stale_locks'];
    expect(monitor?.action).toBe('oj lock force-release {id}');
    expect(monitor?.response).toBeUndefined();
  });

  it('enforces the actions cooldowns and restart attempts', () => {
    expect(project.action['watchdog.nudge']).toMatchObject({ cooldownMs: 30_000 });
    expect(project.action['watchdog.restart']).toMatchObject({
      cooldownMs: 5 * MINUTE,
      maxAttempts: 2,
      run: 'oj session kill {session}\noj pipeline resume {name}\n',
    });
  });
});

describe('standalone snippets', () => {
  it('the watching monitor uses the built-in actions when the runbook defines none', () => {
    expect(load('monitor-agent-idle.toml').monitor['monitor-agent-idle.agent_idle']).toMatchObject({
      source: 'oj pipeline list --phase execute --json',
      response: [
        { name: 'nudge', builtin: 'nudge' },
        { name: 'restart', builtin: 'restart', max: 2 },
        { name: 'escalate', builtin: 'escalate' },
      ],
    });
  });

  it('the scanning monitor keeps its condition and action as shell text', () => {
    expect(
      load('monitor-stale-locks.toml').monitor['monitor-stale-locks.stale_locks'],
    ).toMatchObject({ condition: 'oj lock is-stale {id}', action: 'oj lock force-release {id}' });
  });

  it('the agent inputs example compiles to named shell sources', () => {
    expect(
      load('agent-execution-inputs.toml').agent['agent-execution-inputs.execution']?.inputs.map(
        (i) => i.name,
      ),
    ).toEqual(['issues', 'plan']);
  });
});

describe('events', () => {
  const project = load('events.toml');

  it('keeps the phase-change and completion hooks of the runbook', () => {
    expect(project.events['events']).toEqual({
      on_phase_change: 'oj emit pipeline:phase --id {name} --phase {phase}',
      on_complete: 'oj emit pipeline:complete --id {name}',
    });
  });

  it('wakes the worker on both events', () => {
    expect(project.worker['events.bugfix']?.wakeOn).toEqual(['bug:created', 'bug:prioritized']);
  });
});
