// Specs for the `args` grammar: reading a spec (and its issues), binding `oj run` argv, and the
// usage text printed by `oj run <command> --help`.
import { describe, expect, it } from 'vitest';
import { bindArgs, formatUsage, formatUsageLine, parseArgSpec } from './args.js';
import type { ArgSpec, BoundArgs } from './types.js';

type Aliases = Record<string, string>;
type Defaults = Record<string, string | number | boolean>;

/** A spec that must read without issues. */
function specOf(source: string, aliases: Aliases = {}, defaults: Defaults = {}): ArgSpec {
  const { spec, issues } = parseArgSpec(source, aliases, defaults);
  expect(issues).toEqual([]);
  return spec;
}

function bound(spec: ArgSpec, argv: string[]): BoundArgs {
  const result = bindArgs(spec, argv, 'demo');
  if (!result.ok)
    throw new Error(`expected ${JSON.stringify(argv)} to bind: ${result.error.message}`);
  return result.args;
}

// The runbook document's example command.
const DEPLOY_ARGS = '<env> [--tag <version>] [--force] [targets...]';
const deploy = () => specOf(DEPLOY_ARGS, { f: 'force', t: 'tag' }, { tag: 'latest' });

describe('parseArgSpec', () => {
  it('reads the document example into positionals and flags with aliases and defaults', () => {
    expect(deploy()).toEqual({
      source: DEPLOY_ARGS,
      positionals: [
        { name: 'env', required: true, variadic: false },
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
      ],
    });
  });

  // prettier-ignore
  it.each([
    ['<env>', { name: 'env', required: true, variadic: false }],
    ['[env]', { name: 'env', required: false, variadic: false }],
    ['<files...>', { name: 'files', required: true, variadic: true }],
    ['[files...]', { name: 'files', required: false, variadic: true }],
    ['< spaced_name-2 >', { name: 'spaced_name-2', required: true, variadic: false }],
  ])('reads the positional %j', (source, positional) => {
    expect(specOf(source).positionals).toEqual([positional]);
  });

  // prettier-ignore
  it.each([
    ['--force', { name: 'force', takesValue: false, required: false, short: [] }],
    ['[--force]', { name: 'force', takesValue: false, required: false, short: [] }],
    ['--dry-run', { name: 'dry-run', takesValue: false, required: false, short: [] }],
    ['--tag <v>', { name: 'tag', takesValue: true, valueName: 'v', required: true, short: [] }],
    ['--tag<v>', { name: 'tag', takesValue: true, valueName: 'v', required: true, short: [] }],
    ['[--tag <v>]', { name: 'tag', takesValue: true, valueName: 'v', required: false, short: [] }],
  ])('reads the flag %j', (source, flag) => {
    expect(specOf(source).flags).toEqual([flag]);
  });

  it('makes a value flag with a default optional and turns number defaults into strings', () => {
    const spec = specOf('--retries <n> [item]', {}, { retries: 3, item: 7 });
    expect(spec.flags[0]).toMatchObject({ name: 'retries', required: false, default: '3' });
    expect(spec.positionals[0]).toMatchObject({ name: 'item', default: '7' });
  });

  it('accepts an alias key written with its dash and gives a flag several letters', () => {
    const spec = specOf('--force', { '-f': 'force', F: 'force' });
    expect(spec.flags[0]?.short).toEqual(['f', 'F']);
  });

  it('reads an empty spec as no arguments', () => {
    expect(specOf('  ')).toEqual({ source: '  ', positionals: [], flags: [] });
  });

  // prettier-ignore
  it.each<[string, string, Aliases, Defaults, string, number | undefined]>([
    ['unclosed "<"', '<env [--force]', {}, {}, 'unclosed "<" in "<env"; close it with ">"', 0],
    ['unclosed "["', '<env> [--tag <v>', {}, {}, 'unclosed "[" in "[--tag"; close it with "]"', 6],
    ['unclosed "<" inside "["', '[--tag <v]', {}, {}, 'unclosed "<" in "[--tag <v]"', 7],
    ['unclosed "<" of a value', '--tag <v', {}, {}, 'unclosed "<" in "<v"', 6],
    ['unmatched ">"', '<env>>', {}, {}, 'unmatched ">"; remove it or open it with "<"', 5],
    ['unmatched "]"', '<env>]', {}, {}, 'unmatched "]"; remove it or open it with "["', 5],
    ['empty "<>"', '<env> <>', {}, {}, 'empty name in "<>"; put a name in it', 6],
    ['empty "[...]"', '[...]', {}, {}, 'empty name in "[...]"', 0],
    ['empty flag name', '[--]', {}, {}, 'empty name in "[--]"', 0],
    ['empty value name', '--tag <>', {}, {}, 'empty name in "--tag <>"', 0],
    ['invalid positional name', '<1env>', {}, {}, 'invalid name "1env" in "<1env>"; names start with a letter', 0],
    ['invalid flag name', '--ta.g', {}, {}, 'invalid name "ta.g"', 0],
    ['invalid value name', '[--tag <my version>]', {}, {}, 'invalid name "my version"', 0],
    ['duplicate positionals', '<env> [env]', {}, {}, 'duplicate name "env": "[env]" repeats "<env>"; rename one', 6],
    ['a flag named like a positional', '<env> --env <e>', {}, {}, 'duplicate name "env": "--env <e>" repeats "<env>"', 6],
    ['a variadic before the last positional', '<files...> <out>', {}, {}, 'variadic "<files...>" must be the last positional; move it to the end', 0],
    ['a required positional after an optional one', '[a] <b>', {}, {}, 'required "<b>" follows optional "[a]"; move it before "[a]"', 4],
    ['two variadics', '<a...> [b...]', {}, {}, 'more than one variadic: "<a...>" and "[b...]"; keep only one', 7],
    ['a stray word', '<env> foo', {}, {}, 'stray "foo" in args; write <foo> for a required positional', 6],
    ['a stray short flag', '<env> -x', {}, {}, 'stray "-x" in args; write flags as "--name"', 6],
    ['a bracketed short flag', '[-x]', {}, {}, 'stray "-x" in args', 0],
    ['a flag named --help', '[--help]', {}, {}, '"--help" is reserved', 0],
    ['an alias key of two letters', '--force', { fo: 'force' }, {}, 'alias "fo" is not a single letter; write e.g. f = "force"', undefined],
    ['an alias key that is a digit', '--force', { '1': 'force' }, {}, 'alias "1" is not a single letter', undefined],
    ['an alias for -h', '--force', { h: 'force' }, {}, 'alias "h" is reserved for -h, --help', undefined],
    ['two aliases for one letter', '--force --fast', { f: 'force', '-f': 'fast' }, {}, 'aliases "f" and "-f" both claim "-f"; keep one', undefined],
    ['an alias for a positional', '<env>', { e: 'env' }, {}, 'alias "e" targets positional "env"; aliases are for flags only', undefined],
    ['an alias for an unknown flag', '--force', { x: 'nothing' }, {}, 'alias "x" targets unknown flag "nothing"; name a flag declared in args', undefined],
    ['a default for an unknown name', '<env>', {}, { zone: 'eu' }, 'default for unknown argument "zone"; declare it in args', undefined],
    ['a non-boolean default of a boolean flag', '--force', {}, { force: 'yes' }, 'default for boolean flag "--force" is "yes"; use true or false', undefined],
    ['a boolean default of a value flag', '[--tag <v>]', {}, { tag: true }, 'default for "--tag <v>" is true; use a string or number', undefined],
    ['a boolean default of a positional', '[env]', {}, { env: false }, 'default for "[env]" is false; use a string', undefined],
    ['a default for a required positional', '<env>', {}, { env: 'dev' }, 'required positional "<env>" cannot have a default; write [env]', undefined],
    ['a default for a variadic', '[files...]', {}, { files: 'a' }, 'variadic "[files...]" cannot have a default', undefined],
  ])('reports %s', (_kind, source, aliases, defaults, fragment, offset) => {
    const { issues } = parseArgSpec(source, aliases, defaults);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toContain(fragment);
    expect(issues[0]?.offset).toBe(offset);
  });

  // prettier-ignore
  it.each<[string, string, Aliases, Defaults, string]>([
    ['an alias target', '--force --tag <v>', { f: 'forse' }, {}, 'did you mean "force"?'],
    ['a default for a flag', '<env> [--tag <v>]', {}, { tg: 'x' }, 'did you mean "tag"?'],
    ['a default for a positional', '<env> [--tag <v>]', {}, { envv: 'x' }, 'did you mean "env"?'],
  ])('suggests the closest name for %s', (_title, source, aliases, defaults, hint) => {
    expect(parseArgSpec(source, aliases, defaults).issues[0]?.hint).toBe(hint);
  });

  it('still returns the parts it could read alongside the issues', () => {
    const { spec, issues } = parseArgSpec('<env> foo [--force]');
    expect(issues).toHaveLength(1);
    expect(spec.positionals.map((p) => p.name)).toEqual(['env']);
    expect(spec.flags.map((f) => f.name)).toEqual(['force']);
  });
});

describe('bindArgs', () => {
  // prettier-ignore
  it.each<[string, string[], BoundArgs]>([
    ['the document example', ['prod', '-t', 'v1.2', '--force', 'api', 'worker'], { env: 'prod', tag: 'v1.2', force: true, targets: ['api', 'worker'] }],
    ['defaults when only <env> is given', ['prod'], { env: 'prod', tag: 'latest', force: false, targets: [] }],
    ['one target', ['prod', 'api'], { env: 'prod', tag: 'latest', force: false, targets: ['api'] }],
    ['flags before positionals', ['--force', '--tag', 'v2', 'prod', 'api'], { env: 'prod', tag: 'v2', force: true, targets: ['api'] }],
    ['flags between and after positionals', ['prod', 'api', '-f', 'web', '--tag=v3'], { env: 'prod', tag: 'v3', force: true, targets: ['api', 'web'] }],
    ['combined shorts with the value letter last', ['prod', '-ft', 'v4'], { env: 'prod', tag: 'v4', force: true, targets: [] }],
    ['everything after -- as positionals', ['prod', '--', '--force', '-t', 'x'], { env: 'prod', tag: 'latest', force: false, targets: ['--force', '-t', 'x'] }],
    ['a flag-like word after a leading --', ['--', '-f'], { env: '-f', tag: 'latest', force: false, targets: [] }],
    ['the last of a repeated value flag', ['prod', '-t', 'a', '--tag', 'b'], { env: 'prod', tag: 'b', force: false, targets: [] }],
  ])('binds %s', (_title, argv, args) => {
    expect(bound(deploy(), argv)).toEqual(args);
  });

  // prettier-ignore
  it.each<[string, string[], BoundArgs, string, Aliases?, Defaults?]>([
    ['<name>', ['prod'], { env: 'prod' }, '<env>'],
    ['<name>', ['-'], { env: '-' }, '<env>'],
    ['<name>', ['-5'], { n: '-5' }, '<n>'],
    ['[name]', ['x'], { a: 'x' }, '<a> [b]'],
    ['[name]', ['x', 'y'], { a: 'x', b: 'y' }, '<a> [b]'],
    ['[name]', [], { b: 'fallback' }, '[b]', {}, { b: 'fallback' }],
    ['<files...>', ['a.ts'], { files: ['a.ts'] }, '<files...>'],
    ['<files...>', ['o', 'a', 'b', '-3'], { out: 'o', files: ['a', 'b', '-3'] }, '<out> <files...>'],
    ['[files...]', [], { files: [] }, '[files...]'],
    ['[files...]', ['a', 'b'], { files: ['a', 'b'] }, '[files...]'],
    ['--flag', [], { force: false }, '--force'],
    ['--flag', ['--force'], { force: true }, '--force'],
    ['--flag', [], { force: true }, '--force', {}, { force: true }],
    ['[--flag]', [], { force: false }, '[--force]'],
    ['[--flag]', ['--dry-run'], { force: false, 'dry-run': true }, '[--force] [--dry-run]'],
    ['--opt <val>', ['--tag', 'v1'], { tag: 'v1' }, '--tag <v>'],
    ['--opt <val>', ['--tag=a=b'], { tag: 'a=b' }, '--tag <v>'],
    ['--opt <val>', ['--tag='], { tag: '' }, '--tag <v>'],
    ['--opt <val>', ['--offset', '-1'], { offset: '-1' }, '--offset <n>'],
    ['[--opt <val>]', [], {}, '[--tag <v>]'],
    ['[--opt <val>]', ['--tag', 'v2'], { tag: 'v2' }, '[--tag <v>]'],
    ['[--opt <val>]', [], { tag: '5' }, '[--tag <v>]', {}, { tag: 5 }],
    ['-f', ['-f'], { force: true }, '--force', { f: 'force' }],
    ['-f', ['-t', 'v1'], { tag: 'v1' }, '[--tag <v>]', { t: 'tag' }],
    ['-f', ['-t=v1'], { tag: 'v1' }, '[--tag <v>]', { t: 'tag' }],
    ['-f', ['-fv', 'y'], { force: true, verbose: true, x: 'y' }, '--force --verbose [x]', { f: 'force', v: 'verbose' }],
  ])('binds %s given %j as %j', (_pattern, argv, args, source, aliases, defaults) => {
    expect(bound(specOf(source, aliases, defaults), argv)).toEqual(args);
  });

  // prettier-ignore
  it.each<[string, string, Aliases, string[], string, string[]]>([
    ['a missing required positional', '<env> [--force]', {}, [], 'MISSING_ARGUMENT', ['missing argument "<env>"', 'Usage: oj run demo <env> [--force]']],
    ['a missing second positional', '<a> <b>', {}, ['x'], 'MISSING_ARGUMENT', ['missing argument "<b>"']],
    ['a missing required variadic', '<files...>', {}, [], 'MISSING_ARGUMENT', ['missing argument "<files...>": give at least one', 'Usage: oj run demo <files...>']],
    ['a missing required value flag', '--tag <v>', {}, [], 'MISSING_ARGUMENT', ['missing flag "--tag <v>"', 'Usage: oj run demo --tag <v>']],
    ['a misspelt long flag', '--force', {}, ['--forse'], 'UNKNOWN_FLAG', ['unknown flag "--forse"; did you mean "--force"?']],
    ['an unrelated long flag', '--force', {}, ['--zzz'], 'UNKNOWN_FLAG', ['unknown flag "--zzz"\nUsage: oj run demo [--force]']],
    ['an unknown short flag', '--force', { f: 'force' }, ['-x'], 'UNKNOWN_FLAG', ['unknown flag "-x"; short flags are -f']],
    ['an unknown letter in combined shorts', '--force', { f: 'force' }, ['-fx'], 'UNKNOWN_FLAG', ['unknown flag "-x" in "-fx"']],
    ['a value flag at the end', '[--tag <v>]', {}, ['--tag'], 'MISSING_VALUE', ['flag "--tag" needs a value: --tag <v>']],
    ['a short value flag at the end', '[--tag <v>]', { t: 'tag' }, ['-t'], 'MISSING_VALUE', ['flag "-t" needs a value: -t <v>']],
    ['a value letter before the last in combined shorts', '--force [--tag <v>]', { f: 'force', t: 'tag' }, ['-tf', 'x'], 'MISSING_VALUE', ['flag "-t" takes a value, so it must come last in "-tf"']],
    ['too many positionals', '<a> [b]', {}, ['1', '2', '3', '4'], 'TOO_MANY_ARGUMENTS', ['too many arguments: "3" has no place', 'Usage: oj run demo <a> [b]']],
    ['any positional for a spec with none', '[--force]', {}, ['x'], 'TOO_MANY_ARGUMENTS', ['"x" has no place']],
    ['--force=yes', '--force', {}, ['--force=yes'], 'UNEXPECTED_VALUE', ['flag "--force" takes no value but was given "yes"; write --force alone']],
    ['-f=yes', '--force', { f: 'force' }, ['-f=yes'], 'UNEXPECTED_VALUE', ['flag "-f" takes no value']],
  ])('fails on %s', (_title, source, aliases, argv, code, fragments) => {
    const result = bindArgs(specOf(source, aliases), argv, 'demo');
    expect(result).toMatchObject({ ok: false, error: { code } });
    const message = result.ok ? '' : result.error.message;
    for (const fragment of fragments) expect(message).toContain(fragment);
  });

  it('names a placeholder command in the usage line when none is given', () => {
    const result = bindArgs(specOf('<env>'), []);
    expect(result.ok ? '' : result.error.message).toContain('Usage: oj run <command> <env>');
  });
});

describe('formatUsage', () => {
  // prettier-ignore
  it.each<[string, string, Defaults, string]>([
    ['the document example', DEPLOY_ARGS, { tag: 'latest' }, 'Usage: oj run deploy <env> [--tag <version>] [--force] [targets...]'],
    ['flags before a required variadic', '<files...> --fix', {}, 'Usage: oj run deploy [--fix] <files...>'],
    ['a required value flag after the required positionals', '--tag <v> <env>', {}, 'Usage: oj run deploy <env> --tag <v>'],
    ['a value flag made optional by its default', '--tag <v>', { tag: 'x' }, 'Usage: oj run deploy [--tag <v>]'],
    ['no arguments', '', {}, 'Usage: oj run deploy'],
  ])('writes the usage line for %s', (_title, source, defaults, line) => {
    expect(formatUsageLine('deploy', specOf(source, {}, defaults))).toBe(line);
  });

  it('prints usage, description, aligned arguments and options, and help last', () => {
    const text = formatUsage('deploy', deploy(), 'Ship a build to an environment.');
    expect(text.split('\n')).toEqual([
      'Usage: oj run deploy <env> [--tag <version>] [--force] [targets...]',
      '',
      'Ship a build to an environment.',
      '',
      'Arguments:',
      '  <env>                required',
      '  [targets...]         optional, zero or more',
      '',
      'Options:',
      '  -t, --tag <version>  (default: latest)',
      '  -f, --force',
      '  -h, --help           Show this help',
    ]);
  });

  it('marks required flags and defaults, and lines up flags without a short letter', () => {
    const spec = specOf('<out> [mode] [files...] --token <t> [--dry-run]', {}, { mode: 'a b' });
    const lines = formatUsage('build', spec).split('\n');
    expect(lines.slice(1, 3)).toEqual(['', 'Arguments:']); // no description given
    expect(lines).toContain('  [mode]           optional (default: "a b")');
    expect(lines).toContain('  [files...]       optional, zero or more');
    expect(lines).toContain('      --token <t>  required');
    expect(lines).toContain('      --dry-run');
    expect(lines.at(-1)).toBe('  -h, --help       Show this help');
  });

  it('says a required variadic needs one or more', () => {
    expect(formatUsage('lint', specOf('<files...>'))).toContain(
      '  <files...>  required, one or more',
    );
  });

  it('leaves out the Arguments section when there are no positionals', () => {
    const text = formatUsage('sync', specOf('[--force]'));
    expect(text).not.toContain('Arguments:');
    expect(text).toContain('Options:\n      --force\n  -h, --help   Show this help');
  });
});
