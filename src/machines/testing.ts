// Test support for generated machines: the action and guard names a machine references. XState
// silently ignores unknown names (DESIGN.md §5), so each machine's spec checks them against its
// implementations with this walk.
import type { AnyStateMachine, AnyStateNode } from 'xstate';

/** Every action and guard name referenced anywhere in `machine` (entry, exit, transitions). */
export function referencedImplementations(machine: AnyStateMachine): {
  actions: Set<string>;
  guards: Set<string>;
} {
  const actions = new Set<string>();
  const guards = new Set<string>();
  const add = (into: Set<string>, ref: unknown): void => {
    if (typeof ref === 'string') into.add(ref);
    else if (typeof ref === 'function' && 'guards' in ref) {
      for (const inner of ref.guards as unknown[]) add(into, inner); // and()/or()/not() guards
    } else if (ref !== null && typeof ref === 'object' && 'type' in ref) into.add(String(ref.type));
    else throw new Error('inline implementation in a generated machine');
  };
  const walk = (node: AnyStateNode): void => {
    node.entry.forEach((a) => add(actions, a));
    node.exit.forEach((a) => add(actions, a));
    for (const transitions of node.transitions.values()) {
      for (const t of transitions) {
        t.actions.forEach((a) => add(actions, a));
        if (t.guard !== undefined) add(guards, t.guard);
      }
    }
    Object.values(node.states).forEach(walk);
  };
  walk(machine.root);
  return { actions, guards };
}
