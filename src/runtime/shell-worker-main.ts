// The shell thread's entry (dist/shell-worker.js): runs each request the daemon posts with
// `runShell` and answers with its result; src/actors/shell-thread.ts says why it exists.
import { parentPort } from 'node:worker_threads';
import { runShell, shellFailure } from '../actors/index.js';
import type { FromShellThread, ToShellThread } from '../actors/index.js';
import { systemClock } from './clock.js';

const port = parentPort;
if (!port) throw new Error('shell-worker runs as a worker thread of the daemon');
const post = (message: FromShellThread) => port.postMessage(message);
const running = new Map<number, AbortController>();

port.on('message', (message: ToShellThread) => {
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
