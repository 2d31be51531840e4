// End-to-end: `oj runbook check|list|show|graph` in a temp project, through the real binary.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, runOj } from './helpers/oj.js';

const FIX = `
[command.fix]
description = "Queue a bug for fixing"
args = "<id>"
run = "oj queue add bugs id={id}"

[worker.bugfix]
queue = "bugs"
handler = "pipeline.fix"

[queue.bugs]

[pipeline.fix]
description = "Fix one bug"
inputs = ["bug"]

[[pipeline.fix.phase]]
name = "setup"
run = "git worktree add {workspace} -b {branch}"

[[pipeline.fix.phase]]
name = "work"
agent = "fixer"
post = ["tests_pass"]
on_fail = "escalate"

[agent.fixer]
command = "claude"
prompt = "Fix {bug.title}"
idle_timeout = "3m"

[guard.tests_pass]
condition = "make test"
`;

const project = makeProject({
  'fix.toml': FIX,
  'ops.toml': '[lock.main_branch]\ntimeout = "30m"\n',
});
const scratch = mkdtempSync(join(tmpdir(), 'oj-noproject-'));
afterAll(() => {
  rmSync(project, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

describe('oj runbook', () => {
  it('check reports ok for a valid project (exit 0)', () => {
    const r = runOj(['runbook', 'check'], { cwd: join(project, '.oj') });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ok: 2 runbooks, 7 primitives');
  });

  it('check -o json prints one JSON document', () => {
    const r = runOj(['runbook', 'check', '-o', 'json'], { cwd: project });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { ok: boolean; primitives: number; issues: unknown[] };
    expect(doc).toMatchObject({ ok: true, primitives: 7, issues: [] });
  });

  it('check of explicit files reports every problem with file:line:col and exits 2', () => {
    const broken = makeProject({
      'a.toml':
        '[worker.w]\nqueue = "nope"\nhandler = "pipeline.p"\n\n[pipeline.p]\n[[pipeline.p.phase]]\nname = "x"\nrun = "true"\ntimeout = "5 min"\n',
    });
    const r = runOj(['runbook', 'check', '.oj/runbooks/a.toml'], { cwd: broken });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '.oj/runbooks/a.toml:2:9: worker.w.queue: queue "nope" is not defined',
    );
    expect(r.stderr).toContain('.oj/runbooks/a.toml:9:11: pipeline.p.phase[0].timeout:');
    expect(r.stderr).toContain('2 problems in 1 file');
    rmSync(broken, { recursive: true, force: true });
  });

  it('check outside any project explains how to make one (exit 2)', () => {
    const r = runOj(['runbook', 'check'], { cwd: scratch });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('.oj/');
  });

  it('list shows entrypoints and building blocks with their files', () => {
    const r = runOj(['runbook', 'list'], { cwd: project });
    expect(r.code).toBe(0);
    const [entry, blocks] = r.stdout.split('Building blocks');
    expect(entry).toMatch(/command\s+fix\s+\.oj\/runbooks\/fix\.toml:2\s+Queue a bug for fixing/);
    expect(entry).toMatch(/worker\s+bugfix\s+\.oj\/runbooks\/fix\.toml:7/);
    expect(blocks).toMatch(/lock\s+main_branch\s+\.oj\/runbooks\/ops\.toml:1/);
    expect(blocks).toMatch(/guard\s+tests_pass/);
  });

  it('list -o json lists every primitive', () => {
    const r = runOj(['runbook', 'list', '-o', 'json'], { cwd: project });
    const doc = JSON.parse(r.stdout) as { primitives: { kind: string; qualified: string }[] };
    expect(doc.primitives.map((p) => `${p.kind}:${p.qualified}`).sort()).toEqual([
      'agent:fix.fixer',
      'command:fix.fix',
      'guard:fix.tests_pass',
      'lock:ops.main_branch',
      'pipeline:fix.fix',
      'queue:fix.bugs',
      'worker:fix.bugfix',
    ]);
  });

  it('show prints the compiled definition, with durations readable', () => {
    const r = runOj(['runbook', 'show', 'fixer'], { cwd: project });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('agent fix.fixer  (.oj/runbooks/fix.toml:');
    expect(r.stdout).toContain('idleTimeout: 3m');
    expect(r.stdout).toContain('driver: claude');
  });

  it('show -o json gives the definition', () => {
    const r = runOj(['runbook', 'show', 'pipeline.fix', '-o', 'json'], { cwd: project });
    const doc = JSON.parse(r.stdout) as {
      kind: string;
      definition: { phases: { name: string; next: string | null }[] };
    };
    expect(doc.kind).toBe('pipeline');
    expect(doc.definition.phases.map((p) => [p.name, p.next])).toEqual([
      ['setup', 'work'],
      ['work', null],
    ]);
  });

  it('show refuses an ambiguous name and lists the choices (exit 2)', () => {
    const r = runOj(['runbook', 'show', 'fix'], { cwd: project });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pipeline.fix.fix');
    expect(r.stderr).toContain('command.fix.fix');
  });

  it('show of an unknown name exits 2', () => {
    expect(runOj(['runbook', 'show', 'nothing'], { cwd: project }).code).toBe(2);
  });

  it('graph prints the pipeline machine as dot, with a cluster per phase', () => {
    const r = runOj(['runbook', 'graph', 'fix'], { cwd: project });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^digraph "fix\.fix" \{/);
    expect(r.stdout).toContain('subgraph "cluster_pipeline.running.setup"');
    expect(r.stdout).toContain('subgraph "cluster_pipeline.running.work"');
  });

  it('graph --format json has the phases as states and edges between them', () => {
    const r = runOj(['runbook', 'graph', 'fix', '--format', 'json'], { cwd: project });
    const g = JSON.parse(r.stdout) as {
      nodes: { id: string }[];
      edges: { source: string; target: string }[];
    };
    const ids = g.nodes.map((n) => n.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'pipeline.pending',
        'pipeline.running.setup',
        'pipeline.running.work',
        'pipeline.done',
      ]),
    );
    expect(
      g.edges.some(
        (e) =>
          e.source.startsWith('pipeline.running.setup') &&
          e.target.startsWith('pipeline.running.work'),
      ),
    ).toBe(true);
  });

  it('graph of an unknown pipeline exits 2 and names the pipelines', () => {
    const r = runOj(['runbook', 'graph', 'nope'], { cwd: project });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('fix.fix');
  });

  it('unknown subcommands are usage errors with a suggestion', () => {
    const r = runOj(['runbok', 'check'], { cwd: project });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('runbook');
  });
});
