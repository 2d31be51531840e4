// The shell spawner's entry (dist/shell-spawner.js): a small process the daemon forks to start its
// shells, so each fork copies this process's memory rather than the daemon's. It runs each request
// with `runShell` and answers with its result; src/actors/shell-spawner.ts says why it exists.
import { runShell, shellFailure } from '../actors/index.js';
import type { FromShellSpawner, ToShellSpawner } from '../actors/index.js';
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
