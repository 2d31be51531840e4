// Where Claude Code writes a session's log (notes/agents.md §1 "Session log"). Pure string work.

/**
 * `<configDir>/projects/<cwd with "/" and "." replaced by "-">/<sessionId>.jsonl`. `cwd` must be
 * the resolved (absolute, symlink-free) directory the agent runs in; `configDir` is
 * `$CLAUDE_CONFIG_DIR` or `~/.claude`.
 */
export function claudeLogPath(configDir: string, cwd: string, sessionId: string): string {
  const base = configDir.length > 1 ? configDir.replace(/\/+$/, '') : configDir;
  const project = cwd.replace(/[/.]/g, '-');
  return `${base}/projects/${project}/${sessionId}.jsonl`;
}
