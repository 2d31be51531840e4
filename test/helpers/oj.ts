// Runs the real `oj` binary for end-to-end specs, in a scrubbed environment (no OJ_* leakage from
// the developer's shell) with a temp state dir.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const OJ_BIN = join(REPO_ROOT, 'bin', 'oj.cjs');

export interface OjResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** This process's environment without any OJ_ variable, and without colour. */
export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('OJ_')) env[k] = v;
  return { ...env, NO_COLOR: '1' };
}

/** Runs `oj ...args` in `cwd` and waits for it (every run has a timeout). */
export function runOj(
  args: readonly string[],
  opts: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): OjResult {
  const result = spawnSync(process.execPath, [OJ_BIN, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...cleanEnv(), ...opts.env },
    encoding: 'utf8',
    timeout: 20_000,
    ...(opts.input === undefined ? {} : { input: opts.input }),
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Creates a temp project with `.oj/runbooks/` holding the given files (name → TOML text). */
export function makeProject(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'oj-project-'));
  for (const [name, text] of Object.entries(files)) {
    const path = join(root, '.oj', 'runbooks', name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  mkdirSync(join(root, '.oj', 'runbooks'), { recursive: true });
  return root;
}
