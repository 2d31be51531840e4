// Front door of src/actors: the effect executors the runtime hands effects to.

export { buildShellEnv, runShell, shellFailure } from './shell.actor.js';
export type { ShellClock, ShellDeps, ShellRequest, ShellResult } from './shell.actor.js';
export { ShellSpawner, ShellSpawnerPool } from './shell-spawner.js';
export { readGroupFile, removeGroupFile } from './group-file.js';
export type {
  FromShellSpawner,
  StartRequest,
  StartResult,
  ToShellSpawner,
} from './shell-spawner.js';
export { runCapture } from './capture.actor.js';
export type { CaptureRequest, CaptureResult } from './capture.actor.js';
export {
  DEFAULT_NOTIFY_EVENTS,
  sendNotification,
  toNotifyOptions,
  wantsNotification,
} from './notify.actor.js';
export type { Notification, NotifyDeps, NotifyOptions } from './notify.actor.js';
export {
  WorkspaceError,
  createWorkspace,
  gitRoot,
  listWorktrees,
  removeWorkspace,
} from './workspace.actor.js';
export type { WorkspaceInfo, WorkspaceSpec, WorktreeEntry } from './workspace.actor.js';
