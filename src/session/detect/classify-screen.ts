// Tier 4: screen heuristics, dispatched by driver. Claude's screen has known shapes; other agents
// only have an optional idle pattern (their activity is tier 3's job).
import { classifyClaudeScreen } from './screen-claude.js';
import type { Emission, ScreenDriver } from './types.js';

export interface ScreenOptions {
  /** For codex/generic: a line matching this means the agent waits for input. */
  idlePattern?: RegExp;
}

/**
 * Pure. `lines` is the rendered screen, trailing spaces trimmed. Claude: idle input box, dialogs
 * and start-up prompts (see screen-claude.ts). Codex/generic: idle when a line matches
 * `opts.idlePattern`, else undefined.
 */
export function classifyScreen(
  lines: string[],
  driver: ScreenDriver,
  opts?: ScreenOptions,
): Emission | undefined {
  if (driver === 'claude') return classifyClaudeScreen(lines);
  const pattern = opts?.idlePattern;
  if (pattern === undefined) return undefined;
  // A global or sticky pattern keeps lastIndex between test() calls; reset so each line is tested whole.
  const matches = lines.some((line) => {
    pattern.lastIndex = 0;
    return pattern.test(line);
  });
  return matches ? { state: 'idle', tier: 4, cause: 'screen:idle-pattern' } : undefined;
}
