// `oj lock list|is-stale|force-release` and `oj semaphore list`: who holds what, and the operator's
// way out of a stuck lock.
import type { LockView, SemaphoreView } from '../runtime/index.js';
import { call } from './call.js';
import { EXIT } from './errors.js';
import { formatAgo } from './format.js';
import { formatTable, printJson } from './output.js';
import { projectRoot } from './root.js';

export async function listLocks(opts: { output: string }): Promise<void> {
  const locks = await call<LockView[]>('lock.list', { project: projectRoot() });
  if (opts.output === 'json') return printJson(locks);
  const rows = locks.map((l) => [
    l.name,
    l.holder ? l.holder.pipeline : '-',
    l.holder ? formatAgo(l.holder.since) : '',
    String(l.waiting.length),
  ]);
  process.stdout.write(`${formatTable(['LOCK', 'HOLDER', 'SINCE', 'WAITING'], rows)}\n`);
}

/** Exit 0 when the lock is stale (so `condition = "oj lock is-stale {id}"` matches), else 1. */
export async function isStale(lock: string, opts: { output: string }): Promise<void> {
  const r = await call<{ lock: string; stale: boolean }>('lock.is-stale', {
    project: projectRoot(),
    lock,
  });
  if (opts.output === 'json') printJson(r);
  else process.stdout.write(`${r.lock}: ${r.stale ? 'stale' : 'not stale'}\n`);
  process.exitCode = r.stale ? EXIT.ok : EXIT.failed;
}

export async function forceRelease(
  lock: string,
  opts: { output: string; reason?: string },
): Promise<void> {
  const view = await call<LockView>('lock.force-release', {
    project: projectRoot(),
    lock,
    ...(opts.reason ? { reason: opts.reason } : {}),
  });
  if (opts.output === 'json') return printJson(view);
  process.stdout.write(
    `released ${view.name}${view.holder ? `; now held by ${view.holder.pipeline}` : ''}\n`,
  );
}

export async function listSemaphores(opts: { output: string }): Promise<void> {
  const list = await call<SemaphoreView[]>('semaphore.list', { project: projectRoot() });
  if (opts.output === 'json') return printJson(list);
  const rows = list.map((s) => [
    s.name,
    `${s.used}/${s.max}`,
    s.holders.map((h) => `${h.pipeline}×${h.weight}`).join(' '),
    String(s.waiting.length),
  ]);
  process.stdout.write(`${formatTable(['SEMAPHORE', 'USED', 'HOLDERS', 'WAITING'], rows)}\n`);
}
