// Unit tests of the generated strategy machine, driven through XState's pure transition().

import { referencedImplementations } from './testing.js';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  FF_TIMEOUT_MS,
  INPUT,
  REBASE_TIMEOUT_MS,
  START_AT,
  createStrategyDef,
  driveStrategy,
  strategyEvents as s,
} from './strategy.fixtures.js';
import { createStrategyMachine, strategyDeadlines, strategyOutcome } from './index.js';
import type { StrategyEffect, StrategyEvent } from './index.js';

type Driver = ReturnType<typeof driveStrategy>;
const SHA = 'abc123';

const shell = (step: string, script: string, extra: object = {}): StrategyEffect => ({
  kind: 'shell',
  id: `run-1:${step}`,
  pipeline: 'pl-1',
  phase: 'merge',
  script,
  ...extra,
});
const cancelOf = (step: string): StrategyEffect => ({
  kind: 'cancelEffect',
  id: `run-1:${step}:cancel`,
  pipeline: 'pl-1',
  target: `run-1:${step}`,
});
const ATTEMPT0 = shell('attempt0', 'git merge --ff-only FETCH_HEAD', { timeoutMs: FF_TIMEOUT_MS });
const ATTEMPT1 = shell('attempt1', 'git rebase origin/main', { timeoutMs: REBASE_TIMEOUT_MS });
const ROLLBACK1 = shell('rollback1', 'git rebase --abort; git reset --hard {checkpoint}', {
  vars: { checkpoint: SHA },
});
const ATTEMPT2: StrategyEffect = {
  kind: 'spawnAgent',
  id: 'run-1:attempt2',
  pipeline: 'pl-1',
  phase: 'merge',
  agent: 'demo.conflict_resolution',
  epoch: 2,
};
const ROLLBACK2 = shell('rollback2', 'git reset --hard {checkpoint}', {
  vars: { checkpoint: SHA },
});

/** Sends `events` and asserts they changed nothing and emitted nothing. */
function expectIgnored(d: Driver, ...events: StrategyEvent[]): void {
  for (const event of events) {
    const before = d.snapshot;
    expect(d.send(event)).toEqual([]);
    expect(d.snapshot.value).toEqual(before.value);
    expect(d.snapshot.context).toEqual(before.context);
  }
}

/** A run whose checkpoint printed `SHA` (with the newline a shell prints). */
function pastCheckpoint(): Driver {
  const d = driveStrategy();
  d.send(s.done('checkpoint', 1_500, `${SHA}\n`));
  return d;
}

describe('createStrategyMachine: the happy path', () => {
  it('runs the checkpoint first and keeps its trimmed output', () => {
    const d = driveStrategy();
    expect(d.snapshot.value).toBe('checkpoint');
    expect(d.effects).toEqual([shell('checkpoint', 'git rev-parse HEAD')]);
    expect(d.send(s.done('checkpoint', 1_500, `  ${SHA}\n`))).toEqual([ATTEMPT0]);
    expect(d.snapshot.context.checkpoint).toBe(SHA);
    expect(strategyDeadlines(d.snapshot)).toEqual([
      { id: 'run-1:attempt0:deadline', at: 1_500 + FF_TIMEOUT_MS },
    ]);
  });

  it('succeeds on the first attempt without running any rollback', () => {
    const d = pastCheckpoint();
    expect(d.send(s.done('attempt0', 3_000))).toEqual([]);
    expect(d.snapshot.value).toBe('succeeded');
    expect(strategyOutcome(d.snapshot)).toBe('succeeded');
    expect(d.snapshot.context).toMatchObject({
      winner: 'fast-forward',
      inflight: null,
      deadline: null,
      errors: [],
      onExhaust: null,
      endedAt: 3_000,
    });
    expect(d.effects.map((e) => e.id)).toEqual(['run-1:checkpoint', 'run-1:attempt0']);
  });

  it('starts at the first attempt, timed from the input, when there is no checkpoint', () => {
    const d = driveStrategy(createStrategyDef({ checkpoint: undefined }), {
      ...INPUT,
      phase: null,
    });
    expect(d.snapshot.value).toBe('attempt0');
    expect(d.effects).toEqual([{ ...ATTEMPT0, phase: null }]);
    expect(strategyDeadlines(d.snapshot)).toEqual([
      { id: 'run-1:attempt0:deadline', at: START_AT + FF_TIMEOUT_MS },
    ]);
  });
});

describe('createStrategyMachine: falling back', () => {
  it('falls back from a failing attempt to the next, rolling back in between with the checkpoint', () => {
    const d = pastCheckpoint();
    expect(d.send(s.failed('attempt0', 'not a fast-forward'))).toEqual([ATTEMPT1]);
    expect(d.send(s.failed('attempt1', 'conflict in a.ts', 4_000))).toEqual([ROLLBACK1]);
    expect(d.snapshot.value).toBe('rollback1');
    expect(strategyDeadlines(d.snapshot)).toEqual([]);
    expect(d.send(s.done('rollback1', 5_000))).toEqual([ATTEMPT2]);
    expect(d.send(s.done('attempt2', 6_000))).toEqual([]);
    expect(d.snapshot.context.winner).toBe('agent-resolve');
    expect(d.snapshot.context.errors).toEqual([
      'strategy "demo.merge" attempt "fast-forward" (1 of 3) failed: not a fast-forward',
      'strategy "demo.merge" attempt "rebase" (2 of 3) failed: conflict in a.ts',
    ]);
  });

  it('exhausts the chain when every attempt fails, with one message per attempt', () => {
    const d = pastCheckpoint();
    d.send(s.failed('attempt0'), s.failed('attempt1'), s.done('rollback1'), s.failed('attempt2'));
    expect(d.snapshot.value).toBe('rollback2');
    expect(d.send(s.done('rollback2', 9_000))).toEqual([]);
    expect(strategyOutcome(d.snapshot)).toBe('exhausted');
    expect(d.snapshot.context).toMatchObject({
      winner: null,
      inflight: null,
      onExhaust: [{ name: 'escalate', builtin: 'escalate' }],
      endedAt: 9_000,
    });
    expect(d.snapshot.context.errors).toEqual(
      ['"fast-forward" (1 of 3)', '"rebase" (2 of 3)', '"agent-resolve" (3 of 3)'].map(
        (a) => `strategy "demo.merge" attempt ${a} failed: exit 1`,
      ),
    );
    expect(d.effects).toEqual([
      shell('checkpoint', 'git rev-parse HEAD'),
      ATTEMPT0,
      ATTEMPT1,
      ROLLBACK1,
      ATTEMPT2,
      ROLLBACK2,
    ]);
  });

  it('records a failed rollback and carries on with the next attempt', () => {
    const d = pastCheckpoint();
    d.send(s.failed('attempt0'), s.failed('attempt1'));
    expect(d.send(s.failed('rollback1', 'reset refused'))).toEqual([ATTEMPT2]);
    expect(d.snapshot.context.errors.at(-1)).toBe(
      'rollback of strategy "demo.merge" attempt "rebase" (2 of 3) failed: reset refused',
    );
  });

  it('gives the rollback no checkpoint variable when the strategy has no checkpoint', () => {
    const d = driveStrategy(createStrategyDef({ checkpoint: undefined }));
    d.send(s.failed('attempt0'));
    const [rollback] = d.send(s.failed('attempt1'));
    expect(rollback).toMatchObject({ kind: 'shell', id: 'run-1:rollback1' });
    expect(rollback).not.toHaveProperty('vars');
  });

  it.each([
    ['fast-forward, no rollback', 'attempt0', FF_TIMEOUT_MS, [], [ATTEMPT1]],
    ['rebase, with a rollback', 'attempt1', REBASE_TIMEOUT_MS, ['attempt0'], [ROLLBACK1]],
  ] as const)('times out %s: cancels it, then moves on', (_, step, timeoutMs, failFirst, then) => {
    const d = pastCheckpoint();
    d.send(...failFirst.map((f) => s.failed(f, 'exit 1', 1_500)));
    const due = 1_500 + timeoutMs;
    expect(d.send(s.deadline(step, due))).toEqual([cancelOf(step), ...then]);
    const name = step === 'attempt0' ? '"fast-forward" (1 of 3)' : '"rebase" (2 of 3)';
    expect(d.snapshot.context.errors.at(-1)).toBe(
      `strategy "demo.merge" attempt ${name} timed out after ${timeoutMs} ms`,
    );
    // The cancelled attempt's own failure report arrives late and changes nothing.
    expectIgnored(d, s.failed(step, 'killed'), s.deadline(step, due));
  });

  it('exhausts the run at once when the checkpoint fails, with nothing to roll back', () => {
    const d = driveStrategy();
    expect(d.send(s.failed('checkpoint', 'not a git repository', 1_200))).toEqual([]);
    expect(strategyOutcome(d.snapshot)).toBe('exhausted');
    expect(d.snapshot.context).toMatchObject({
      errors: ['strategy "demo.merge" checkpoint failed: not a git repository'],
      onExhaust: [{ name: 'escalate', builtin: 'escalate' }],
      checkpoint: null,
      endedAt: 1_200,
    });
  });
});

describe('createStrategyMachine: stale events and cancel', () => {
  it.each([
    ['a result of an effect it never started', s.done('attempt2')],
    ['a failure of an effect it never started', s.failed('rollback1')],
    ['a result of the finished checkpoint', s.done('checkpoint', 3_000, 'other')],
    ['a deadline before it is due', s.deadline('attempt0', 1_500 + FF_TIMEOUT_MS - 1)],
    ['a deadline of another attempt', s.deadline('attempt1', 1e12)],
    ['a deadline it does not know', { type: 'deadline', id: 'nonsense', at: 1e12 } as const],
  ])('ignores %s', (_, event) => {
    expectIgnored(pastCheckpoint(), event);
  });

  it('ignores a late result of a failed attempt while its rollback runs', () => {
    const d = pastCheckpoint();
    d.send(s.failed('attempt0'), s.failed('attempt1'));
    expectIgnored(d, s.done('attempt1'), s.failed('attempt0'), s.deadline('attempt1', 1e12));
  });

  it.each([
    ['the checkpoint', [], 'checkpoint'],
    ['an attempt', [s.done('checkpoint', 1_500, SHA)], 'attempt0'],
    [
      'a rollback',
      [s.done('checkpoint', 1_500, SHA), s.failed('attempt0'), s.failed('attempt1')],
      'rollback1',
    ],
  ] as const)('cancels the in-flight effect during %s and stops', (_, setUp, step) => {
    const d = driveStrategy();
    d.send(...setUp);
    expect(d.send(s.cancel(7_000))).toEqual([cancelOf(step)]);
    expect(strategyOutcome(d.snapshot)).toBe('cancelled');
    expect(d.snapshot.context).toMatchObject({ inflight: null, deadline: null, endedAt: 7_000 });
    expect(strategyDeadlines(d.snapshot)).toEqual([]);
  });

  it.each(['succeeded', 'exhausted', 'cancelled'] as const)(
    'changes nothing once %s',
    (outcome) => {
      const d = pastCheckpoint();
      if (outcome === 'succeeded') d.send(s.done('attempt0'));
      if (outcome === 'exhausted') {
        d.send(s.failed('attempt0'), s.failed('attempt1'), s.done('rollback1'));
        d.send(s.failed('attempt2'), s.failed('rollback2'));
      }
      if (outcome === 'cancelled') d.send(s.cancel());
      expect(strategyOutcome(d.snapshot)).toBe(outcome);
      expectIgnored(d, s.cancel(), s.done('attempt0'), s.failed('attempt2'), s.done('rollback2'));
    },
  );

  it('refuses a strategy without attempts, naming it', () => {
    expect(() => createStrategyMachine(createStrategyDef({ attempts: [] }))).toThrow(
      /strategy "demo.merge" has no attempts/,
    );
  });
});

describe('createStrategyMachine: snapshots and references', () => {
  it('continues correctly after a persisted snapshot round-trips through JSON', () => {
    const machine = createStrategyMachine(createStrategyDef());
    const first = createActor(machine, { input: INPUT }).start();
    first.send(s.done('checkpoint', 1_500, SHA));
    first.send(s.failed('attempt0'));
    const persisted = JSON.parse(JSON.stringify(first.getPersistedSnapshot())) as ReturnType<
      typeof first.getPersistedSnapshot
    >;
    first.stop();

    const second = createActor(machine, { snapshot: persisted, input: INPUT });
    const effects: StrategyEffect[] = [];
    second.on('effect', ({ effect }) => effects.push(effect));
    second.start();
    expect(second.getSnapshot().value).toBe('attempt1');
    expect(second.getSnapshot().context).toEqual(first.getSnapshot().context);
    expect(strategyDeadlines(second.getSnapshot())).toEqual(strategyDeadlines(first.getSnapshot()));
    expect(effects).toEqual([]); // restoring does not start the attempt a second time
    second.send(s.failed('attempt0'));
    second.send(s.deadline('attempt1', 2_000 + REBASE_TIMEOUT_MS));
    second.send(s.done('rollback1'));
    second.send(s.done('attempt2', 9_000));
    expect(effects).toEqual([cancelOf('attempt1'), ROLLBACK1, ATTEMPT2]);
    expect(second.getSnapshot().status).toBe('done');
    expect(second.getSnapshot().context.winner).toBe('agent-resolve');
  });

  it('references only actions and guards that are implemented, and uses each one', () => {
    const machine = createStrategyMachine(createStrategyDef());
    const { actions, guards } = referencedImplementations(machine);
    expect([...actions].sort()).toEqual(Object.keys(machine.implementations.actions).sort());
    expect([...guards].sort()).toEqual(Object.keys(machine.implementations.guards).sort());
  });
});
