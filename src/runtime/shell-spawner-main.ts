// The shell spawner's entry (dist/shell-spawner.js): a small process the daemon forks to start its
// shells, so each fork copies this process's memory rather than the daemon's. It runs each request
// with `runShell` and answers with its result; src/actors/shell-spawner.ts says why it exists.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { runShell, shellFailure } from '../actors/index.js';
import type {
  FromShellSpawner,
  StartRequest,
  StartResult,
  ToShellSpawner,
} from '../actors/index.js';
import { systemClock } from './clock.js';

if (!process.send) throw new Error('shell-spawner runs as a child of the daemon, over IPC');
const post = (message: FromShellSpawner) => {
  if (process.connected) process.send?.(message);
};
const running = new Map<number, AbortController>();

// It lives exactly as long as the daemon's channel: a terminal's ^C or a SIGTERM to the group is
// the daemon's to handle (it drains, then closes the channel). Shells already started keep running
// in their own groups, recorded on disk, for the next daemon to find.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => {});
process.on('disconnect', () => process.exit(0));

process.on('message', (message: ToShellSpawner) => {
  if (message.type === 'cancel') return running.get(message.key)?.abort();
  if (message.type === 'start') {
    const { key, request } = message;
    return void startDetached(request).then((result) => post({ type: 'started', key, result }));
  }
  const { key, request } = message;
  const controller = new AbortController();
  running.set(key, controller);
  runShell(
    {
      ...request,
      signal: controller.signal,
      onSpawn: (pgid) => post({ type: 'spawned', key, pgid }),
    },
    { clock: systemClock, log: (level, text) => post({ type: 'log', level, message: text }) },
  )
    .catch((err: unknown) =>
      shellFailure(
        request.id,
        `could not run: ${err instanceof Error ? err.message : String(err)}`,
      ),
    )
    .then((result) => {
      running.delete(key);
      post({ type: 'done', key, result });
    });
});

/** Starts `request` in a session of its own and lets it run; this process only reaps it. */
async function startDetached(request: StartRequest): Promise<StartResult> {
  let fd: number;
  try {
    fd = openSync(request.logFile, 'a', 0o600);
  } catch (err) {
    return { error: `could not open its log "${request.logFile}": ${messageOf(err)}` };
  }
  try {
    const child = spawn(request.file, request.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      cwd: request.cwd,
      env: request.env,
    });
    child.unref();
    if (child.pid !== undefined) {
      child.on('error', () => {}); // it runs: a later error (a failed kill) is not the spawner's
      return { pid: child.pid };
    }
    // Node reports some start failures (ENOENT, EACCES) as an 'error' event rather than a throw.
    const err = await new Promise<Error>((resolve) => child.once('error', resolve));
    return { error: err.message };
  } catch (err) {
    return { error: messageOf(err) };
  } finally {
    closeSync(fd);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
