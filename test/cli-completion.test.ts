// End-to-end: `oj completion bash|zsh` — the generated bash script completes commands,
// subcommands and options from the real command tree.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOj } from './helpers/oj.js';

function complete(script: string, words: string[]): string[] {
  const file = join(mkdtempSync(join(tmpdir(), 'oj-completion-')), 'c.bash');
  writeFileSync(file, script);
  const line = words.map((w) => `'${w}'`).join(' ');
  const r = spawnSync(
    'bash',
    [
      '-c',
      `source '${file}'; COMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _oj; echo "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8' },
  );
  return r.stdout.trim().split(/\s+/).filter(Boolean);
}

describe('oj completion', () => {
  const bash = runOj(['completion', 'bash']).stdout;

  it.each([
    [['oj', 'pipel'], ['pipeline']],
    [['oj', 'session', 'n'], ['nudge']],
    [['oj', 'pipeline', 'list', '--st'], ['--status']],
    [
      ['oj', 'decision', 'resolve', '-m', 'x', '--'],
      ['--message', '--output', '--help'],
    ],
  ])('completes %j to %j', (words, expected) => {
    expect(complete(bash, words)).toEqual(expected);
  });

  it('prints a zsh script and refuses other shells with a usage error', () => {
    expect(runOj(['completion', 'zsh']).stdout).toContain('compdef _oj oj');
    const r = runOj(['completion', 'fish']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no completion for shell "fish"; use bash or zsh');
  });
});
