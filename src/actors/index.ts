// Front door of src/actors: the effect executors the runtime hands effects to.

export { buildShellEnv, runShell } from './shell.actor.js';
export type { ShellClock, ShellDeps, ShellRequest, ShellResult } from './shell.actor.js';
