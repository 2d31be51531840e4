// Specs for scenario parsing: defaults, strictness with key paths, and turn matching.
import { describe, expect, it } from 'vitest';
import { matchesTurn, parseScenario } from './scenario.js';

describe('parseScenario', () => {
  it('fills in defaults for an empty scenario', () => {
    const scenario = parseScenario('', 'empty.toml');
    expect(scenario.agent).toMatchObject({
      trusted: true,
      enter_in_paste: true,
      clock_step_ms: 1000,
    });
    expect(scenario.timing).toMatchObject({
      idle_notification_ms: 0,
      permission_notification_ms: 0,
    });
    expect(scenario.turn).toEqual([]);
  });

  it('tags each step with its kind, nested on_deny lists included', () => {
    const scenario = parseScenario(
      '[[turn]]\non = "*"\nsteps = [{ run = "x", permission = "ask", on_deny = [{ say = "no" }] }]\n',
      's.toml',
    );
    expect(scenario.turn[0]?.steps[0]).toEqual({
      kind: 'run',
      run: 'x',
      permission: 'ask',
      on_deny: [{ kind: 'say', say: 'no' }],
    });
  });

  it.each([
    ['[timing]\nidle_ms = 1\n', 'timing.idle_ms: unknown key'],
    ['[[turn]]\non = "*"\nsteps = [{ say = 1 }]\n', 'turn[0].steps[0].say: Invalid input'],
    [
      '[[turn]]\non = { regex = "(" }\nsteps = []\n',
      'turn[0].on.regex: not a valid regular expression',
    ],
    [
      '[[turn]]\non = "*"\nsteps = [{ run = "x", on_deny = [{ sey = "typo" }] }]\n',
      'turn[0].steps[0].on_deny[0]: a step is a table with exactly one kind key',
    ],
    ['[[turn]]\non = "*"\nsteps = [{ error = "quota" }]\n', 'turn[0].steps[0].error'],
    ['[agent\n', 'invalid TOML'],
  ])('rejects %j naming "%s"', (text, message) => {
    expect(() => parseScenario(text, 'bad.toml')).toThrow(message);
  });
});

describe('matchesTurn', () => {
  it.each([
    ['*', 'anything', true],
    [{ contains: 'fix' }, 'please fix it', true],
    [{ contains: 'fix' }, 'break it', false],
    [{ exact: 'go' }, ' go ', true],
    [{ exact: 'go' }, 'go on', false],
    [{ regex: '^impl' }, 'implement x', true],
  ] as const)('matches %j against %j: %s', (on, message, expected) => {
    expect(matchesTurn(on, message)).toBe(expected);
  });
});
