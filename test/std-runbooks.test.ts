// The standard runbooks shipped in runbooks/ (build, bugfix, merge, watchdog, janitor): users copy
// them, so they must load cleanly together and alone, declare the entrypoints the documentation
// promises, and describe every primitive they define.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
// The lint rule for front-door imports is written for paths inside src/; from test/ each folder
// is still reached only through its index.ts.
import { loadRunbookFiles, stdRunbookDir } from '../src/project/index.js';
import { formatIssue, KINDS } from '../src/runbook/index.js';

const DIR = stdRunbookDir();
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.toml'))
  .sort()
  .map((f) => join(DIR, f));

// Loaded together, as a project would; the first tests check that this gives no issues.
const { project } = loadRunbookFiles(FILES);

describe('the standard runbooks', () => {
  it('include build, bugfix, merge, watchdog and janitor', () => {
    expect(FILES.map((f) => basename(f, '.toml'))).toEqual(
      expect.arrayContaining(['build', 'bugfix', 'merge', 'watchdog', 'janitor']),
    );
  });

  it('load together with no issues', () => {
    const { issues } = loadRunbookFiles(FILES);
    expect(issues.map((i) => formatIssue(i))).toEqual([]);
  });

  it.each(FILES.map((f) => [basename(f), f]))(
    '%s stands alone: it loads by itself with no issues',
    (_name, file) => {
      const { issues } = loadRunbookFiles([file]);
      expect(issues.map((i) => formatIssue(i))).toEqual([]);
    },
  );

  it.each(FILES.map((f) => [basename(f), f]))(
    '%s opens with a comment saying what it is for',
    (_name, file) => {
      const text = readFileSync(file, 'utf8');
      expect(text.split('\n')[0]).toMatch(/^# \S/);
    },
  );

  it.each([
    ['build', { command: ['build'], worker: ['builder'], cron: [] }],
    ['bugfix', { command: ['bugfix'], worker: ['bugfix'], cron: [] }],
    ['merge', { command: ['merge'], worker: ['merger'], cron: [] }],
    ['watchdog', { command: [], worker: [], cron: ['watchdog'] }],
    ['janitor', { command: [], worker: [], cron: ['janitor'] }],
  ])('%s.toml declares the entrypoints users start', (runbook, expected) => {
    const { project: alone } = loadRunbookFiles([join(DIR, `${runbook}.toml`)]);
    const names = (defs: Record<string, { name: string }>) =>
      Object.values(defs).map((d) => d.name);
    expect({
      command: names(alone.command),
      worker: names(alone.worker),
      cron: names(alone.cron),
    }).toEqual(expected);
  });

  it('give every primitive a one-line description', () => {
    const missing: string[] = [];
    for (const kind of KINDS) {
      for (const def of Object.values(project[kind]) as {
        qualified: string;
        description?: string;
      }[]) {
        if (!def.description || def.description.includes('\n'))
          missing.push(`${kind} ${def.qualified}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('run every agent with interactive Claude Code', () => {
    const agents = Object.values(project.agent);
    expect(agents.length).toBeGreaterThan(0);
    for (const agent of agents)
      expect(agent).toMatchObject({ command: 'claude', driver: 'claude' });
  });

  it('also load as std.<name> when a project runbook references one of their primitives', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-std-'));
    try {
      const file = join(dir, 'release.toml');
      writeFileSync(
        file,
        [
          '[pipeline.release]',
          'inputs = ["version"]',
          '[[pipeline.release.phase]]',
          'name = "tag"',
          'lock = "std.merge.main_branch"',
          'run = "git tag v{version}"',
        ].join('\n'),
      );
      const { project: loaded, issues } = loadRunbookFiles([file]);
      expect(issues.map((i) => formatIssue(i))).toEqual([]);
      expect(loaded.pipeline['release.release']?.phases[0]?.lock).toBe('std.merge.main_branch');
      expect(Object.keys(loaded.strategy)).toContain('std.merge.merge');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('build.toml', () => {
  it('plans, decomposes, then starts the builder that executes the queued work items', () => {
    expect(project.command['build.build']?.run).toEqual({
      kind: 'pipeline',
      pipeline: 'build.build',
    });
    expect(project.pipeline['build.build']?.phases.map((p) => p.name)).toEqual([
      'plan',
      'decompose',
      'execute',
    ]);
    expect(project.pipeline['build.build']?.phases[2]).toMatchObject({ idempotent: true });
    expect(project.pipeline['build.build']?.phases[2]?.run).toContain('oj worker start builder');
  });

  it('asks the decomposer to queue work items with their dependencies', () => {
    const source = project.agent['build.decomposer']?.prompt?.source ?? '';
    expect(source).toContain('oj queue add tasks');
    expect(source).toContain('after=');
  });

  it('builds each item in its own worktree, bounded by the agents semaphore, then queues its branch for merging', () => {
    expect(project.worker['build.builder']).toMatchObject({
      queue: 'build.tasks',
      handler: 'build.task',
    });
    const task = project.pipeline['build.task'];
    expect(task?.workspace).toMatchObject({ branch: 'build/{name}', base: 'main' });
    expect(task?.phases.map((p) => p.name)).toEqual(['implement', 'merge']);
    expect(task?.phases[0]).toMatchObject({
      pre: ['build.after_merged'],
      agent: 'build.implementer',
      semaphore: { semaphore: 'build.agents', weight: 1 },
      post: ['build.tests_pass'],
    });
    expect(task?.phases[1]?.run).toContain('oj queue add merges --id {name} branch=');
    expect(project.agent['build.implementer']?.prompt?.engine).toBe('liquid');
  });
});

describe('bugfix.toml', () => {
  it('queues a bug and wakes its worker with an event', () => {
    const run = project.command['bugfix.bugfix']?.run;
    expect(run?.kind === 'shell' ? run.script : '').toContain('oj queue add bugs');
    expect(project.worker['bugfix.bugfix']).toMatchObject({
      queue: 'bugfix.bugs',
      handler: 'bugfix.fix',
      wakeOn: ['bug:created'],
    });
  });

  it('runs fix → verify → merge in its own worktree, verify gated by tests_pass and escalating', () => {
    const fix = project.pipeline['bugfix.fix'];
    expect(fix?.workspace).toMatchObject({ branch: 'fix/{bug}', base: 'main' });
    expect(fix?.phases.map((p) => [p.name, p.next])).toEqual([
      ['fix', 'verify'],
      ['verify', 'merge'],
      ['merge', null],
    ]);
    expect(fix?.phases[1]).toMatchObject({
      post: ['bugfix.tests_pass'],
      onFail: { kind: 'recovery', steps: [{ name: 'escalate', builtin: 'escalate' }] },
    });
    expect(fix?.phases[2]?.run).toContain('oj queue add merges --id {bug} branch=');
  });
});

describe('merge.toml', () => {
  it('tries fast-forward, rebase, then agent-resolve, each attempt after the first rolling back to the checkpoint', () => {
    const strategy = project.strategy['merge.merge'];
    expect(strategy?.checkpoint).toBeDefined();
    expect(strategy?.attempts.map((a) => a.name)).toEqual([
      'fast-forward',
      'rebase',
      'agent-resolve',
    ]);
    expect(strategy?.attempts[0]?.rollback).toBeUndefined();
    for (const attempt of strategy?.attempts.slice(1) ?? [])
      expect(attempt.rollback).toContain('{checkpoint}');
    expect(strategy?.attempts[2]?.agent).toBe('merge.conflict_resolution');
    // Exhausted: the branch is dead-lettered (with a decision) so the queue moves on.
    expect(strategy?.onExhaust).toEqual([{ name: 'dead', builtin: 'dead' }]);
  });

  it('lands one branch at a time, holding main_branch while merging, with the tests as a post guard', () => {
    expect(project.worker['merge.merger']).toMatchObject({
      queue: 'merge.merges',
      handler: 'merge.merge',
      concurrency: 1,
    });
    const merge = project.pipeline['merge.merge'];
    expect(merge?.inputs).toEqual(['branch']);
    expect(merge?.workspace).toMatchObject({ branch: 'oj-merge/{pipeline}', base: '{branch}' });
    expect(merge?.phases.find((p) => p.name === 'merge')).toMatchObject({
      lock: 'merge.main_branch',
      strategy: 'merge.merge',
      post: ['merge.tests_pass'],
      onFail: { kind: 'recovery', steps: [{ name: 'dead', builtin: 'dead' }] },
    });
    expect(merge?.phases.find((p) => p.name === 'land')).toMatchObject({
      lock: 'merge.main_branch',
      idempotent: true,
    });
    expect(project.lock['merge.main_branch']?.onStale.map((s) => s.name)).toEqual([
      'release',
      'rollback',
      'escalate',
    ]);
  });
});

describe('between the runbooks', () => {
  it("wakes the builder's dependency guard on the event the merge queue emits when a branch lands", () => {
    expect(project.events['merge']?.on_complete).toMatch(/^oj emit merge:landed /);
    expect(project.guard['build.after_merged']?.wakeOn).toEqual(['merge:landed']);
  });
});

describe('watchdog.toml', () => {
  it('every 30s watches idle agents, phase timeouts and stale locks', () => {
    expect(project.cron['watchdog.watchdog']).toMatchObject({
      intervalMs: 30_000,
      monitors: ['watchdog.agent_idle', 'watchdog.phase_timeout', 'watchdog.stale_locks'],
    });
  });

  it('nudges an idle agent, restarts it twice, then escalates, through actions with cooldowns', () => {
    expect(project.monitor['watchdog.agent_idle']?.response).toEqual([
      { name: 'nudge', builtin: 'nudge', action: 'watchdog.nudge' },
      { name: 'restart', builtin: 'restart', action: 'watchdog.restart', max: 2 },
      { name: 'escalate', builtin: 'escalate' },
    ]);
    expect(project.action['watchdog.nudge']?.cooldownMs).toBeGreaterThan(0);
    expect(project.action['watchdog.restart']).toMatchObject({
      cooldownMs: 300_000,
      maxAttempts: 2,
    });
  });
});

describe('janitor.toml', () => {
  it('scans with source, condition and a direct action: stale locks, orphaned worktrees, dead sessions', () => {
    const cron = project.cron['janitor.janitor'];
    expect(cron?.monitors).toEqual([
      'janitor.stale_locks',
      'janitor.orphaned_worktrees',
      'janitor.dead_sessions',
    ]);
    for (const name of cron?.monitors ?? []) {
      const monitor = project.monitor[name];
      expect(monitor?.condition).toBeDefined();
      expect(monitor?.action).toBeDefined();
      expect(monitor?.response).toBeUndefined();
    }
    expect(project.monitor['janitor.stale_locks']?.action).toBe('oj lock force-release {id}');
  });
});
