// Front door of src/actors: the effect executors the runtime hands effects to.

export { buildShellEnv, runShell } from './shell.actor.js';
export type { ShellClock, ShellDeps, ShellRequest, ShellResult } from './shell.actor.js';
export { parseSourceItems, runCapture } from './capture.actor.js';
export type { CaptureRequest, CaptureResult } from './capture.actor.js';
