import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  claudeHookSettings,
  hasControlOperator,
  planLaunch,
  resolveProgram,
  shellQuote,
  splitLeadingWords,
} from './launch.js';
import type { LaunchInput } from './launch.js';

const PATH = '/usr/local/bin:/usr/bin:/bin';

function input(over: Partial<LaunchInput>): LaunchInput {
  return {
    command: 'sh',
    driver: 'generic',
    cwd: '/',
    env: { PATH },
    settingsPath: '/a/settings.json',
    socketPath: '/a/s.sock',
    hookToken: 'tok',
    ...over,
  };
}

describe('planLaunch', () => {
  it('execs the command through sh with the prompt as one quoted argument', () => {
    const plan = planLaunch(input({ command: `sh -c 'echo "$0"'`, prompt: "it's a 'test' $HOME" }));
    expect(plan.file).toBe('/bin/sh');
    expect(plan.args).toEqual(['-c', `exec sh -c 'echo "$0"' 'it'\\''s a '\\''test'\\'' $HOME'`]);
    const run = spawnSync(plan.file, plan.args, { encoding: 'utf8', env: plan.env });
    expect(run.stdout).toBe("it's a 'test' $HOME\n");
  });

  it('puts leading variable assignments before exec', () => {
    const plan = planLaunch(input({ command: `FOO=1 BAR="a b" sh -c 'echo "$FOO $BAR"'` }));
    expect(plan.args[1]).toBe(`FOO=1 BAR="a b" exec sh -c 'echo "$FOO $BAR"'`);
    expect(spawnSync(plan.file, plan.args, { encoding: 'utf8' }).stdout).toBe('1 a b\n');
  });

  it('keeps the shell for a compound command, appending to its last command', () => {
    const plan = planLaunch(input({ command: 'cd / && sh -c \'echo "$0 $PWD"\'', prompt: 'p' }));
    expect(plan.args[1]).toBe(`cd / && sh -c 'echo "$0 $PWD"' p`);
    expect(spawnSync(plan.file, plan.args, { encoding: 'utf8' }).stdout).toBe('p /\n');
  });

  it('gives the agent the socket, a hook token and a TERM', () => {
    expect(planLaunch(input({})).env).toEqual({
      PATH,
      TERM: 'xterm-256color',
      OJ_SESSION_SOCK: '/a/s.sock',
      OJ_HOOK_TOKEN: 'tok',
    });
  });

  it('injects the session id and the hook settings for claude', () => {
    const plan = planLaunch(input({ driver: 'claude', sessionId: 'u-1', prompt: 'do it' }));
    expect(plan.args[1]).toBe("exec sh --session-id u-1 --settings /a/settings.json 'do it'");
    expect(plan.sessionId).toBe('u-1');
  });

  it('resumes claude by id, without a second session id', () => {
    const plan = planLaunch(input({ driver: 'claude', sessionId: 'u-1', resumeSessionId: 'old' }));
    expect(plan.args[1]).toBe('exec sh --resume old --settings /a/settings.json');
    expect(plan.sessionId).toBe('old');
  });

  it('refuses a claude command that brings its own --session-id', () => {
    expect(() => planLaunch(input({ driver: 'claude', command: 'sh --session-id x' }))).toThrow(
      /passes its own --session-id; oj injects one per session/,
    );
  });

  it('fails fast, naming the program and PATH, when the program is missing', () => {
    expect(() =>
      planLaunch(input({ command: 'no-such-agent-cli --x', env: { PATH: '/nowhere' } })),
    ).toThrow(
      `agent command "no-such-agent-cli" was not found on PATH (/nowhere); install it or fix the agent's command in the runbook`,
    );
  });
});

describe('resolveProgram', () => {
  it('finds a name on PATH and a path relative to the cwd, executable files only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-launch-'));
    writeFileSync(join(dir, 'agent'), '#!/bin/sh\n');
    chmodSync(join(dir, 'agent'), 0o755);
    writeFileSync(join(dir, 'notes'), '');
    expect(resolveProgram('agent', `/nowhere:${dir}`, '/')).toBe(join(dir, 'agent'));
    expect(resolveProgram('./agent', PATH, dir)).toBe(join(dir, 'agent'));
    expect(() => resolveProgram('notes', dir, '/')).toThrow(/"notes" was not found/);
  });
});

describe('splitLeadingWords', () => {
  it.each([
    ['claude --model x', [], 'claude'],
    ["'/opt/my agent/bin' -v", [], '/opt/my agent/bin'],
    ['A=1 B=2 node x.js', ['A=1', 'B=2'], 'node'],
    ['$AGENT --x', [], ''],
  ])('%s', (command, assignments, program) => {
    expect(splitLeadingWords(command)).toMatchObject({ assignments, program });
  });
});

describe('claudeHookSettings', () => {
  it('runs the hook script with absolute, quoted paths and a 2 s timeout', () => {
    const settings = claudeHookSettings('/usr/bin/node', '/opt/o j/dist/session-hook.js') as {
      hooks: Record<string, unknown>;
    };
    expect(settings.hooks.PreToolUse).toEqual([
      {
        hooks: [
          {
            type: 'command',
            command: "/usr/bin/node '/opt/o j/dist/session-hook.js' PreToolUse",
            timeout: 2,
          },
        ],
      },
    ]);
  });
});

describe('hasControlOperator', () => {
  it.each([
    ['claude --x', false],
    ['a && b', true],
    ['a; b', true],
    ['a | b', true],
    [`echo 'a;b' "c|d" e\\;f`, false],
  ])('%s → %s', (command, expected) => {
    expect(hasControlOperator(command)).toBe(expected);
  });
});

describe('shellQuote', () => {
  it('leaves plain words alone and quotes the rest', () => {
    expect(shellQuote('abc-1.2/x')).toBe('abc-1.2/x');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("a'b")).toBe("'a'\\''b'");
  });
});
