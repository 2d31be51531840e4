// Locates and loads the project a CLI command acts on: `OJ_PROJECT` when set (nested `oj` calls from
// phases and agents), else the nearest ancestor of the working directory with `.oj/`.
import { homedir } from 'node:os';
import { relative, resolve } from 'node:path';
import { findProjectRoot, loadProject, loadRunbookFiles } from '../project/index.js';
import type { LoadedProject } from '../project/index.js';
import { formatIssue } from '../runbook/index.js';
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

/** Loads the project's runbooks, or the given files; validation problems are returned, not thrown. */
export function loadRunbooks(paths: readonly string[] = [], hash = true): LoadedProject {
  const options = { display: displayPath, hash };
  if (paths.length)
    return loadRunbookFiles(
      paths.map((p) => resolve(p)),
      options,
    );
  return loadProject(projectRoot(), options);
}

/** Loads the project and fails with every problem (exit 2) unless it is valid. */
export function loadValidRunbooks(): LoadedProject {
  const loaded = loadRunbooks();
  if (loaded.issues.length) {
    throw new CliError(
      'RUNBOOK_INVALID',
      `the project's runbooks have problems:\n${loaded.issues.map(formatIssue).join('\n')}\nfix them, then check with: oj runbook check`,
      EXIT.usage,
    );
  }
  return loaded;
}

/** The state directory of DESIGN.md §4: OJ_STATE_DIR, else $XDG_STATE_HOME/oj, else ~/.local/state/oj. */
export function stateDir(): string {
  if (process.env.OJ_STATE_DIR) return resolve(process.env.OJ_STATE_DIR);
  if (process.env.XDG_STATE_HOME) return resolve(process.env.XDG_STATE_HOME, 'oj');
  return resolve(homedir(), '.local', 'state', 'oj');
}
