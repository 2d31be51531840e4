// Small file helpers of the session host and its spawner: private directories, atomic JSON writes,
// and reading JSON that may not exist yet.
import { chmodSync, lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/**
 * Creates `dir` (and parents) as a real directory owned by this user with mode 0700, so nobody else
 * can reach what is inside (a socket is created with the umask's mode and only then chmod'ed 0600).
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory())
    throw new Error(`"${dir}" is not a directory (a symlink or file is in the way); remove it`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid)
    throw new Error(`"${dir}" belongs to uid ${st.uid}, not to you (uid ${uid}); remove it`);
  if ((st.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
}

/** Writes `value` as JSON to `path` via a temp file and rename, so readers never see half a file. */
export function writeJsonAtomic(path: string, value: unknown, mode = 0o600): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode });
  renameSync(tmp, path);
}

/** The parsed JSON at `path`, or undefined when the file does not exist or does not parse yet. */
export function readJsonIfPresent(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
