// Front door of src/project: loading a project's runbooks from disk (its root is found by
// findProjectRoot in src/runtime/paths.ts, which is cheap to import).
export { loadProject, loadRunbookFiles, sha256, stdRunbookDir } from './loader.js';
export type { LoadedProject, LoadOptions } from './loader.js';
