// The arbiter: decides whether a detector's emission changes the agent's state, given the state now
// and the tier that reported it (notes/agents.md §3). Pure; the host applies the verdict.
import type { AgentState, Current, Emission, PromptInfo, Verdict } from './types.js';

/** Higher wins against a worse tier: a weak source may raise the state, never lower it. */
const PRIORITY = {
  starting: 0,
  idle: 1,
  working: 2,
  prompt: 3,
  exited: 4,
} as const satisfies Record<AgentState, number>;

/**
 * Pure. `exited` is final and accepted from any tier; nothing returns to `starting`. The same state
 * from a better tier only records the tier. An equal or better tier is accepted, except that a
 * generic permission prompt never replaces a plan or question prompt of the same tier (Claude fires
 * both for one dialog). A worse tier is accepted only when it raises the priority — this is what
 * stops a stale screen or log line from flapping a state that a hook reported.
 */
export function arbitrate(current: Current, e: Emission): Verdict {
  if (current.state === 'exited') return 'drop';
  if (e.state === 'exited') return 'accept';
  if (e.state === 'starting') return 'drop';
  if (e.state === current.state && !isDifferentPrompt(current, e)) {
    return e.tier < current.tier ? 'record_tier' : 'drop';
  }
  if (e.tier <= current.tier) {
    return isPermissionOverDialog(current, e) && e.tier === current.tier ? 'drop' : 'accept';
  }
  return PRIORITY[e.state] > PRIORITY[current.state] ? 'accept' : 'drop';
}

/** Two prompt states showing different dialogs; a detail one side lacks does not make them differ. */
function isDifferentPrompt(current: Current, e: Emission): boolean {
  if (current.state !== 'prompt' || e.state !== 'prompt') return false;
  const a = current.prompt;
  const b = e.prompt;
  if (a === undefined || b === undefined) return false;
  return (
    a.kind !== b.kind ||
    differs(a.subtype, b.subtype) ||
    differs(a.tool, b.tool) ||
    differs(a.input, b.input)
  );
}

function differs(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a !== b;
}

function isPermissionOverDialog(current: Current, e: Emission): boolean {
  return (
    e.prompt?.kind === 'permission' &&
    current.state === 'prompt' &&
    isPlanOrQuestion(current.prompt)
  );
}

function isPlanOrQuestion(p: PromptInfo | undefined): boolean {
  return p?.kind === 'plan' || p?.kind === 'question';
}
