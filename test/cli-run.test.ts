// End-to-end: `oj run` binds arguments exactly as the runbook document's syntax table says, prints
// generated usage for --help, and exits 2 on usage errors — through the real binary.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, runOj } from './helpers/oj.js';

// The command prints each bound value on its own line so the test can read exactly what arrived.
const project = makeProject({
  'cmds.toml': `
[command.deploy]
description = "Deploy services to an environment"
args = "<env> [--tag <version>] [--force] [targets...]"
aliases = { f = "force", t = "tag" }
defaults = { tag = "latest" }
run = "printf 'env=%s\\\\ntag=%s\\\\nforce=%s\\\\ntargets=%s\\\\n' {env} {tag} {force} \\"{targets}\\""

[command.copy]
args = "<files...> --to <dir> [--mode <m>]"
run = "printf '%s|' {files}; printf 'to=%s mode=%s\\\\n' {to} '{mode}'"
defaults = { mode = "644" }

[command.greet]
args = "[name]"
defaults = { name = "world" }
run = "printf 'hello %s\\\\n' {name}"

[command.echo]
args = "[words...]"
run = "printf '[%s]' {words}; echo"
`,
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('oj run binds arguments by the spec', () => {
  it('binds the runbook document example exactly', () => {
    const r = runOj(['run', 'deploy', 'prod', '-t', 'v1.2', '--force', 'api', 'worker'], {
      cwd: project,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('env=prod\ntag=v1.2\nforce=true\ntargets=api worker\n');
  });

  it.each([
    [['deploy', 'prod'], 'env=prod\ntag=latest\nforce=false\ntargets=\n'],
    [['deploy', '--tag=v2', 'staging'], 'env=staging\ntag=v2\nforce=false\ntargets=\n'],
    [['deploy', 'prod', 'a', '-f', 'b'], 'env=prod\ntag=latest\nforce=true\ntargets=a b\n'],
    [['deploy', 'prod', '--', '--force'], 'env=prod\ntag=latest\nforce=false\ntargets=--force\n'],
    [['copy', 'a.txt', 'b.txt', '--to', '/tmp/x'], 'a.txt|b.txt|to=/tmp/x mode=644\n'],
    [['copy', '--to', 'out', 'one', '--mode', '600'], 'one|to=out mode=600\n'],
    [['greet'], 'hello world\n'],
    [['greet', 'ada'], 'hello ada\n'],
    [['echo'], '[]\n'],
    [['echo', 'a b', '$(id)'], '[a b][$(id)]\n'],
  ])('oj run %j prints the bound values', (args, expected) => {
    const r = runOj(['run', ...args], { cwd: project });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(expected);
    expect(r.code).toBe(0);
  });

  it.each([
    [['deploy'], 'missing argument "<env>"'],
    [['deploy', 'prod', '--forc'], 'did you mean "--force"?'],
    [['deploy', 'prod', '-x'], 'unknown flag "-x"'],
    [['deploy', 'prod', '--tag'], '--tag'],
    [['deploy', 'prod', '--force=yes'], '--force'],
    [['copy', '--to', 'x'], '<files...>'],
    [['copy', 'a'], '--to'],
    [['greet', 'a', 'b'], 'too many arguments'],
    [['deploi', 'prod'], 'did you mean "deploy"?'],
  ])('oj run %j is a usage error (exit 2)', (args, fragment) => {
    const r = runOj(['run', ...args], { cwd: project });
    expect(r.code).toBe(2);
    expect(r.stderr.toLowerCase()).toContain(fragment.toLowerCase());
    expect(r.stdout).toBe('');
  });

  it('prints usage generated from the spec for --help, without running the command', () => {
    const r = runOj(['run', 'deploy', '--help'], { cwd: project });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'Usage: oj run deploy <env> [--tag <version>] [--force] [targets...]',
    );
    expect(r.stdout).toContain('Deploy services to an environment');
    expect(r.stdout).toMatch(/-t, --tag <version>.*default: latest/);
    expect(r.stdout).toContain('-f, --force');
    expect(r.stdout).not.toContain('env=');
  });

  it('passes a hostile argument to the shell as data', () => {
    const r = runOj(['run', 'greet', '"; echo pwned; echo "'], { cwd: project });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('hello "; echo pwned; echo "\n');
  });

  it('exits 1 with the exit code when the command itself fails', () => {
    const failing = makeProject({ 'f.toml': '[command.boom]\nrun = "exit 3"\n' });
    const r = runOj(['run', 'boom'], { cwd: failing });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('exited with code 3');
    rmSync(failing, { recursive: true, force: true });
  });

  it('refuses to run when the project has invalid runbooks, listing the problems (exit 2)', () => {
    const broken = makeProject({ 'b.toml': '[command.x]\nrun = "true"\nrun_as = "root"\n' });
    const r = runOj(['run', 'x'], { cwd: broken });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('.oj/runbooks/b.toml:3:1');
    expect(r.stderr).toContain('unknown key "run_as"');
    rmSync(broken, { recursive: true, force: true });
  });
});
