// The session-log path Claude Code uses for a config dir, working directory and session id.
import { describe, expect, it } from 'vitest';
import { claudeLogPath } from './log-path.js';

const ID = '5f0c6a53-8a8e-4d3e-9d0b-6a2a2f6f7c11';

describe('claudeLogPath', () => {
  it.each([
    ['/home/ada/.claude', '/work/app', `/home/ada/.claude/projects/-work-app/${ID}.jsonl`],
    ['/home/ada/.claude/', '/work/app', `/home/ada/.claude/projects/-work-app/${ID}.jsonl`],
    [
      '/tmp/oj-test/claude',
      '/home/ada/src/my.app/.worktrees/feat.x',
      `/tmp/oj-test/claude/projects/-home-ada-src-my-app--worktrees-feat-x/${ID}.jsonl`,
    ],
  ])('places a session of config %s in %s at %s', (configDir, cwd, path) => {
    expect(claudeLogPath(configDir, cwd, ID)).toBe(path);
  });
});
