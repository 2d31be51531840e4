// A scratch git repository with its own state dir, driven by the real `oj` with the fake agent
// standing in for Claude (OJ_FAKE_AGENTS): what the standard-workflow specs share.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOj } from './oj.js';
import type { OjResult } from './oj.js';

export interface Workflow {
  dir: string;
  repo: string;
  oj: (...args: string[]) => OjResult;
  /** Runs oj and returns stdout; throws with stderr when it exits non-zero. */
  ok: (...args: string[]) => string;
  /** `ok(...args, '-o', 'json')`, parsed. */
  json: <T>(...args: string[]) => T;
  git: (...args: string[]) => string;
}

/** A temp dir holding `repo` (an initialised git repo on main with a local identity) and `state`. */
export function createWorkflow(prefix: string): Workflow {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const repo = join(dir, 'repo');
  const env = {
    OJ_STATE_DIR: join(dir, 'state'),
    OJ_FAKE_AGENTS: '.oj/runbooks/scenarios',
    OJ_SESSION_TIMING: 'test',
  };
  const oj = (...args: string[]) => runOj(args, { cwd: repo, env });
  const ok = (...args: string[]) => {
    const r = oj(...args);
    if (r.code !== 0) throw new Error(`oj ${args.join(' ')} → ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
  return {
    dir,
    repo,
    oj,
    ok,
    json: <T>(...args: string[]) => JSON.parse(ok(...args, '-o', 'json')) as T,
    git,
  };
}

/** Creates the repository: `git init` on main with a repo-local identity (never the global one). */
export function initRepo(w: Workflow): void {
  mkdirSync(w.repo, { recursive: true });
  w.git('init', '-q', '-b', 'main');
  w.git('config', 'user.name', 'oj test');
  w.git('config', 'user.email', 'test@oj.invalid');
}
