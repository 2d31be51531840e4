// Where a session host listens: `<dir>/s.sock` when it fits the kernel's sun_path, else a name hashed
// from the agent dir in $XDG_RUNTIME_DIR or a private `oj-<uid>` dir under the temp dir. Pure.
import { createHash } from 'node:crypto';
import { isAbsolute, join } from 'node:path';

/** Linux sun_path is 108 bytes including the NUL (macOS: 104); longer paths make listen() fail. */
export const SOCKET_PATH_MAX_BYTES = 107;

export interface SocketPlace {
  path: string;
  /** A directory the host must create 0700 (and own) before listening, when not `dir` itself. */
  privateDir?: string;
}

/** Whether a socket path fits in sun_path. */
export function fitsSunPath(socketPath: string): boolean {
  return Buffer.byteLength(socketPath) <= SOCKET_PATH_MAX_BYTES;
}

/**
 * The socket of the host of agent dir `dir`. Deep temp dirs (tests, CI, long agent ids) otherwise
 * make listen() fail with EINVAL; the hashed name is recorded in host.json so clients find it.
 */
export function chooseSocketPath(
  dir: string,
  env: Record<string, string | undefined>,
  tmp: string,
  uid: number | undefined,
): SocketPlace {
  const preferred = join(dir, 's.sock');
  if (fitsSunPath(preferred)) return { path: preferred };
  const name = `oj-agent-${createHash('sha256').update(dir).digest('hex').slice(0, 16)}.sock`;
  const runtimeDir = env.XDG_RUNTIME_DIR;
  if (runtimeDir && isAbsolute(runtimeDir) && fitsSunPath(join(runtimeDir, name)))
    return { path: join(runtimeDir, name) };
  const owner = `oj-${uid ?? 'user'}`;
  // /tmp when $TMPDIR is itself too long (macOS).
  for (const base of [tmp, '/tmp']) {
    const privateDir = join(base, owner);
    if (isAbsolute(base) && fitsSunPath(join(privateDir, name)))
      return { path: join(privateDir, name), privateDir };
  }
  return { path: join('/tmp', owner, name), privateDir: join('/tmp', owner) };
}
