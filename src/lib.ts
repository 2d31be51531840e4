// oj as a library: load and check runbooks programmatically (used by bench/ and by tools that embed oj).
export { loadProject, loadRunbookFiles } from './project/index.js';
export { findProjectRoot } from './runtime/index.js';
export {
  compileRunbooks,
  parseRunbook,
  formatIssue,
  bindArgs,
  formatUsage,
} from './runbook/index.js';
export type { Project, RunbookIssue } from './runbook/index.js';
