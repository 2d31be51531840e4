// Loads a project's runbooks from disk: the only place runbook files and prompt templates are
// read; parsing and compiling stay pure.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileRunbooks, parseRunbook } from '../runbook/index.js';
import type { ParsedRunbook, Project, RunbookIssue } from '../runbook/index.js';

/** The standard runbooks shipped with oj (`runbooks/` in the package), referenced as `std.<name>`. */
export function stdRunbookDir(): string {
  // Walk up from this module: it runs from src/project/ in tests and from dist/ when bundled.
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'runbooks');
}

export interface LoadedProject {
  /** The project root (the directory holding `.oj/`), when there is one. */
  root?: string;
  project: Project;
  issues: RunbookIssue[];
  files: string[];
  /** The parsed files (for positions: `runbooks[i].locate([kind, name])`). */
  runbooks: ParsedRunbook[];
}

export interface LoadOptions {
  /** How file paths appear in issues and listings (e.g. relative to the working directory). */
  display?: (file: string) => string;
  /** Content-hash every definition (default true); a plain check can skip it. */
  hash?: boolean;
}

/** Loads every `.oj/runbooks/*.toml` of the project at `root`. */
export function loadProject(root: string, options: LoadOptions = {}): LoadedProject {
  const dir = join(root, '.oj', 'runbooks');
  const files = isDirectory(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.toml'))
        .sort()
        .map((f) => join(dir, f))
    : [];
  return { root, ...loadRunbookFiles(files, options) };
}

/**
 * Loads runbook files as one set (references between them resolve), adding the standard runbooks
 * that any of them reference as `std.<name>`. Names are file stems. Never throws for bad content;
 * unreadable files become issues.
 */
export function loadRunbookFiles(
  paths: readonly string[],
  options: LoadOptions = {},
): Omit<LoadedProject, 'root'> {
  const display = options.display ?? ((f: string) => f);
  const parsed: ParsedRunbook[] = [];
  const issues: RunbookIssue[] = [];
  for (const path of paths) {
    const shown = display(path);
    const text = readText(path);
    if (text === undefined) {
      issues.push({
        code: 'MISSING_FILE',
        file: shown,
        line: 1,
        col: 1,
        path: '',
        message: `cannot read runbook file "${shown}"`,
        hint: 'check the path; runbooks are .toml files in .oj/runbooks/',
      });
      continue;
    }
    parsed.push(parseRunbook(text, shown, basename(path, '.toml')));
  }
  const names = new Set(parsed.map((p) => p.name));
  if (parsed.some((p) => p.text.includes('std.'))) {
    for (const file of listStd()) {
      const name = `std.${basename(file, '.toml')}`;
      if (!names.has(name)) parsed.push(parseRunbook(readText(file) ?? '', display(file), name));
    }
  }
  const byShown = new Map(paths.map((p) => [display(p), p]));
  const { project, issues: found } = compileRunbooks(parsed, {
    ...(options.hash === false ? {} : { hash: sha256 }),
    readTemplate(runbookFile, path) {
      const abs = resolve(dirname(byShown.get(runbookFile) ?? runbookFile), path);
      const text = readText(abs);
      return text === undefined ? undefined : { file: display(abs), text };
    },
  });
  return { project, issues: [...issues, ...found], files: paths.map(display), runbooks: parsed };
}

/** `sha256:<hex>` of a text, with node:crypto's native implementation. */
export function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

function listStd(): string[] {
  try {
    const dir = stdRunbookDir();
    return readdirSync(dir)
      .filter((f) => f.endsWith('.toml'))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
