// The git workspace executor: creates (or reuses), lists and removes the isolated git worktrees
// that pipelines own — branch from a base, untracked files synced in, instruction files, setup.
import {
  cp,
  lstat,
  mkdir,
  readFile,
  readdir,
  realpath,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { OjError } from '../errors/index.js';
import { formatDuration } from '../runbook/index.js';
import { formatCommand, parseWorktreeList, runGit, runProcess, toGitEnv } from './git.js';
import type { ProcessOutput, WorktreeEntry } from './git.js';
import { buildShellEnv } from './shell.actor.js';

export type { WorktreeEntry } from './git.js';

export interface WorkspaceSpec {
  /** The project's git repository (the project root, or any dir inside the repo). */
  repo: string;
  /** Absolute path of the worktree to create, e.g. <state>/workspaces/<pipeline-id>. */
  path: string;
  /** Branch to create or reset at `base` (e.g. "oj/pl-1a" or "build/auth"). */
  branch: string;
  /** Ref the branch starts from; default "HEAD" of the repo. */
  base?: string;
  /** Files/dirs relative to the repo root copied into the worktree if they exist; missing ones are
   * skipped; directories are copied recursively; a path leaving the repo is refused. */
  sync?: string[];
  /** Files written into the worktree after sync, overwriting: name → content. */
  files?: Record<string, string>;
  /** Shell commands run once, in order, in the new worktree (`sh -c`), with `env`. */
  setup?: string[];
  /** Added to the daemon's environment (minus OJ_* and git's repository variables) for setup. */
  env?: Record<string, string>;
  /** Per git or setup command; default 120 s. */
  timeoutMs?: number;
  /** Where the caller's user sets `timeoutMs` (e.g. an environment variable), for messages. */
  timeoutSetting?: string;
  signal?: AbortSignal;
}

export interface WorkspaceInfo {
  path: string;
  branch: string;
  /** The ref the branch was started from, as given. */
  base: string;
  /** The commit checked out in the worktree. */
  head: string;
  /** False when an existing worktree was reused. */
  created: boolean;
}

export type WorkspaceErrorCode =
  | 'INVALID_SPEC'
  | 'NOT_A_REPO'
  | 'PATH_TAKEN'
  | 'UNSAFE_PATH'
  | 'GIT_FAILED'
  | 'FILE_FAILED'
  | 'SETUP_FAILED'
  | 'CANCELLED';

export class WorkspaceError extends OjError {
  declare readonly code: WorkspaceErrorCode;
  /** The failing command's exit code, when it exited. */
  readonly exitCode: number | null;
  /** The tail of the failing command's output ('' when there is none). */
  readonly output: string;

  constructor(
    code: WorkspaceErrorCode,
    message: string,
    options: { cause?: unknown; exitCode?: number | null; output?: string } = {},
  ) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? null;
    this.output = options.output ?? '';
  }
}

const DEFAULT_TIMEOUT_MS = 120_000; // a `git worktree add` of a big repo, or `npm ci`
const CLEANUP_TIMEOUT_MS = 60_000; // removing a half-made worktree must not wait on the caller
const TAIL_CHARS = 2_000; // enough of a setup command's output to see why it failed
// Kept in the worktree's own git dir (never in `git status`): `pending` until setup has finished,
// so a worktree left half-made by a crash is rebuilt instead of reused.
const MARKER_FILE = 'oj-workspace.json';

interface Marker {
  state: 'pending' | 'ready';
  branch: string;
  base: string;
}

interface Run {
  timeoutMs: number;
  timeoutSetting?: string | undefined;
  signal?: AbortSignal;
}

/**
 * Idempotent: reuses `path` when it is already a finished worktree of this repo on `branch`
 * (created:false, setup not re-run); else `git worktree add -B <branch> <path> <base>`, then sync,
 * files and setup. Any failure after the add removes the half-made worktree (the branch stays).
 * An existing non-empty directory that is not such a worktree is refused (PATH_TAKEN).
 */
export async function createWorkspace(spec: WorkspaceSpec): Promise<WorkspaceInfo> {
  const run: Run = {
    timeoutMs: spec.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    timeoutSetting: spec.timeoutSetting,
    signal: spec.signal,
  };
  const path = checkSpec(spec);
  const base = spec.base ?? 'HEAD';
  const root = await requireRoot(spec.repo, run);
  const sources = await planSync(root, spec.sync ?? []);
  const files = Object.entries(spec.files ?? {}).map(([name, text]) => ({
    rel: checkRelative(name, 'files'),
    text,
  }));

  const existing = await findWorktree(root, path, run);
  if (existing !== undefined) {
    const reused = await reuse(existing, { spec, path, base, root, run });
    if (reused !== undefined) return reused;
  } else {
    await refuseTaken(path);
  }

  // A failed `worktree add` cleans up after itself — unless it was killed (a timeout: a hook that
  // hangs after the checkout); from there on, failures are ours to undo.
  await git(root, ['worktree', 'add', '-B', spec.branch, path, base], run, {
    hint: `check that "${base}" names a commit and that "${spec.branch}" is not checked out in another worktree`,
  }).catch(async (err: unknown) => {
    if (err instanceof WorkspaceError && err.exitCode === null) await discard(root, path);
    throw err;
  });
  try {
    const marker = join(await gitDir(path, run), MARKER_FILE);
    await writeMarker(marker, { state: 'pending', branch: spec.branch, base });
    for (const { rel, source } of sources) await copyInto(path, rel, source);
    for (const { rel, text } of files) await writeInto(path, rel, text);
    await runSetup(path, spec, run);
    const head = (await git(path, ['rev-parse', 'HEAD'], run)).stdout.trim();
    await writeMarker(marker, { state: 'ready', branch: spec.branch, base });
    return { path, branch: spec.branch, base, head, created: true };
  } catch (err) {
    const problem = await discard(root, path);
    if (problem !== undefined && err instanceof Error) {
      err.message += ` (also: could not remove the half-made worktree "${path}": ${problem})`;
    }
    throw err;
  }
}

/**
 * Removes the worktree (`git worktree remove --force`, then prune; a directory git no longer knows
 * is deleted). With `deleteBranch`, also deletes the branch (given, or the one the worktree had)
 * when it is fully merged into `mergedInto` (default: the repo's HEAD). Never throws for a missing
 * worktree; refuses the repository's own worktree or a directory containing a worktree.
 */
export async function removeWorkspace(opts: {
  repo: string;
  path: string;
  branch?: string;
  deleteBranch?: boolean;
  mergedInto?: string;
  /** Per git command; default 120 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<{ removed: boolean; branchDeleted: boolean }> {
  const run: Run = { timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal: opts.signal };
  const root = await requireRoot(opts.repo, run);
  const target = await canonicalPath(opts.path);
  const worktrees = await listAt(root, run);
  const ownRoot = await canonicalPath(root);
  let entry: WorktreeEntry | undefined;
  for (const [i, w] of worktrees.entries()) {
    const at = await canonicalPath(w.path);
    if (at === target && i > 0 && at !== ownRoot) {
      entry = w;
    } else if (isWithin(target, at)) {
      // The main worktree, the one `repo` names, or a directory holding other workspaces.
      throw new WorkspaceError(
        'UNSAFE_PATH',
        `refusing to remove "${opts.path}": it is or contains the worktree "${w.path}" of "${root}", which is not the workspace's own; pass the workspace's path`,
      );
    }
  }

  let removed = false;
  if (entry !== undefined) {
    await git(root, ['worktree', 'remove', '--force', entry.path], run, {
      hint: 'unlock it (git worktree unlock) or remove it by hand',
    });
    removed = true;
  }
  if (await exists(target)) {
    await rm(target, { recursive: true, force: true });
    removed = true;
  }
  await git(root, ['worktree', 'prune'], run);

  const branch = opts.branch ?? entry?.branch ?? undefined;
  const branchDeleted =
    opts.deleteBranch === true && branch !== undefined
      ? await deleteIfMerged(root, branch, opts.mergedInto ?? 'HEAD', run)
      : false;
  return { removed, branchDeleted };
}

/** Every worktree of the repository containing `repo`, the main one first. */
export async function listWorktrees(
  repo: string,
  opts: { signal?: AbortSignal } = {},
): Promise<WorktreeEntry[]> {
  return listAt(repo, { timeoutMs: DEFAULT_TIMEOUT_MS, signal: opts.signal });
}

/** The top-level directory of the work tree containing `dir`, or null when there is none. */
export async function gitRoot(
  dir: string,
  opts: { signal?: AbortSignal } = {},
): Promise<string | null> {
  return findRoot(dir, { timeoutMs: DEFAULT_TIMEOUT_MS, signal: opts.signal });
}

function checkSpec(spec: WorkspaceSpec): string {
  const invalid = (what: string): never => {
    throw new WorkspaceError('INVALID_SPEC', `workspace ${what}`);
  };
  if (!isAbsolute(spec.path)) invalid(`path "${spec.path}" must be absolute`);
  if (spec.branch.trim() === '') invalid(`branch for "${spec.path}" must not be empty`);
  if (spec.timeoutMs !== undefined && !(spec.timeoutMs > 0)) {
    invalid(`timeoutMs must be a positive number of ms, got ${spec.timeoutMs}`);
  }
  return resolve(spec.path);
}

async function findRoot(dir: string, run: Run): Promise<string | null> {
  if (!(await isDirectory(dir))) return null;
  const out = await runGit(['rev-parse', '--show-toplevel'], { cwd: dir, ...run });
  if (out.ok) return out.stdout;
  if (out.exitCode !== null) return null; // not in a work tree (outside any repo, or in .git)
  throw gitError(dir, ['rev-parse', '--show-toplevel'], out, run);
}

async function requireRoot(repo: string, run: Run): Promise<string> {
  const root = await findRoot(repo, run);
  if (root !== null) return root;
  throw new WorkspaceError(
    'NOT_A_REPO',
    `"${repo}" is not inside a git work tree; workspaces need the project to be a git repository (run \`git init\` and commit once)`,
  );
}

async function listAt(cwd: string, run: Run): Promise<WorktreeEntry[]> {
  const args = ['worktree', 'list', '--porcelain'];
  let out = await runGit([...args, '-z'], { cwd, ...run });
  if (out.exitCode === 129) {
    out = await runGit(args, { cwd, ...run }); // git before 2.36 has no -z
    if (out.ok) return parseWorktreeList(out.stdout, '\n');
  }
  if (out.ok) return parseWorktreeList(out.stdout, '\0');
  if (!out.timedOut && !out.cancelled && !(await isRepo(cwd, run))) {
    throw new WorkspaceError(
      'NOT_A_REPO',
      `"${cwd}" is not inside a git repository; pass the project's repository directory`,
    );
  }
  throw gitError(cwd, args, out, run);
}

/** False only when git positively says so (or `dir` is gone): a missing git is not "no repo". */
async function isRepo(dir: string, run: Run): Promise<boolean> {
  if (!(await isDirectory(dir))) return false;
  const out = await runGit(['rev-parse', '--git-dir'], { cwd: dir, ...run });
  return out.ok || out.exitCode === null;
}

async function findWorktree(root: string, path: string, run: Run) {
  const worktrees = await listAt(root, run);
  const target = await canonicalPath(path);
  for (const [i, entry] of worktrees.entries()) {
    if ((await canonicalPath(entry.path)) === target) {
      return { entry, main: i === 0 };
    }
  }
  return undefined;
}

/** The reuse decision for a path git already knows; undefined means: create it afresh. */
async function reuse(
  found: { entry: WorktreeEntry; main: boolean },
  ctx: { spec: WorkspaceSpec; path: string; base: string; root: string; run: Run },
): Promise<WorkspaceInfo | undefined> {
  const { entry } = found;
  const { spec, path, root, run } = ctx;
  if (found.main) {
    throw new WorkspaceError(
      'PATH_TAKEN',
      `"${path}" is the main worktree of "${root}"; give the workspace a path of its own`,
    );
  }
  if (entry.prunable || !(await exists(path))) {
    await git(root, ['worktree', 'prune'], run); // registered, but its directory is gone
    return undefined;
  }
  const made = await readMarker(join(await gitDir(path, run), MARKER_FILE));
  // One oj made for this branch is reused as it is, even mid-rebase (on a detached HEAD).
  if (made?.state === 'ready' && made.branch === spec.branch)
    return { path, branch: spec.branch, base: made.base, head: entry.head ?? '', created: false };
  if (entry.branch !== spec.branch) {
    const on = entry.branch === null ? 'a detached HEAD' : `branch "${entry.branch}"`;
    throw new WorkspaceError(
      'PATH_TAKEN',
      `"${path}" is already a worktree of "${root}" on ${on}, not "${spec.branch}"; remove it (git worktree remove) or choose another path`,
    );
  }
  const marker = await readMarker(join(await gitDir(path, run), MARKER_FILE));
  if (marker?.state === 'pending') {
    // A crash between `worktree add` and the end of setup: start over.
    const problem = await discard(root, path);
    if (problem !== undefined) {
      throw new WorkspaceError(
        'GIT_FAILED',
        `could not remove the unfinished worktree "${path}" to rebuild it: ${problem}; remove it by hand and retry`,
      );
    }
    return undefined;
  }
  const base = marker?.base ?? ctx.base;
  return { path, branch: spec.branch, base, head: entry.head ?? '', created: false };
}

async function refuseTaken(path: string): Promise<void> {
  const info = await lstat(path).catch(() => null);
  if (info === null) return;
  // git itself accepts an empty directory, e.g. one made ahead of time by the caller.
  if (info.isDirectory() && (await readdir(path)).length === 0) return;
  throw new WorkspaceError(
    'PATH_TAKEN',
    `"${path}" already exists and is not a worktree of this repository; move it away or choose another workspace path`,
  );
}

async function gitDir(worktree: string, run: Run): Promise<string> {
  return (await git(worktree, ['rev-parse', '--absolute-git-dir'], run)).stdout;
}

async function readMarker(file: string): Promise<Marker | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Marker;
  } catch {
    return undefined; // none: a worktree made by someone else; reuse it as it is
  }
}

async function writeMarker(file: string, marker: Marker): Promise<void> {
  await writeFile(file, JSON.stringify(marker) + '\n');
}

/** Sync entries that exist, as real paths inside the repository; missing ones are dropped. */
async function planSync(root: string, entries: string[]) {
  const realRoot = await realpath(root);
  const plan: { rel: string; source: string }[] = [];
  for (const entry of entries) {
    const rel = checkRelative(entry, 'sync');
    let source: string;
    try {
      source = await realpath(join(realRoot, rel));
    } catch (err) {
      if (isMissing(err)) continue;
      throw fileError(`could not read sync entry "${entry}" in "${root}"`, err);
    }
    if (!isWithin(realRoot, source) || source === realRoot) {
      throw new WorkspaceError(
        'UNSAFE_PATH',
        `sync entry "${entry}" resolves (through a symlink) to "${source}", which is not a path inside the repository "${root}"; sync only files that live inside the repository`,
      );
    }
    plan.push({ rel, source });
  }
  return plan;
}

/** `name` normalized, or UNSAFE_PATH when it is absolute, leaves the root, or is inside .git. */
function checkRelative(name: string, field: 'sync' | 'files'): string {
  const rel = normalize(name);
  const first = rel.split(sep)[0];
  if (name === '' || isAbsolute(name) || first === '..' || first === '.git' || rel === '.') {
    throw new WorkspaceError(
      'UNSAFE_PATH',
      `workspace ${field} entry "${name}" is not a path inside the repository; use a relative path such as ".env" that stays inside it (and out of .git)`,
    );
  }
  return rel;
}

async function copyInto(worktree: string, rel: string, source: string): Promise<void> {
  try {
    const dest = await prepareDest(worktree, rel);
    // verbatimSymlinks: links inside a synced directory are copied as links, never followed.
    await cp(source, dest, { recursive: true, force: true, verbatimSymlinks: true });
  } catch (err) {
    throw fileError(`could not copy "${rel}" into the worktree "${worktree}"`, err);
  }
}

async function writeInto(worktree: string, rel: string, text: string): Promise<void> {
  try {
    await writeFile(await prepareDest(worktree, rel), text);
  } catch (err) {
    throw fileError(`could not write "${rel}" into the worktree "${worktree}"`, err);
  }
}

/** Where `rel` goes in the worktree; refuses a destination that a symlink leads outside of it. */
async function prepareDest(worktree: string, rel: string): Promise<string> {
  const tree = await realpath(worktree);
  const dest = join(tree, rel);
  const parent = await canonicalPath(dirname(dest));
  if (!isWithin(tree, parent)) {
    throw new WorkspaceError(
      'UNSAFE_PATH',
      `"${rel}" would land in "${parent}", outside the worktree "${worktree}", through a symlink the branch contains; remove the link or drop "${rel}"`,
    );
  }
  await mkdir(parent, { recursive: true });
  // A tracked symlink at the destination is replaced, not written through.
  if ((await lstat(dest).catch(() => null))?.isSymbolicLink()) await unlink(dest);
  return dest;
}

async function runSetup(path: string, spec: WorkspaceSpec, run: Run): Promise<void> {
  const env = buildShellEnv(toGitEnv(process.env), spec.env ?? {});
  for (const command of spec.setup ?? []) {
    const out = await runProcess('/bin/sh', ['-c', command], {
      cwd: path,
      env,
      ...run,
      interleave: true,
    });
    if (out.ok) continue;
    if (out.cancelled) {
      throw new WorkspaceError(
        'CANCELLED',
        `setup command "${command}" in "${path}" was cancelled`,
      );
    }
    const tail = out.all.trimEnd().slice(-TAIL_CHARS);
    throw new WorkspaceError(
      'SETUP_FAILED',
      `setup command "${command}" ${describeEnd(out, run)} in "${path}"; the worktree was removed — fix the command (or raise its timeout${run.timeoutSetting ? `, ${run.timeoutSetting}` : ''}) and retry` +
        (tail === '' ? ' (it printed nothing)' : `. Last output:\n${tail}`),
      { exitCode: out.exitCode, output: tail },
    );
  }
}

/** Best-effort removal of a worktree this call made; says what could not be done, if anything. */
async function discard(root: string, path: string): Promise<string | undefined> {
  const run = { cwd: root, timeoutMs: CLEANUP_TIMEOUT_MS };
  const problems: string[] = [];
  await runGit(['worktree', 'remove', '--force', path], run); // rm and prune below cover failures
  await rm(path, { recursive: true, force: true }).catch((err: unknown) => {
    problems.push(messageOf(err));
  });
  const pruned = await runGit(['worktree', 'prune'], run);
  if (!pruned.ok)
    problems.push(`git worktree prune: ${pruned.stderr.trim() || describeEnd(pruned, run)}`);
  return problems.length === 0 ? undefined : problems.join('; ');
}

async function deleteIfMerged(
  root: string,
  branch: string,
  mergedInto: string,
  run: Run,
): Promise<boolean> {
  const ref = `refs/heads/${branch}`;
  const known = await runGit(['rev-parse', '--verify', '--quiet', ref], { cwd: root, ...run });
  if (!known.ok) return false;
  const args = ['merge-base', '--is-ancestor', ref, mergedInto];
  const merged = await runGit(args, { cwd: root, ...run });
  if (merged.exitCode === 1) return false; // has commits `mergedInto` lacks: keep it
  if (!merged.ok) throw gitError(root, args, merged, run);
  await git(root, ['branch', '-D', branch], run, {
    hint: 'it may be checked out in another worktree',
  });
  return true;
}

/** Runs git and throws a GIT_FAILED (or CANCELLED) error quoting git's stderr when it fails. */
async function git(
  cwd: string,
  args: string[],
  run: Run,
  opts: { hint?: string } = {},
): Promise<ProcessOutput> {
  const out = await runGit(args, { cwd, ...run });
  if (out.ok) return out;
  throw gitError(cwd, args, out, run, opts.hint);
}

function gitError(
  cwd: string,
  args: string[],
  out: ProcessOutput,
  run: Run,
  hint?: string,
): WorkspaceError {
  const command = formatCommand('git', args);
  if (out.cancelled) return new WorkspaceError('CANCELLED', `${command} in "${cwd}" was cancelled`);
  const stderr = out.stderr.trim();
  const advice = out.timedOut
    ? `look for a hook or a lock that hangs, or raise the timeout${run.timeoutSetting ? ` (${run.timeoutSetting})` : ''}`
    : out.startError !== undefined
      ? 'check that git is installed and on PATH'
      : hint;
  return new WorkspaceError(
    'GIT_FAILED',
    `${command} ${describeEnd(out, run)} in "${cwd}"${stderr === '' ? '' : `: ${stderr}`}` +
      (advice === undefined ? '' : ` — ${advice}`),
    { exitCode: out.exitCode, output: stderr },
  );
}

function describeEnd(out: ProcessOutput, run: { timeoutMs: number }): string {
  if (out.startError !== undefined) return `could not start (${out.startError})`;
  if (out.timedOut) return `timed out after ${formatDuration(run.timeoutMs)}`;
  if (out.exitCode === null) return `was killed by ${out.signal ?? 'a signal'}`;
  return `exited with code ${out.exitCode}`;
}

function fileError(what: string, err: unknown): WorkspaceError {
  if (err instanceof WorkspaceError) return err;
  return new WorkspaceError('FILE_FAILED', `${what}: ${messageOf(err)}`, { cause: err });
}

/** `p` with symlinks resolved as far as it exists, so paths git prints compare with ours. */
async function canonicalPath(p: string): Promise<string> {
  const abs = resolve(p);
  try {
    return await realpath(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(await canonicalPath(parent), basename(abs));
  }
}

/** `child` is `parent` or below it. Both absolute and canonical. */
function isWithin(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + sep) && !isAbsolute(rel));
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => null)) !== null;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
