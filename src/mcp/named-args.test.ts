// Named arguments bind exactly as the equivalent `oj run` argv would, through the runbook's bindArgs.
import { describe, expect, it } from 'vitest';
import { bindArgs } from '../runbook/index.js';
import type { ArgSpec } from '../runbook/index.js';
import { toArgv } from './named-args.js';
import type { NamedArgs } from './named-args.js';

// `<env> [region] [--tag <version>] [--force] [--dry-run] [targets...]`, defaults tag=latest.
const DEPLOY: ArgSpec = {
  source: '<env> [region] [--tag <version>] [--force] [--dry-run] [targets...]',
  positionals: [
    { name: 'env', required: true, variadic: false },
    { name: 'region', required: false, variadic: false, default: 'eu' },
    { name: 'targets', required: false, variadic: true },
  ],
  flags: [
    {
      name: 'tag',
      takesValue: true,
      valueName: 'version',
      required: false,
      short: ['t'],
      default: 'latest',
    },
    { name: 'force', takesValue: false, required: false, short: ['f'] },
    { name: 'dry-run', takesValue: false, required: false, short: [] },
  ],
};

const bind = (named: NamedArgs) => {
  const argv = toArgv(DEPLOY, named, 'deploy');
  if (!argv.ok) throw new Error(argv.message);
  const bound = bindArgs(DEPLOY, argv.argv, 'deploy');
  if (!bound.ok) throw new Error(bound.error.message);
  return bound.args;
};

describe('toArgv', () => {
  it('binds named values like the same words typed after oj run', () => {
    const named = bind({ env: 'prod', tag: 'v1', force: true, region: 'us', targets: ['a', 'b'] });
    const typed = bindArgs(DEPLOY, ['prod', 'us', '--tag', 'v1', '-f', 'a', 'b'], 'deploy');
    expect(typed.ok && typed.args).toEqual(named);
    expect(named).toEqual({
      env: 'prod',
      region: 'us',
      targets: ['a', 'b'],
      tag: 'v1',
      force: true,
      'dry-run': false,
    });
  });

  it('applies the defaults of what is left out', () => {
    expect(bind({ env: 'prod' })).toMatchObject({ env: 'prod', region: 'eu', tag: 'latest' });
  });

  it('keeps values that start with a dash as values', () => {
    expect(bind({ env: '-x', tag: '--weird' })).toMatchObject({ env: '-x', tag: '--weird' });
  });

  it('fills a left-out positional with its default when a later one is given', () => {
    expect(bind({ env: 'prod', targets: ['api'] })).toMatchObject({
      region: 'eu',
      targets: ['api'],
    });
  });

  it('accepts "_" for "-" in flag names, and true/false as strings', () => {
    expect(bind({ env: 'prod', dry_run: 'true', force: false })).toMatchObject({
      'dry-run': true,
      force: false,
    });
  });

  it('turns numbers into strings', () => {
    expect(bind({ env: 3, tag: 1.5 })).toMatchObject({ env: '3', tag: '1.5' });
  });

  it.each([
    [{ env: 'prod', forse: true }, 'has no argument "forse"; did you mean "force"?'],
    [{ env: 'prod', force: 'yes' }, 'flag "force" of "deploy" is on or off'],
    [{ env: 'prod', tag: ['a'] }, 'flag "tag" of "deploy" takes one value'],
    [{ env: ['a', 'b'] }, '"env" of "deploy" takes one value, not a list'],
    [{ env: true }, '"env" of "deploy" is a value, not true/false'],
  ] as [NamedArgs, string][])('refuses %j with a message saying what to give', (named, message) => {
    const result = toArgv(DEPLOY, named, 'deploy');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain(message);
  });

  it('refuses a later positional when an earlier one without a default is missing', () => {
    const spec: ArgSpec = {
      source: '[a] [b]',
      positionals: [
        { name: 'a', required: false, variadic: false },
        { name: 'b', required: false, variadic: false },
      ],
      flags: [],
    };
    const result = toArgv(spec, { b: 'x' }, 'pair');
    expect(!result.ok && result.message).toBe('"b" of "pair" comes after "a": give "a" too');
  });
});
