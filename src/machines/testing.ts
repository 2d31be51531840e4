// Test support for generated machines (imported by specs only): the action and guard names a
// machine references (XState silently ignores unknown ones), the guarded branches a step takes,
// replaying a model path through a live actor with a check at every step, and long random walks.
import fc from 'fast-check';
import { expect } from 'vitest';
import { createActor, initialTransition, transition } from 'xstate';
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

/** `node|eventType|n` for each transition `event` takes from `snapshot`: the n-th guarded branch. */
export function branchesTaken(
  machine: AnyStateMachine,
  snapshot: unknown,
  event: { type: string },
): string[] {
  return machine.getTransitionData(snapshot as never, event as never).map((t) => {
    const candidates = t.source.transitions.get(t.eventType) ?? [];
    return `${t.source.id}|${t.eventType}|${candidates.indexOf(t)}`;
  });
}

/** A model's path replayer, as `createTestModel(...).testPath` takes one. */
export interface PathModel<P> {
  testPath(path: P, params: never): Promise<unknown>;
}

/**
 * Replays a model path through a live actor (effects collected from `actor.on('effect')`), and
 * fails the test on any violation `check` reports for a step, or when the actor's state key
 * differs from the model's.
 */
export async function replayPath<P, S, E extends { type: string }, F>(options: {
  machine: AnyStateMachine;
  model: PathModel<P>;
  path: P;
  eventTypes: readonly string[];
  keyOf: (snapshot: S) => string;
  check: (prev: S, event: E, next: S, effects: F[]) => string[];
  input?: unknown;
}): Promise<void> {
  const { machine, keyOf, check } = options;
  const actor = createActor(machine, options.input === undefined ? {} : { input: options.input });
  const effects: F[] = [];
  actor.on('effect', ({ effect }: { effect: F }) => effects.push(effect));
  actor.start();
  const send = (step: { event: E }) => {
    const prev = actor.getSnapshot() as S;
    effects.length = 0;
    actor.send(step.event);
    expect(check(prev, step.event, actor.getSnapshot() as S, [...effects])).toEqual([]);
  };
  const params = {
    events: Object.fromEntries(options.eventTypes.map((type) => [type, send])),
    states: { '*': (state: S) => expect(keyOf(actor.getSnapshot() as S)).toBe(keyOf(state)) },
  };
  await options.model.testPath(options.path, params as never);
  actor.stop();
}

/**
 * fast-check walks `numRuns` random paths of up to `maxLength` steps from the initial state, each
 * step picking one of `events(snapshot)` and failing on any violation a fresh `checker()` reports.
 */
export function walkRandomPaths<S, E extends { type: string }, F>(options: {
  machine: AnyStateMachine;
  input?: unknown;
  maxLength: number;
  numRuns: number;
  events: (snapshot: S) => E[];
  collectEffects: (actions: never) => F[];
  checker: () => (prev: S, event: E, next: S, effects: F[]) => string[];
}): void {
  const { machine, events, collectEffects } = options;
  fc.assert(
    fc.property(fc.array(fc.nat(), { maxLength: options.maxLength }), (choices) => {
      let [snapshot] = initialTransition(machine, options.input as never) as unknown as [S];
      const check = options.checker();
      for (const choice of choices) {
        const choicesHere = events(snapshot);
        const event = choicesHere[choice % choicesHere.length];
        if (event === undefined) continue;
        const [next, actions] = transition(machine, snapshot as never, event as never);
        expect(check(snapshot, event, next as S, collectEffects(actions as never))).toEqual([]);
        snapshot = next as S;
      }
    }),
    { numRuns: options.numRuns },
  );
}
