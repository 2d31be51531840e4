// Where a daemon keeps its files: the state directory of DESIGN.md §4 and the paths inside it,
// including a Unix socket path that fits the kernel's sun_path limit.
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** Linux sun_path is 108 bytes including the NUL (macOS: 104); longer paths make listen() fail. */
/** The project a command acts on: the nearest ancestor of `start` that contains `.oj/`. */
export function findProjectRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const marker = join(dir, '.oj');
    if (existsSync(marker) && statSync(marker).isDirectory()) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export const SOCKET_PATH_MAX_BYTES = 107;

/** The state directory: OJ_STATE_DIR, else $XDG_STATE_HOME/oj, else ~/.local/state/oj. */
export function resolveStateDir(env: NodeJS.ProcessEnv, home: string = homedir()): string {
  if (env.OJ_STATE_DIR) return resolve(env.OJ_STATE_DIR);
  if (env.XDG_STATE_HOME) return resolve(env.XDG_STATE_HOME, 'oj');
  return resolve(home, '.local', 'state', 'oj');
}

export interface StatePaths {
  /** The state directory itself. */
  root: string;
  /** `<state>/run`, mode 0700: pid file, socket (when it fits), socket-path record. */
  run: string;
  /** Where this state dir's daemon listens (see socketPathFor); clients prefer `socketRecord`. */
  socket: string;
  /** `<state>/run/socket-path`: the socket the running daemon chose, so clients find it. */
  socketRecord: string;
  /** `<state>/run/ojd.pid`: the daemon's pid; holding this file is holding the daemon lock. */
  pid: string;
  /** `<state>/logs/daemon.log`. */
  log: string;
  logs: string;
  journal: string;
}

/** The paths of a state directory (pure apart from reading XDG_RUNTIME_DIR from `env`). */
export function statePaths(stateDir: string, env: NodeJS.ProcessEnv = {}): StatePaths {
  const root = resolve(stateDir);
  const run = join(root, 'run');
  const logs = join(root, 'logs');
  return {
    root,
    run,
    socket: socketPathFor(root, env),
    socketRecord: join(run, 'socket-path'),
    pid: join(run, 'ojd.pid'),
    log: join(logs, 'daemon.log'),
    logs,
    journal: join(root, 'journal'),
  };
}

/**
 * `<state>/run/ojd.sock` when it fits in sun_path; else a name hashed from the state dir in
 * $XDG_RUNTIME_DIR, else in /tmp/oj-<uid>/ (which the daemon creates 0700). Deep temp dirs in
 * tests and CI otherwise make listen() fail with EINVAL.
 */
export function socketPathFor(stateDir: string, env: NodeJS.ProcessEnv = {}): string {
  const preferred = join(stateDir, 'run', 'ojd.sock');
  if (fits(preferred)) return preferred;
  // Loaded here, not imported: node:crypto costs every `oj` call ~3 ms, and most never get here.
  const { createHash } = process.getBuiltinModule('node:crypto');
  const name = `oj-${createHash('sha256').update(stateDir).digest('hex').slice(0, 16)}.sock`;
  const runtimeDir = env.XDG_RUNTIME_DIR;
  if (runtimeDir && isAbsolute(runtimeDir) && fits(join(runtimeDir, name)))
    return join(runtimeDir, name);
  // /tmp rather than os.tmpdir(): $TMPDIR can itself be long (macOS).
  return join('/tmp', `oj-${process.getuid?.() ?? 'user'}`, name);
}

/** Whether a socket path fits in sun_path. */
export function fits(socketPath: string): boolean {
  return Buffer.byteLength(socketPath) <= SOCKET_PATH_MAX_BYTES;
}

/** The socket a client should dial: the running daemon's record, else the computed path. */
export function readSocketPath(paths: StatePaths): string {
  try {
    const recorded = readFileSync(paths.socketRecord, 'utf8').trim();
    if (recorded) return recorded;
  } catch {
    // no record: no daemon has run here yet (or it was cleaned up)
  }
  return paths.socket;
}

/**
 * Creates `dir` (and parents) and makes sure it is a real directory owned by this user with mode
 * 0700, so nobody else can reach what is inside (a socket is created with the umask's mode and
 * only then chmod'ed 0600; the directory closes that window). Throws when it cannot.
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
