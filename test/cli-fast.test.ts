// `oj status` answers from the CLI's fast path (dist/oj-fast.cjs, chosen by bin/oj.cjs): the same
// output, errors and exit codes as the full CLI (dist/oj.js), and anything it does not recognise
// exactly still reaches the full CLI.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, cleanEnv, makeProject, runOj } from './helpers/oj.js';
import type { OjResult } from './helpers/oj.js';

const FULL_CLI = join(REPO_ROOT, 'dist', 'oj.js');
const state = mkdtempSync(join(tmpdir(), 'oj-fast-state-'));
const project = makeProject({
  'jobs.toml':
    '[queue.jobs]\n\n[worker.w]\nqueue = "jobs"\nhandler = "pipeline.job"\n\n' +
    '[pipeline.job]\n[[pipeline.job.phase]]\nname = "only"\nrun = "true"\n',
});
const env = { OJ_STATE_DIR: state };

/** The same command through the full CLI, skipping the fast path. */
function fullCli(args: string[], cwd = project): OjResult {
  const r = spawnSync(process.execPath, [FULL_CLI, ...args], {
    cwd,
    env: { ...cleanEnv(), ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

afterAll(() => {
  runOj(['daemon', 'stop', '--kill'], { cwd: project, env });
  rmSync(state, { recursive: true, force: true });
  rmSync(project, { recursive: true, force: true });
});

describe('oj status on the fast path', () => {
  it('is taken for exactly the status command lines it knows', () => {
    const require = createRequire(import.meta.url);
    const { fastCommand } = require(join(REPO_ROOT, 'dist', 'oj-fast.cjs')) as {
      fastCommand: (argv: string[]) => unknown;
    };
    for (const argv of [['status'], ['status', '-o', 'json'], ['status', '--output=text']])
      expect(fastCommand(argv), argv.join(' ')).toBeTypeOf('function');
    for (const argv of [
      [],
      ['status', '--help'],
      ['status', '-o', 'yaml'],
      ['status', 'extra'],
      ['status', '-o'],
      ['pipeline', 'list'],
      ['--version'],
    ])
      expect(fastCommand(argv), argv.join(' ')).toBeNull();
  });

  it('starts the daemon when none runs, like every command that needs it', () => {
    const first = runOj(['status'], { cwd: project, env });
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain('pipelines: none');
    expect(runOj(['daemon', 'status'], { cwd: project, env }).code).toBe(0);
  });

  it('prints what the full CLI prints, as text and as JSON', () => {
    expect(runOj(['queue', 'add', 'jobs', 'n=1'], { cwd: project, env }).code).toBe(0);
    for (const args of [
      ['status'],
      ['status', '-o', 'json'],
      ['status', '--output', 'json'],
      ['status', '--output=json'],
      ['status', '-o', 'text'],
    ]) {
      const fast = runOj(args, { cwd: project, env });
      expect(fast.code, args.join(' ')).toBe(0);
      expect(fast.stdout, args.join(' ')).toBe(fullCli(args).stdout);
    }
    const json = JSON.parse(runOj(['status', '-o', 'json'], { cwd: project, env }).stdout);
    expect(json.queues).toEqual([expect.objectContaining({ name: 'jobs' })]);
  });

  it('fails outside a project with the full CLI’s message and exit code', () => {
    const outside = mkdtempSync(join(tmpdir(), 'oj-fast-outside-'));
    try {
      const fast = runOj(['status'], { cwd: outside, env });
      expect(fast.code).toBe(2);
      expect(fast.stderr).toMatch(/^oj: no project here/);
      expect(fast).toEqual(fullCli(['status'], outside));
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('leaves anything else to the full CLI', () => {
    const bad = runOj(['status', '-o', 'yaml'], { cwd: project, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Allowed choices are text, json');
    const help = runOj(['status', '--help'], { cwd: project, env });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: oj status');
    expect(runOj(['status', 'extra'], { cwd: project, env }).code).toBe(2);
  });
});
