// Model-based test of the strategy machine: @xstate/graph walks a three-attempt run (checkpoint,
// rollbacks on attempts 2 and 3, timeouts on attempts 1 and 3); every state is offered every event
// type and checked against the invariants, every shortest path is replayed through a live actor,
// and fast-check walks random paths checking the invariants that span a path.

import { createTestModel, getStateNodes } from '@xstate/graph';
import type { StatePath } from '@xstate/graph';
import { branchesTaken, replayPath, walkRandomPaths } from './testing.js';
import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { INPUT, RUN, createStrategyDef } from './strategy.fixtures.js';
import {
  STRATEGY_EVENT_TYPES,
  collectStrategyEffects,
  createStrategyMachine,
  strategyOutcome,
} from './index.js';
import type { StrategyEffect, StrategyEvent, StrategySnapshot } from './index.js';

const DEF = createStrategyDef({
  attempts: [
    { name: 'fast-forward', run: 'git merge --ff-only FETCH_HEAD', timeoutMs: 60_000 },
    { name: 'rebase', run: 'git rebase origin/main', rollback: 'git rebase --abort' },
    {
      name: 'agent-resolve',
      agent: 'demo.conflict_resolution',
      timeoutMs: 1_800_000,
      rollback: 'git reset --hard {checkpoint}',
    },
  ],
});
const AT = 2_000; // the time of every event but a due deadline
const SHA = 'abc123';
const machine = createStrategyMachine(DEF);

type Snapshot = StrategySnapshot;

const valueOf = (s: Snapshot) => String(s.value);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const settles = (event: StrategyEvent, id: string | null) =>
  (event.type === 'effect.done' || event.type === 'effect.failed') && event.id === id;

/** What may happen in `snapshot`: the in-flight effect ends either way, its timer fires, a cancel. */
function liveEvents(snapshot: Snapshot): StrategyEvent[] {
  const { inflight, deadline } = snapshot.context;
  const events: StrategyEvent[] = [{ type: 'strategy.cancel', at: AT }];
  if (inflight !== null) {
    events.push(
      { type: 'effect.done', id: inflight, at: AT, output: ` ${SHA}\n` },
      { type: 'effect.failed', id: inflight, at: AT, error: 'exit 1' },
    );
  }
  if (deadline !== null) events.push({ type: 'deadline', id: deadline.id, at: deadline.at });
  return events;
}

/** Events that must change nothing in any state: other effects' results, early or foreign timers. */
function ignoredEvents(snapshot: Snapshot): StrategyEvent[] {
  const { inflight, deadline } = snapshot.context;
  const others = ['checkpoint', 'attempt0', 'attempt1', 'attempt2', 'rollback1', 'rollback2']
    .map((step) => `${RUN}:${step}`)
    .filter((id) => id !== inflight);
  const events: StrategyEvent[] = others.flatMap((id): StrategyEvent[] => [
    { type: 'effect.done', id, at: AT },
    { type: 'effect.failed', id, at: AT, error: 'late' },
    { type: 'deadline', id: `${id}:deadline`, at: 1e12 },
  ]);
  if (deadline !== null) events.push({ type: 'deadline', id: deadline.id, at: deadline.at - 1 });
  return events;
}

/** The graph key: where the run is and what it knows; `errors.length` is bounded by the chain. */
function keyOf(s: Snapshot): string {
  const { inflight, deadline, errors, winner, checkpoint, onExhaust } = s.context;
  const flags = [deadline?.id ?? null, errors.length, winner, checkpoint, onExhaust !== null];
  return JSON.stringify([s.value, inflight, ...flags]);
}

const model = createTestModel(machine, {
  events: liveEvents,
  serializeState: keyOf,
  input: INPUT,
  limit: 1e4,
});

/** What must hold in every snapshot. */
function snapshotViolations(s: Snapshot): string[] {
  const value = valueOf(s);
  const { inflight, deadline, winner, onExhaust } = s.context;
  const running = strategyOutcome(s) === 'running';
  const timed = /^attempt\d$/.test(value) && DEF.attempts[Number(value.slice(7))]?.timeoutMs;
  const rules: [boolean, string][] = [
    [running === (s.status === 'active'), 'running exactly while the machine is active'],
    [running ? inflight === `${RUN}:${value}` : inflight === null, `in flight: ${inflight}`],
    [(deadline !== null) === Boolean(timed), 'a deadline exactly while a timed attempt runs'],
    [(winner !== null) === (value === 'succeeded'), 'a winner exactly when it succeeded'],
    [(onExhaust !== null) === (value === 'exhausted'), 'on_exhaust exactly when exhausted'],
  ];
  return rules.filter(([ok]) => !ok).map(([, rule]) => rule);
}

/** The state the chain must go to after attempt `index` failed or timed out. */
function afterFailure(index: number): string {
  if (DEF.attempts[index]?.rollback !== undefined) return `rollback${index}`;
  return index === DEF.attempts.length - 1 ? 'exhausted' : `attempt${index + 1}`;
}

/**
 * What is wrong with one step `prev --event--> next` that emitted `effects`. Collected rather
 * than asserted one by one: every state is offered many events.
 */
function stepViolations(
  prev: Snapshot,
  event: StrategyEvent,
  next: Snapshot,
  effects: StrategyEffect[],
): string[] {
  const wrong = snapshotViolations(next);
  const from = valueOf(prev);
  const to = valueOf(next);
  const was = prev.context.inflight;
  const starts = effects.filter((e) => e.kind !== 'cancelEffect');
  const cancels = effects.filter((e) => e.kind === 'cancelEffect');
  if (prev.status === 'done' && !(same(prev, next) && effects.length === 0)) {
    wrong.push('a final state changed');
  }
  // At most one effect in flight: a new one starts only once the old one ended or was cancelled.
  if (starts.length > 1) wrong.push('started two effects at once');
  if (
    cancels.some((c) => c.kind !== 'cancelEffect' || c.target !== was || c.id !== `${was}:cancel`)
  )
    wrong.push('cancelled something that was not in flight');
  const ended = settles(event, was) || cancels.length === 1;
  if (starts.length === 1 && !ended) wrong.push('started an effect while another was in flight');
  if (!ended && !same(prev.context, next.context)) wrong.push('changed without settling anything');
  if (ended && next.context.inflight !== (starts[0]?.id ?? null)) wrong.push('lost track');
  // A timeout and a cancel stop the attempt; nothing else does.
  const due = event.type === 'deadline' && prev.context.deadline?.id === event.id;
  const timedOut = due && event.at >= (prev.context.deadline?.at ?? Infinity);
  if (cancels.length !== (timedOut || (event.type === 'strategy.cancel' && was !== null) ? 1 : 0))
    wrong.push('cancel count');
  // A rollback always runs before the next attempt when the failed attempt has one.
  const attempt = /^attempt(\d)$/.exec(from);
  if (attempt !== null && (timedOut || (event.type === 'effect.failed' && settles(event, was)))) {
    if (to !== afterFailure(Number(attempt[1]))) wrong.push(`${from} failed into ${to}`);
  }
  for (const start of starts) {
    const index = /^run-1:attempt(\d)$/.exec(start.id)?.[1];
    if (index === undefined || index === '0') continue;
    const before = Number(index) - 1;
    const expectedFrom =
      DEF.attempts[before]?.rollback === undefined ? `attempt${before}` : `rollback${before}`;
    if (from !== expectedFrom) wrong.push(`${start.id} started from ${from}`);
  }
  for (const start of starts.filter((e) => /:rollback\d$/.test(e.id))) {
    if (!same(start.kind === 'shell' && start.vars, { checkpoint: SHA }))
      wrong.push('a rollback without the checkpoint');
  }
  return wrong.map((w) => `${JSON.stringify(event)} in ${keyOf(prev)}: ${w}`);
}

/** Follows a whole path: never two effects unsettled, every attempt after a rollback's end. */
function createPathChecker() {
  const open = new Set<string>();
  const started: string[] = [];
  return (
    prev: Snapshot,
    event: StrategyEvent,
    next: Snapshot,
    effects: StrategyEffect[],
  ): string[] => {
    const wrong = stepViolations(prev, event, next, effects);
    if (event.type === 'effect.done' || event.type === 'effect.failed') open.delete(event.id);
    for (const effect of effects) {
      if (effect.kind === 'cancelEffect') open.delete(effect.target);
      else {
        if (started.includes(effect.id)) wrong.push(`"${effect.id}" started twice`);
        started.push(effect.id);
        open.add(effect.id);
      }
    }
    if (open.size > 1) wrong.push(`in flight at once: ${[...open].join(', ')}`);
    started.forEach((id, i) => {
      const index = Number(/:attempt(\d)$/.exec(id)?.[1] ?? 0);
      if (index > 0 && DEF.attempts[index - 1]?.rollback !== undefined) {
        if (started[i - 1] !== `${RUN}:rollback${index - 1}`) wrong.push(`${id} before rollback`);
      }
    });
    return wrong;
  };
}

/** Replays `path` through a live actor (effects via `actor.on`), checking every step. */
async function replay(path: StatePath<Snapshot, StrategyEvent>): Promise<void> {
  const check = createPathChecker();
  await replayPath({
    machine,
    model,
    path,
    eventTypes: STRATEGY_EVENT_TYPES,
    keyOf,
    check,
    input: INPUT,
  });
}

describe('strategy machine model', () => {
  const shortest = model.getShortestPaths({ allowDuplicatePaths: true });
  const reached = shortest.map((p) => p.state);

  it('reaches every state of the generated chain', () => {
    const nodes = getStateNodes(machine.root).map((node) => node.key);
    expect(nodes.sort()).toEqual(
      [
        'checkpoint',
        'attempt0',
        'attempt1',
        'rollback1',
        'attempt2',
        'rollback2',
        'succeeded',
        'exhausted',
        'cancelled',
      ].sort(),
    );
    const visited = new Set(reached.map(valueOf));
    expect(nodes.filter((key) => !visited.has(key))).toEqual([]);
  });

  it('offers every event type to every state and takes every guarded branch, holding the invariants', () => {
    const declared = getStateNodes(machine.root).flatMap((node) =>
      [...node.transitions.entries()].flatMap(([type, candidates]) =>
        candidates.map((_, i) => `${node.id}|${type}|${i}`),
      ),
    );
    const pairs = new Set<string>();
    const taken = new Set<string>();
    const wrong: string[] = [];
    for (const state of reached) {
      for (const event of [...liveEvents(state), ...ignoredEvents(state)]) {
        const [next, actions] = transition(machine, state, event);
        wrong.push(...stepViolations(state, event, next, collectStrategyEffects(actions)));
        pairs.add(`${valueOf(state)}|${event.type}`);
        for (const branch of branchesTaken(machine, state, event)) taken.add(branch);
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(pairs.size).toBe(9 * STRATEGY_EVENT_TYPES.length);
    // checkpoint 3, three attempts × 3 plus a deadline for the two timed ones, two rollbacks × 3.
    expect(declared).toHaveLength(3 + 3 * 3 + 2 + 2 * 3);
    expect(declared.filter((key) => !taken.has(key))).toEqual([]);
  });

  it('holds the invariants along every shortest path, replayed live', async () => {
    expect(shortest.length).toBeGreaterThan(9);
    for (const path of shortest) await replay(path);
  });

  it('holds the invariants along long random paths', () => {
    walkRandomPaths({
      machine,
      input: INPUT,
      maxLength: 40,
      numRuns: 300,
      events: (snapshot: Snapshot) => [...liveEvents(snapshot), ...ignoredEvents(snapshot)],
      collectEffects: collectStrategyEffects,
      checker: createPathChecker,
    });
  });
});
