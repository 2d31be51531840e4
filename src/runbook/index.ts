// The runbook language's front door: parse → compile, diagnostics, argument binding, durations,
// interpolation and templates. Everything here is pure.
export { parseRunbook } from './parse.js';
export type { ParsedRunbook } from './parse.js';
export { compileRunbooks } from './compile.js';
export type { CompileDeps, Project } from './compile.js';
export { formatIssue, RunbookError } from './errors.js';
export type { IssueCode, RunbookIssue } from './errors.js';
export { bindArgs, formatUsage, formatUsageLine } from './args.js';
export type { ArgBindError } from './args.js';
export { formatDuration, parseDuration } from './duration.js';
export { findPlaceholders, interpolateShell, interpolateText } from './interpolate.js';
export { renderTemplate } from './template.js';
export { toCanonicalJson } from './hash.js';
export { bundlePipeline } from './bundle.js';
export type { PipelineBundle } from './bundle.js';
export { suggest } from './suggest.js';
export { Registry } from './refs.js';
export { KINDS, RECOVERY_ACTIONS, EVENT_HOOKS } from './types.js';
export type * from './types.js';
