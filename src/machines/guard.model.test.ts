// Model-based test of the guard machine: @xstate/graph walks a polling guard (retry max 2, every
// second, 5 s timeout) and a `wake_on` guard (5 s timeout, no polling); every shortest path is
// replayed through a live actor and every step is checked against the invariants: never more tries
// than allowed, no evaluation after the guard ended, met only on a met result, timed out only at
// the timeout, and a wake_on guard never polls.

import { createTestModel, getStateNodes } from '@xstate/graph';
import type { StatePath } from '@xstate/graph';
import { describe, expect, it } from 'vitest';
import type { GuardDef } from '../runbook/index.js';
import { replayPath } from './testing.js';
import {
  GUARD_EVENT_TYPES,
  TIMEOUT_DEADLINE_ID,
  createGuardMachine,
  guardDeadlines,
} from './index.js';
import type { EvalConditionEffect, GuardEvent, GuardSnapshot } from './index.js';

const AT = 1_000;
const INTERVAL_MS = 1_000;
const TIMEOUT_MS = 5_000;
const INPUT = { id: 'pl-1:guard', at: AT };

function guardDef(overrides: Partial<GuardDef>): GuardDef {
  return {
    name: 'ready',
    runbook: 'demo',
    qualified: 'demo.ready',
    condition: 'test -e ready',
    retry: { max: 2, intervalMs: INTERVAL_MS },
    timeoutMs: TIMEOUT_MS,
    onTimeout: [],
    wakeOn: [],
    ...overrides,
  } as GuardDef;
}

const KINDS = {
  polling: guardDef({}),
  wake_on: guardDef({ wakeOn: ['ready:*'], retry: { max: 0, intervalMs: 0 } }),
};

type Snapshot = GuardSnapshot;

/** When the current try started: polling tries are an interval apart, wakes 700 ms apart. */
function nowOf(def: GuardDef, s: Snapshot): number {
  const step = def.wakeOn.length ? 700 : INTERVAL_MS;
  return AT + Math.max(0, s.context.tries - 1) * step;
}

function liveEvents(def: GuardDef) {
  return (s: Snapshot): GuardEvent[] => {
    const at = nowOf(def, s);
    const events: GuardEvent[] = [
      { type: 'guard.result', at, met: true },
      { type: 'guard.result', at, met: false, error: 'exit 1' },
      { type: 'guard.cancel', at },
      { type: 'deadline', at: AT + TIMEOUT_MS - 1, id: TIMEOUT_DEADLINE_ID }, // early: ignored
    ];
    // Every event type is always offered (else the graph sends a bare `{ type }`).
    events.push({ type: 'guard.wake', at: at + 700 });
    for (const d of guardDeadlines(s)) events.push({ type: 'deadline', at: d.at, id: d.id });
    return events;
  };
}

/** The graph key; a wake_on guard may try without bound, so tries beyond six count as six. */
const keyOf = (s: Snapshot) =>
  JSON.stringify([s.value, Math.min(s.context.tries, 6), s.context.retryAt, s.context.outcome]);

function checker(def: GuardDef) {
  const maxTries = def.wakeOn.length ? Infinity : def.retry.max + 1;
  return (prev: Snapshot, event: GuardEvent, next: Snapshot, effects: EvalConditionEffect[]) => {
    const wrong: string[] = [];
    const ended = (s: Snapshot) => s.status === 'done';
    if (next.context.tries > maxTries) wrong.push(`${next.context.tries} tries of ${maxTries}`);
    if (ended(prev) && effects.length) wrong.push('evaluated after the guard ended');
    if (effects.some((e, i) => e.try !== prev.context.tries + i + 1)) wrong.push('a try skipped');
    if (next.context.tries !== prev.context.tries + effects.length) wrong.push('tries miscounted');
    if (next.value === 'met' && prev.value !== 'met') {
      if (event.type !== 'guard.result' || !event.met) wrong.push('met without a met result');
    }
    if (next.context.outcome === 'timed out' && prev.context.outcome !== 'timed out') {
      if (event.at < AT + TIMEOUT_MS) wrong.push('timed out before the timeout');
    }
    if (def.wakeOn.length && next.context.retryAt !== null) wrong.push('a wake_on guard polls');
    if (!def.wakeOn.length && next.value === 'waiting' && next.context.retryAt === null)
      wrong.push('a polling guard waits without a retry deadline');
    if (next.value === 'evaluating' && prev.value === 'waiting' && effects.length !== 1)
      wrong.push('woke without evaluating');
    return wrong;
  };
}

describe.each(Object.entries(KINDS))('guard machine model (%s)', (_kind, def) => {
  const machine = createGuardMachine(def);
  const model = createTestModel(machine, {
    events: liveEvents(def),
    serializeState: keyOf,
    input: INPUT,
    limit: 1e4,
  });
  const paths = model.getShortestPaths({ allowDuplicatePaths: true });

  it('reaches every state', () => {
    const nodes = getStateNodes(machine.root).map((n) => n.key);
    const visited = new Set(paths.map((p) => String(p.state.value)));
    expect(nodes.filter((key) => !visited.has(key))).toEqual([]);
  });

  it('holds the invariants on every step of every path', async () => {
    expect(paths.length).toBeGreaterThan(5);
    for (const path of paths)
      await replayPath({
        machine,
        model,
        path: path as StatePath<Snapshot, GuardEvent>,
        eventTypes: GUARD_EVENT_TYPES,
        keyOf,
        check: checker(def),
        input: INPUT,
      });
  });

  it('ends unmet with the reason a user needs', () => {
    const outcomes = new Set(paths.map((p) => p.state.context.outcome).filter(Boolean));
    const expected = def.wakeOn.length
      ? ['timed out', 'cancelled']
      : ['not met after 3 tries', 'timed out', 'cancelled'];
    for (const o of expected) expect(outcomes).toContain(o);
  });
});
