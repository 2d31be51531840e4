// Recovery chains (`["nudge", "restart:2", "escalate"]`): each word is a built-in recovery action
// or a runbook `[action.X]`, and only the actions that make sense where the chain is used are valid.
import { RECOVERY_ACTIONS } from './types.js';
import type { RecoveryAction, RecoveryStep } from './types.js';
import { suggest } from './suggest.js';

/** Where a chain is used, and the built-in actions valid there. */
export const RECOVERY_SITES = {
  'agent.on_stuck': ['nudge', 'restart', 'escalate', 'abandon', 'requeue', 'dead'],
  'agent.on_timeout': ['nudge', 'restart', 'escalate', 'abandon', 'requeue', 'dead'],
  'agent.on_exit': ['restart', 'escalate', 'abandon', 'requeue', 'dead'],
  'phase.on_fail': ['restart', 'escalate', 'abandon', 'requeue', 'dead'],
  'guard.on_timeout': ['escalate', 'abandon', 'requeue', 'dead'],
  'strategy.on_exhaust': ['escalate', 'abandon', 'requeue', 'dead'],
  'queue.on_exhaust': ['dead', 'escalate', 'abandon'],
  'lock.on_stale': ['release', 'rollback', 'escalate', 'reclaim'],
  'semaphore.on_orphan': ['reclaim', 'release', 'escalate'],
  'semaphore.on_orphan_work': ['requeue', 'dead', 'escalate', 'abandon'],
  'monitor.response': RECOVERY_ACTIONS,
} as const satisfies Record<string, readonly RecoveryAction[]>;
export type RecoverySite = keyof typeof RECOVERY_SITES;

export interface ChainIssue {
  index: number;
  message: string;
  hint?: string;
}

/**
 * Parses a chain used at `site`. `actions` are the `[action.X]` names visible there (they may
 * implement or extend the vocabulary); `qualify` turns such a name into its qualified name. Pure.
 */
export function parseRecoveryChain(
  words: string | readonly string[],
  site: RecoverySite,
  actions: readonly string[],
  qualify: (name: string) => string,
): { steps: RecoveryStep[]; issues: ChainIssue[] } {
  const list = typeof words === 'string' ? [words] : words;
  const valid: readonly string[] = RECOVERY_SITES[site];
  const steps: RecoveryStep[] = [];
  const issues: ChainIssue[] = [];
  list.forEach((word, index) => {
    const match = /^([A-Za-z][A-Za-z0-9_-]*)(?::(.*))?$/.exec(word);
    if (!match) {
      issues.push({
        index,
        message: `"${word}" is not a recovery action`,
        hint: `write a word such as ${valid.join(', ')}`,
      });
      return;
    }
    const name = match[1] as string;
    const count = match[2];
    const isAction = actions.includes(name);
    const builtin = (RECOVERY_ACTIONS as readonly string[]).includes(name)
      ? (name as RecoveryAction)
      : undefined;
    if (!isAction && !builtin) {
      const close = suggest(name, [...valid, ...actions]);
      issues.push({
        index,
        message: `"${name}" is not a recovery action or a defined [action.${name}]`,
        hint: close
          ? `did you mean "${close}"?`
          : `valid here: ${[...valid, ...actions].join(', ')}`,
      });
      return;
    }
    if (!isAction && builtin && !valid.includes(builtin)) {
      issues.push({
        index,
        message: `"${name}" cannot be used in ${site}`,
        hint: `valid here: ${valid.join(', ')}`,
      });
      return;
    }
    const step: RecoveryStep = { name };
    if (builtin) step.builtin = builtin;
    if (isAction) step.action = qualify(name);
    if (count !== undefined) {
      if (!/^[1-9][0-9]*$/.test(count)) {
        issues.push({
          index,
          message: `"${word}": the count after ":" must be a whole number of at least 1`,
          hint: `e.g. "${name}:2"`,
        });
        return;
      }
      if (builtin !== 'restart' && !isAction) {
        issues.push({
          index,
          message: `"${word}": only "restart" and named actions take a count`,
          hint: `write "${name}"`,
        });
        return;
      }
      step.max = Number(count);
    }
    steps.push(step);
  });
  return { steps, issues };
}
