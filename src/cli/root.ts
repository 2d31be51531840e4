// Which project and state dir a CLI command acts on: `OJ_PROJECT` when set (nested `oj` calls from
// phases and agents), else the nearest ancestor of the working directory with `.oj/`. Cheap to
// import: commands that talk to the daemon need this and nothing of the runbook compiler.
import { relative, resolve } from 'node:path';
import { findProjectRoot, resolveStateDir } from '../runtime/index.js';
import { CliError, EXIT } from './errors.js';

/** Shows paths relative to the working directory, as a user typed them. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

export function projectRoot(): string {
  const fromEnv = process.env.OJ_PROJECT;
  const root = fromEnv ? resolve(fromEnv) : findProjectRoot(process.cwd());
  if (!root) {
    throw new CliError(
      'NO_PROJECT',
      `no project here: neither ${process.cwd()} nor any parent has a .oj/ directory (create .oj/runbooks/ or run "oj init")`,
      EXIT.usage,
    );
  }
  return root;
}

/** The state directory of DESIGN.md §4: OJ_STATE_DIR, else $XDG_STATE_HOME/oj, else ~/.local/state/oj. */
export function stateDir(): string {
  return resolveStateDir(process.env);
}
