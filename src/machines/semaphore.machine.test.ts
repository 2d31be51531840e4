// Unit tests of the generated semaphore machine, driven through XState's pure transition().

import { referencedImplementations } from './testing.js';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  SLOT_HEARTBEAT_MS,
  SLOT_TIMEOUT_MS,
  createSemaphoreDef,
  driveSemaphore,
  semaphoreEvents as s,
} from './semaphore.fixtures.js';
import { parseOrphanDeadlineId } from './semaphore.context.js';
import {
  createSemaphoreMachine,
  semaphoreDeadlines,
  semaphoreHolders,
  semaphoreUsed,
  semaphoreWaiters,
  toOrphanDeadlineId,
} from './index.js';
import type { SemaphoreEffect, SemaphoreEvent } from './index.js';

type Driver = ReturnType<typeof driveSemaphore>;
const ORPHAN_MS = 2 * SLOT_HEARTBEAT_MS;

const granted = (owner: string, weight: number, generation: number): SemaphoreEffect => ({
  kind: 'granted',
  id: `granted:g-${owner}`,
  semaphore: 'demo.agents',
  grant: `g-${owner}`,
  holder: owner,
  weight,
  generation,
});

/** Sends `events` and asserts they changed nothing and emitted nothing. */
function expectIgnored(d: Driver, ...events: SemaphoreEvent[]): void {
  for (const event of events) {
    const before = d.snapshot;
    expect(d.send(event)).toEqual([]);
    expect(d.snapshot.context).toEqual(before.context);
  }
}

const holding = (d: Driver) => semaphoreHolders(d.snapshot).map((h) => `${h.owner}:${h.weight}`);
const waiting = (d: Driver) => semaphoreWaiters(d.snapshot).map((w) => `${w.owner}:${w.weight}`);

/** Four slots: `a` holds 3 since 1 000; `b` (2) waits, and `c` (1) waits behind it. */
function withBlockedLine(overrides: Parameters<typeof createSemaphoreDef>[0] = {}): Driver {
  const d = driveSemaphore(createSemaphoreDef(overrides));
  d.send(s.acquire('a', 3), s.acquire('b', 2, 1_100), s.acquire('c', 1, 1_200));
  return d;
}

describe('createSemaphoreMachine: acquiring', () => {
  it('grants a slot that fits at once, in a new generation', () => {
    const d = driveSemaphore();
    expect(d.send(s.acquire('a', 2, 5_000))).toEqual([granted('a', 2, 1)]);
    expect(d.snapshot.context).toEqual({
      holders: {
        'g-a': {
          grant: 'g-a',
          owner: 'a',
          weight: 2,
          generation: 1,
          since: 5_000,
          heartbeatAt: 5_000,
          orphanAt: 5_000 + ORPHAN_MS,
        },
      },
      waiters: [],
      generation: 1,
    });
    expect(semaphoreUsed(d.snapshot)).toBe(2);
  });

  it('grants up to max, then lines requests up', () => {
    const d = driveSemaphore();
    d.send(s.acquire('a', 1), s.acquire('b', 2), s.acquire('c', 1), s.acquire('d', 1));
    expect(holding(d)).toEqual(['a:1', 'b:2', 'c:1']);
    expect(semaphoreUsed(d.snapshot)).toBe(4);
    expect(waiting(d)).toEqual(['d:1']);
    expect(d.effects.map((e) => e.kind)).toEqual(['granted', 'granted', 'granted']);
  });

  it('lets a waiter that does not fit block lighter ones behind it, so it never starves', () => {
    const d = withBlockedLine();
    expect(waiting(d)).toEqual(['b:2', 'c:1']);
    expect(d.send(s.acquire('e', 1))).toEqual([]);
    expect(waiting(d)).toEqual(['b:2', 'c:1', 'e:1']);
  });

  it.each([
    ['over_max', 5, 'semaphore "demo.agents" has 4 slots; "a" asked for 5'],
    [
      'invalid_weight',
      0,
      'semaphore "demo.agents": "a" asked for 0 slots; a weight is a whole number of at least 1',
    ],
    ['invalid_weight', -1, /asked for -1 slots/],
    ['invalid_weight', 1.5, /asked for 1.5 slots/],
    ['invalid_weight', Number.NaN, /asked for NaN slots/],
  ])('refuses, as %s, a request of weight %s', (reason, weight, message) => {
    const d = driveSemaphore();
    const [refused, ...rest] = d.send(s.acquire('a', weight, 7_000));
    expect(rest).toEqual([]);
    expect(refused).toMatchObject({
      kind: 'refused',
      id: 'refused:g-a',
      semaphore: 'demo.agents',
      grant: 'g-a',
      holder: 'a',
      weight,
      reason,
    });
    expect(refused?.kind === 'refused' && refused.message).toMatch(message);
    expect(d.snapshot.context).toEqual({ holders: {}, waiters: [], generation: 0 });
  });

  it.each([
    ['a holding grant', s.acquire('a', 1)],
    ['a waiting grant', s.acquire('b', 1)],
    ['a holding grant, with a weight it would refuse', s.acquire('a', 9)],
    ['an empty grant', s.acquire('z', 1, 1_000, '')],
  ])('ignores an acquire with %s', (_, event) => {
    expectIgnored(withBlockedLine(), event);
  });
});

describe('createSemaphoreMachine: releasing', () => {
  it('frees the units of a holder that releases', () => {
    const d = driveSemaphore();
    d.send(s.acquire('a', 3), s.acquire('b', 1));
    expect(d.send(s.release('g-a'))).toEqual([]);
    expect(holding(d)).toEqual(['b:1']);
    expect(semaphoreUsed(d.snapshot)).toBe(1);
  });

  it('grants waiters from the head while they fit, in the same step', () => {
    const d = withBlockedLine();
    d.send(s.acquire('e', 2, 1_300), s.acquire('f', 1, 1_400));
    expect(d.send(s.release('g-a', 2_000))).toEqual([granted('b', 2, 2), granted('c', 1, 3)]);
    expect(holding(d)).toEqual(['b:2', 'c:1']);
    // `e` needs 2 of the 1 left and blocks `f`, which would fit.
    expect(waiting(d)).toEqual(['e:2', 'f:1']);
    expect(semaphoreHolders(d.snapshot)[0]).toMatchObject({ since: 2_000, heartbeatAt: 2_000 });
  });

  it('withdraws a waiter that releases before it got a slot', () => {
    const d = withBlockedLine();
    d.send(s.acquire('e', 2));
    expect(d.send(s.release('g-c'))).toEqual([]);
    expect(waiting(d)).toEqual(['b:2', 'e:2']);
  });

  it('grants the lighter waiters behind a blocking head that withdraws', () => {
    const d = withBlockedLine();
    expect(d.send(s.release('g-b', 3_000))).toEqual([granted('c', 1, 2)]);
    expect(waiting(d)).toEqual([]);
    expect(semaphoreUsed(d.snapshot)).toBe(4);
  });

  it.each([
    ['an unknown grant', [], s.release('g-zz')],
    ['a holder that already released', [s.release('g-a')], s.release('g-a')],
    ['a withdrawn waiter', [s.release('g-c')], s.release('g-c')],
    [
      'a reclaimed holder',
      [s.deadline(toOrphanDeadlineId(1), 1_000 + ORPHAN_MS)],
      s.release('g-a'),
    ],
  ])('never frees a slot twice: ignores a release by %s', (_, setUp, event) => {
    const d = withBlockedLine();
    d.send(...setUp);
    const used = semaphoreUsed(d.snapshot);
    expectIgnored(d, event);
    expect(semaphoreUsed(d.snapshot)).toBe(used);
  });
});

describe('createSemaphoreMachine: heartbeats', () => {
  it('moves the orphan deadline, keeping its id', () => {
    const d = withBlockedLine();
    expect(semaphoreDeadlines(d.snapshot)).toEqual([{ id: 'orphan:1', at: 1_000 + ORPHAN_MS }]);
    expect(d.send(s.heartbeat('g-a', 50_000))).toEqual([]);
    expect(semaphoreDeadlines(d.snapshot)).toEqual([{ id: 'orphan:1', at: 50_000 + ORPHAN_MS }]);
  });

  it('cannot keep a slot past its slot timeout', () => {
    const d = driveSemaphore();
    d.send(s.acquire('a', 1, 0), s.heartbeat('g-a', SLOT_TIMEOUT_MS - 1));
    expect(semaphoreDeadlines(d.snapshot)).toEqual([{ id: 'orphan:1', at: SLOT_TIMEOUT_MS }]);
  });

  it.each([
    ['a waiter', [], s.heartbeat('g-b')],
    ['an unknown grant', [], s.heartbeat('g-zz')],
    ['a holder that already released', [s.release('g-a')], s.heartbeat('g-a')],
  ])('ignores a heartbeat from %s', (_, setUp, event) => {
    const d = withBlockedLine();
    d.send(...setUp);
    expectIgnored(d, event);
  });
});

describe('createSemaphoreMachine: orphaned slots', () => {
  const beatToTheEnd = Array.from({ length: 120 }, (_, i) =>
    s.heartbeat('g-a', 1_000 + (i + 1) * SLOT_HEARTBEAT_MS),
  );
  it.each([
    ['heartbeats only', { slotTimeoutMs: undefined }, [], ORPHAN_MS, /no heartbeat for 120000 ms/],
    [
      'a slot timeout only',
      { slotHeartbeatMs: undefined },
      [],
      SLOT_TIMEOUT_MS,
      /held for 7200000 ms/,
    ],
    ['both, heartbeating to the end', {}, beatToTheEnd, SLOT_TIMEOUT_MS, /held for 7200000 ms/],
  ] as const)(
    'with %s reclaims an orphan at its deadline and grants the waiters',
    (_, overrides, beats, held, message) => {
      const d = withBlockedLine(overrides);
      d.send(...beats);
      const orphanAt = 1_000 + held;
      expect(semaphoreDeadlines(d.snapshot)).toEqual([{ id: 'orphan:1', at: orphanAt }]);
      const [revoked, ...rest] = d.send(s.deadline('orphan:1', orphanAt));
      expect(revoked).toMatchObject({
        kind: 'revoked',
        id: 'revoked:g-a',
        semaphore: 'demo.agents',
        grant: 'g-a',
        holder: 'a',
        weight: 3,
        generation: 1,
        reason: 'orphaned',
      });
      expect(revoked?.kind === 'revoked' && revoked.message).toMatch(message);
      expect(rest).toEqual([granted('b', 2, 2), granted('c', 1, 3)]);
      expect(holding(d)).toEqual(['b:2', 'c:1']);
    },
  );

  it('reclaims only the slot its deadline names', () => {
    const d = driveSemaphore();
    d.send(s.acquire('a', 1, 1_000), s.acquire('b', 1, 2_000));
    expect(semaphoreDeadlines(d.snapshot).map((x) => x.id)).toEqual(['orphan:1', 'orphan:2']);
    d.send(s.deadline('orphan:2', 2_000 + ORPHAN_MS));
    expect(holding(d)).toEqual(['a:1']);
  });

  it("changes nothing with a reclaimed slot's late release, heartbeat or deadline", () => {
    const d = withBlockedLine();
    d.send(s.deadline('orphan:1', 1_000 + ORPHAN_MS));
    expectIgnored(d, s.release('g-a'), s.heartbeat('g-a'), s.deadline('orphan:1', 1e12));
  });

  it.each([
    ['before it is due', 'orphan:1', 1_000 + ORPHAN_MS - 1, []],
    [
      'at the time a heartbeat moved it from',
      'orphan:1',
      1_000 + ORPHAN_MS,
      [s.heartbeat('g-a', 5_000)],
    ],
    [
      'of a slot that was released',
      'orphan:1',
      1e12,
      [s.release('g-a'), s.release('g-b'), s.release('g-c')],
    ],
    ['of a generation never granted', 'orphan:9', 1e12, []],
    ['it does not know', 'stale:1', 1e12, []],
  ])('ignores a deadline %s', (_, id, at, setUp: SemaphoreEvent[]) => {
    const d = withBlockedLine();
    d.send(...setUp);
    expectIgnored(d, s.deadline(id, at));
  });

  it('never orphans a slot without a heartbeat or a slot timeout', () => {
    const d = withBlockedLine({ slotHeartbeatMs: undefined, slotTimeoutMs: undefined });
    expect(semaphoreHolders(d.snapshot)[0]?.orphanAt).toBeNull();
    expect(semaphoreDeadlines(d.snapshot)).toEqual([]);
  });

  it('lists the deadlines ordered by time', () => {
    const d = driveSemaphore();
    d.send(s.acquire('a', 1, 1_000), s.acquire('b', 1, 2_000), s.heartbeat('g-a', 90_000));
    expect(semaphoreDeadlines(d.snapshot)).toEqual([
      { id: 'orphan:2', at: 2_000 + ORPHAN_MS },
      { id: 'orphan:1', at: 90_000 + ORPHAN_MS },
    ]);
  });

  it.each([
    ['orphan:1', 1],
    ['orphan:42', 42],
    ['orphan:', null],
    ['orphan:x', null],
    ['stale:1', null],
  ])('parses the orphan deadline id %s', (id, generation) => {
    expect(parseOrphanDeadlineId(id)).toBe(generation);
  });
});

describe('createSemaphoreMachine: snapshots and references', () => {
  it('continues correctly after a persisted snapshot round-trips through JSON', () => {
    const machine = createSemaphoreMachine(createSemaphoreDef());
    const first = createActor(machine).start();
    first.send(s.acquire('a', 3));
    first.send(s.acquire('b', 2, 1_100));
    first.send(s.heartbeat('g-a', 2_000));
    const persisted = JSON.parse(JSON.stringify(first.getPersistedSnapshot())) as ReturnType<
      typeof first.getPersistedSnapshot
    >;
    first.stop();

    const second = createActor(machine, { snapshot: persisted });
    const effects: SemaphoreEffect[] = [];
    second.on('effect', ({ effect }) => effects.push(effect));
    second.start();
    expect(second.getSnapshot().context).toEqual(first.getSnapshot().context);
    expect(semaphoreDeadlines(second.getSnapshot())).toEqual(
      semaphoreDeadlines(first.getSnapshot()),
    );
    second.send(s.acquire('b', 2));
    second.send(s.release('g-a', 3_000));
    second.send(s.release('g-a', 3_001));
    expect(effects).toEqual([granted('b', 2, 2)]);
    expect(semaphoreUsed(second.getSnapshot())).toBe(2);
  });

  it('after a rebuild with a lower max, keeps its holders, refuses waiters that can never fit and grants once there is room', () => {
    const first = createActor(createSemaphoreMachine(createSemaphoreDef({ max: 4 }))).start();
    first.send(s.acquire('a', 2));
    first.send(s.acquire('b', 2));
    first.send(s.acquire('c', 4));
    first.send(s.acquire('d', 1));
    const snapshot = first.getPersistedSnapshot();
    const rebuilt = createActor(createSemaphoreMachine(createSemaphoreDef({ max: 2 })), {
      snapshot,
    });
    const effects: SemaphoreEffect[] = [];
    rebuilt.on('effect', ({ effect }) => effects.push(effect));
    rebuilt.start();
    expect(semaphoreUsed(rebuilt.getSnapshot())).toBe(4);
    // `c` can never fit any more: it is refused when it reaches the head, `d` still waits for room.
    rebuilt.send(s.release('g-a'));
    expect(effects.map((e) => [e.kind, e.grant])).toEqual([['refused', 'g-c']]);
    expect(semaphoreWaiters(rebuilt.getSnapshot()).map((w) => w.grant)).toEqual(['g-d']);
    rebuilt.send(s.release('g-b'));
    expect(effects.map((e) => [e.kind, e.grant])).toEqual([
      ['refused', 'g-c'],
      ['granted', 'g-d'],
    ]);
    expect(semaphoreWaiters(rebuilt.getSnapshot())).toEqual([]);
  });

  it('references only actions and guards that are implemented, and uses each one', () => {
    const machine = createSemaphoreMachine(createSemaphoreDef());
    const { actions, guards } = referencedImplementations(machine);
    expect([...actions].sort()).toEqual(Object.keys(machine.implementations.actions).sort());
    expect([...guards].sort()).toEqual(Object.keys(machine.implementations.guards).sort());
  });
});
