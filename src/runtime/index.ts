// The runtime's front door. Cheap to import: state paths and daemon-process helpers load eagerly;
// the daemon itself (ws server, zod schemas, services) loads only when runDaemon is called, so the
// CLI can import this without paying for the daemon on its start-up path.
import type { DaemonOptions } from './daemon.js';

export { findProjectRoot, resolveStateDir, statePaths, readSocketPath } from './paths.js';
export { withOjShims } from './shims.js';
export type { StatePaths } from './paths.js';
export { isDaemonProcess, isProcessAlive, readDaemonPid, removeDaemonFiles } from './pid-lock.js';
export type { LogLevel, Log } from './log.js';
export type { Handler, HandlerContext, Handlers } from './ipc/index.js';
export type {
  LockView,
  PipelineView,
  QueueView,
  SemaphoreView,
  WorkerView,
} from './engine/views.js';
export type { CronView } from './engine/crons.js';
export type { DaemonOptions, DaemonServices, ServicesContext, ServicesFactory } from './daemon.js';

/** Runs a daemon in this process until it stops; resolves with its exit code (see daemon.ts). */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  const daemon = await import('./daemon.js');
  return daemon.runDaemon(options);
}
