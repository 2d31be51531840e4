// The front door of agent state detection: classifiers for hooks, session logs, Codex JSONL and the
// screen, the output-activity tracker, the arbiter, and the log tailer. See notes/agents.md §3.
export type {
  AgentErrorInfo,
  AgentState,
  Current,
  Emission,
  PromptInfo,
  ScreenDriver,
  Tier,
  Verdict,
} from './types.js';
export { arbitrate } from './arbitrate.js';
export { classifyHook } from './classify-hook.js';
export { classifyClaudeLogEntry } from './classify-claude-log.js';
export { classifyCodexEvent } from './classify-codex.js';
export { classifyScreen } from './classify-screen.js';
export type { ScreenOptions } from './classify-screen.js';
export { createActivityTracker } from './activity-tracker.js';
export type { ActivityTracker, ActivityTrackerOptions } from './activity-tracker.js';
export { createLineSplitter } from './line-splitter.js';
export type { LineSplitter } from './line-splitter.js';
export { createLogTailer } from './log-tailer.js';
export type { LogTailer, LogTailerOptions, TailerClock } from './log-tailer.js';
export { claudeLogPath } from './log-path.js';
