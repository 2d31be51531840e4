// Specs for `{var}` placeholders: what counts as one, text substitution, and shell substitution —
// including hostile values run through real shells to prove they arrive as data, never as code.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  InterpolationError,
  findPlaceholders,
  interpolateShell,
  interpolateText,
} from './interpolate.js';

const SHELLS = ['/bin/sh', '/bin/bash'].filter((shell) => existsSync(shell));

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'oj-interp-'));
  dirs.push(dir);
  return dir;
}

function run(
  shell: string,
  script: string,
  cwd: string,
): { stdout: string; status: number | null } {
  const result = spawnSync(shell, ['-c', script], {
    cwd,
    encoding: 'utf8',
    timeout: 10_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent-home' },
  });
  return { stdout: result.stdout, status: result.status };
}

function errorOf(fn: () => unknown): InterpolationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InterpolationError) return error;
    throw error;
  }
  throw new Error('expected an InterpolationError');
}

describe('findPlaceholders', () => {
  it('reports path, root and offsets of each placeholder', () => {
    expect(findPlaceholders('fix {bug.description} in {workspace}')).toEqual([
      { path: 'bug.description', root: 'bug', start: 4, end: 21 },
      { path: 'workspace', root: 'workspace', start: 25, end: 36 },
    ]);
  });

  it.each([
    ["awk '{print $1}'"],
    ['echo {a,b}'],
    ['echo {1..3}'],
    ['echo ${HOME} ${issue_id}'],
    ['{{ name }} and {{name}}'],
    ['echo \\{escaped}'],
    ['echo { spaced }'],
    ['{.x} {1x} {a..b} {a.} {}'],
  ])('finds nothing in %j', (text) => {
    expect(findPlaceholders(text)).toEqual([]);
  });

  it.each([
    ['{a-b}', ['a-b']],
    ['{_x.y-z.0}', ['_x.y-z.0']],
    ['{a}{b}', ['a', 'b']],
    ['\\\\{a}', ['a']],
    ['{{a}', ['a']],
    ['pipeline:{after}:merged', ['after']],
  ])('finds the placeholders in %j', (text, paths) => {
    expect(findPlaceholders(text).map((p) => p.path)).toEqual(paths);
  });
});

describe('interpolateText', () => {
  it.each([
    ['pipeline:{after}:merged', { after: 'p-1' }, 'pipeline:p-1:merged'],
    ['{workspace}/src', { workspace: '/w/ws-1' }, '/w/ws-1/src'],
    ['Fix: {bug.description}', { bug: { description: "it's $(broken)" } }, "Fix: it's $(broken)"],
    ['{n} {ok} {tags}', { n: 3, ok: false, tags: ['a', 'b'] }, '3 false a b'],
    ['{o}', { o: { a: [1] } }, '{"a":[1]}'],
    ['{issues.0.id}', { issues: [{ id: 'i-1' }] }, 'i-1'],
    ['{e}|', { e: '' }, '|'],
    ['{{x}} ${y} {z', {}, '{{x}} ${y} {z'],
  ])('renders %j', (text, vars, expected) => {
    expect(interpolateText(text, vars)).toBe(expected);
  });

  it('names the missing variable and the ones available', () => {
    const error = errorOf(() => interpolateText('{bug.title}', { zed: 1, bug: 'x', gone: null }));
    expect(error.code).toBe('UNKNOWN_VARIABLE');
    expect(error.path).toBe('bug.title');
    expect(error.message).toBe('unknown variable "{bug.title}" in text; none are available');
    const missingRoot = errorOf(() => interpolateText('{nope}', { zed: 1, alpha: 2, gone: null }));
    expect(missingRoot.message).toBe('unknown variable "{nope}" in text; available: alpha, zed');
  });
});

describe('interpolateShell', () => {
  it.each([
    ['printf %s {v}', 'a b', "printf %s 'a b'"],
    ['printf %s {v}', "it's", "printf %s 'it'\\''s'"],
    ['printf %s {v}', '', "printf %s ''"],
    ["test -z '{v}'", "it's", "test -z 'it'\\''s'"],
    ['echo "{v}"', 'a"$`\\b', 'echo "a\\"\\$\\`\\\\b"'],
    ['echo "$(echo {v})"', 'x y', `echo "$(echo 'x y')"`],
    ['echo "`echo {v}`"', '$x', 'echo "`echo \'\\$x\'`"'],
    ['echo {v} # {v}', 'a\nb', "echo 'a\nb' # 'a b'"],
  ])('quotes %j with %j for its context', (script, v, expected) => {
    expect(interpolateShell(script, { v })).toBe(expected);
  });

  it.each([
    ["awk '{print $1}' {f}", "awk '{print $1}' 'x'"],
    ['echo ${HOME} $HOME {f}', "echo ${HOME} $HOME 'x'"],
    ['echo {a,b} {1..3} {{f}}', 'echo {a,b} {1..3} {{f}}'],
    ['echo \\{f} {f}', "echo \\{f} 'x'"],
  ])('leaves shell braces alone in %j', (script, expected) => {
    expect(interpolateShell(script, { f: 'x' })).toBe(expected);
  });

  it('names the missing variable, the ones available, and how to write literal braces', () => {
    const error = errorOf(() => interpolateShell("awk '{print}' {file}", { file: 'x', out: 'y' }));
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('UNKNOWN_VARIABLE');
    expect(error.path).toBe('print');
    expect(error.available).toEqual(['file', 'out']);
    expect(error.message).toBe(
      'unknown variable "{print}" in shell command; available: file, out' +
        ' (for literal braces in shell, write "{ print }")',
    );
  });

  it('lists the fields of the object when a dotted leaf is missing', () => {
    const error = errorOf(() =>
      interpolateShell('echo {bug.title}', { bug: { id: 1, body: 'b' } }),
    );
    expect(error.path).toBe('bug.title');
    expect(error.available).toEqual(['bug.id', 'bug.body']);
    expect(() => interpolateShell('echo {bug.constructor}', { bug: {} })).toThrow(
      InterpolationError,
    );
  });

  it.each(SHELLS)('runs `test -z` on the value in %s', (shell) => {
    const cwd = tempDir();
    const script = "test -z '{after}' && echo empty || echo set";
    expect(run(shell, interpolateShell(script, { after: '' }), cwd).stdout).toBe('empty\n');
    expect(run(shell, interpolateShell(script, { after: 'p-1' }), cwd).stdout).toBe('set\n');
    expect(run(shell, interpolateShell(script, { after: "'" }), cwd).stdout).toBe('set\n');
  });

  it.each(SHELLS)('passes an array as one argument per element when unquoted in %s', (shell) => {
    const cwd = tempDir();
    const vars = { files: ['a b', "it's", '*', ''] };
    const args = run(shell, interpolateShell("printf '[%s]' {files}", vars), cwd);
    expect(args.stdout).toBe("[a b][it's][*][]");
    const quoted = run(shell, interpolateShell(`printf '[%s]' "{files}"`, vars), cwd);
    expect(quoted.stdout).toBe("[a b it's * ]");
    expect(run(shell, interpolateShell("printf '[%s]' x {files}", { files: [] }), cwd).stdout).toBe(
      '[x]',
    );
  });

  it.each(SHELLS)('accepts integers inside $((…)) in %s and refuses anything else', (shell) => {
    const cwd = tempDir();
    expect(run(shell, interpolateShell('echo $(( {n} + 1 ))', { n: 41 }), cwd).stdout).toBe('42\n');
    const error = errorOf(() => interpolateShell('echo $(( {n} + 1 ))', { n: '1; touch x' }));
    expect(error.code).toBe('UNSAFE_VALUE');
  });

  it('refuses a value that would end a here-document early', () => {
    const script = 'cat <<EOF\n{body}\nEOF\necho after';
    const error = errorOf(() => interpolateShell(script, { body: 'x\nEOF\ntouch pwned' }));
    expect(error.code).toBe('UNSAFE_VALUE');
    expect(error.path).toBe('body');
    expect(error.message).toContain('"EOF"');
    expect(() => interpolateShell(script, { body: 'x\nEOF2\n EOF' })).not.toThrow();
  });
});

// Hostile values; MARK is replaced by the absolute path of a file that must never appear.
const HOSTILE = [
  '"; touch MARK; echo "',
  '$(touch MARK)',
  '`touch MARK`',
  "'; touch MARK; '",
  "'\\''; touch MARK; '",
  "\\'; touch MARK; #",
  '") ; touch MARK ; ("',
  '` ; touch MARK ; `',
  'x > MARK',
  'a b  c',
  'line one\nline two\n',
  '\ntouch MARK\n',
  '*',
  '$HOME',
  '${HOME}',
  '$((1+1))',
  '\\',
  '\\\\',
  '\\$(touch MARK)',
  '',
  '-n',
  '%s %d',
  '}{',
  '# not a comment',
  'EOF',
  'text\nEOF\ntouch MARK\ncat <<EOF',
  'héllo 🌍 — ünïcødé',
  'it\'s "quoted" `tick` $var \\ end',
] as const;

// Shell contexts with the stdout each produces for value v ('' = not checked); `trim` marks output
// that passed through $(…), which drops trailing newlines. `refuses` says which values the context
// must reject instead of running (a here-document body cannot contain its delimiter line).
interface ShellCase {
  name: string;
  script: string;
  output: (v: string) => string;
  refuses?: (v: string) => boolean;
}
const hasLine = (line: string) => (v: string) => v.split('\n').includes(line);

const CONTEXTS: ShellCase[] = [
  { name: 'unquoted', script: 'printf %s {v}', output: (v) => v },
  { name: 'single-quoted', script: "printf %s '{v}'", output: (v) => v },
  { name: 'double-quoted', script: 'printf %s "{v}"', output: (v) => v },
  { name: 'mixed quotes', script: `printf %s "a'{v}'b"`, output: (v) => `a'${v}'b` },
  { name: 'assignment', script: 'x={v}; printf %s "$x"', output: (v) => v },
  { name: '$( ) in double quotes', script: 'printf %s "$(printf %s {v})"', output: trim },
  {
    name: 'double quotes in $( ) in double quotes',
    script: 'printf %s "$(printf %s "{v}")"',
    output: trim,
  },
  { name: 'single quotes in $( )', script: 'printf %s "$(printf %s \'{v}\')"', output: trim },
  { name: 'backticks in double quotes', script: 'printf %s "`printf %s {v}`"', output: trim },
  {
    name: 'double quotes in backticks',
    script: 'printf %s "`printf %s "{v}"`"',
    output: trim,
  },
  {
    name: 'backticks in $( )',
    script: 'printf %s "$(printf %s "`printf %s {v}`")"',
    output: trim,
  },
  { name: 'subshell in $( )', script: 'printf %s "$( (printf %s {v}) )"', output: trim },
  { name: 'pipeline', script: 'printf %s {v} | cat', output: (v) => v },
  {
    name: 'here-document',
    script: 'cat <<EOF\n{v}\nEOF',
    output: (v) => `${v}\n`,
    refuses: hasLine('EOF'),
  },
  {
    name: 'quoted here-document',
    script: "cat <<'EOF'\n{v}\nEOF",
    output: (v) => `${v}\n`,
    refuses: hasLine('EOF'),
  },
  {
    name: 'tab-stripping here-document',
    script: 'cat <<-EOF\n\t{v}\n\tEOF',
    output: (v) => `${v}\n`,
    refuses: hasLine('EOF'),
  },
  {
    name: 'here-document in $( )',
    script: 'x=$(cat <<END\n{v}\nEND\n)\nprintf %s "$x"',
    output: trim,
    refuses: hasLine('END'),
  },
  {
    name: 'quoted here-document in "$( )"',
    script: 'printf %s "$(cat <<\'EOF\'\n{v}\nEOF\n)"',
    output: trim,
    refuses: hasLine('EOF'),
  },
  { name: 'comment', script: 'printf %s {v} # was {v}', output: (v) => v },
  { name: 'apostrophe in a comment', script: "# don't\nprintf %s {v}", output: (v) => v },
  { name: 'backtick in a comment', script: '# it`s\nprintf %s {v}', output: (v) => v },
  { name: 'grep argument', script: 'echo x | grep -c -- {v}', output: () => '' },
  { name: 'test argument', script: 'test -n {v} && printf %s {v}', output: () => '' },
];

function trim(v: string): string {
  return v.replace(/\n+$/, '');
}

describe.each(SHELLS)('hostile values in %s', (shell) => {
  describe.each(CONTEXTS)('$name', ({ script, output, refuses }) => {
    it.each(HOSTILE)('arrives as data: %j', (template) => {
      const cwd = tempDir();
      const marker = join(cwd, 'pwned');
      const value = template.replaceAll('MARK', marker);
      if (refuses?.(value)) {
        expect(errorOf(() => interpolateShell(script, { v: value })).code).toBe('UNSAFE_VALUE');
        return;
      }
      const command = interpolateShell(script, { v: value });
      const result = run(shell, command, cwd);
      expect(existsSync(marker)).toBe(false);
      expect(readdirSync(cwd)).toEqual([]);
      const expected = output(value);
      if (expected !== '') expect(result.stdout).toBe(expected);
    });
  });
});
