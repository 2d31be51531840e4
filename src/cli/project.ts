// Loads the runbooks of the project a CLI command acts on (see root.ts for which project that is).
import { resolve } from 'node:path';
import { loadProject, loadRunbookFiles } from '../project/index.js';
import { displayPath, projectRoot } from './root.js';
import type { LoadedProject } from '../project/index.js';
import { formatIssue } from '../runbook/index.js';
import { CliError, EXIT } from './errors.js';

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
