// Unit tests of the generated lock machine, driven through XState's pure transition().

import { referencedImplementations } from './testing.js';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  HEARTBEAT_MS,
  TIMEOUT_MS,
  createLockDef,
  driveLock,
  lockEvents as l,
} from './lock.fixtures.js';
import {
  createLockMachine,
  isLockStale,
  lockDeadlines,
  lockHolder,
  lockWaiters,
  toStaleDeadlineId,
} from './index.js';
import type { LockEffect, LockEvent } from './index.js';

type Driver = ReturnType<typeof driveLock>;
const STALE_MS = 2 * HEARTBEAT_MS;

const granted = (owner: string, epoch: number): LockEffect => ({
  kind: 'granted',
  id: `granted:g-${owner}`,
  lock: 'demo.main_branch',
  grant: `g-${owner}`,
  holder: owner,
  epoch,
});

/** Sends `events` and asserts they changed nothing and emitted nothing. */
function expectIgnored(d: Driver, ...events: LockEvent[]): void {
  for (const event of events) {
    const before = d.snapshot;
    expect(d.send(event)).toEqual([]);
    expect(d.snapshot.value).toEqual(before.value);
    expect(d.snapshot.context).toEqual(before.context);
  }
}

/** A lock held by `a` since 1 000 (epoch 1), with `b` then `c` waiting. */
function withLine(overrides: Parameters<typeof createLockDef>[0] = {}): Driver {
  const d = driveLock(createLockDef(overrides));
  d.send(l.acquire('a'), l.acquire('b', 1_100), l.acquire('c', 1_200));
  return d;
}

const owners = (d: Driver) => lockWaiters(d.snapshot).map((w) => w.owner);

describe('createLockMachine: acquiring', () => {
  it('grants a free lock at once, in a new epoch', () => {
    const d = driveLock();
    expect(d.snapshot.value).toBe('free');
    expect(d.send(l.acquire('a', 5_000))).toEqual([granted('a', 1)]);
    expect(d.snapshot.value).toBe('held');
    expect(d.snapshot.context).toEqual({
      holder: { grant: 'g-a', owner: 'a', epoch: 1, since: 5_000, heartbeatAt: 5_000 },
      waiters: [],
      epoch: 1,
      staleAt: 5_000 + STALE_MS,
    });
    expect(lockHolder(d.snapshot)?.owner).toBe('a');
  });

  it('lines requests up first come, first served while the lock is held', () => {
    const d = withLine();
    expect(d.effects).toEqual([granted('a', 1)]);
    expect(lockWaiters(d.snapshot)).toEqual([
      { grant: 'g-b', owner: 'b', since: 1_100 },
      { grant: 'g-c', owner: 'c', since: 1_200 },
    ]);
  });

  it.each([
    ['the holding grant', l.acquire('a', 2_000)],
    ['a waiting grant', l.acquire('b', 2_000)],
    ['a waiting grant under another owner', l.acquire('z', 2_000, 'g-c')],
    ['an empty grant', l.acquire('z', 2_000, '')],
  ])('ignores an acquire with %s', (_, event) => {
    expectIgnored(withLine(), event);
  });

  it('ignores an acquire with an empty grant while free', () => {
    expectIgnored(driveLock(), l.acquire('z', 1_000, ''));
  });

  it('is not re-entrant: a second grant of the holding pipeline waits its turn', () => {
    const d = driveLock();
    d.send(l.acquire('a'), l.acquire('a', 1_000, 'g-a2'));
    expect(lockWaiters(d.snapshot)).toEqual([{ grant: 'g-a2', owner: 'a', since: 1_000 }]);
  });
});

describe('createLockMachine: releasing', () => {
  it('frees the lock when its holder releases and nobody waits', () => {
    const d = driveLock();
    d.send(l.acquire('a'));
    expect(d.send(l.release('g-a', 2_000))).toEqual([]);
    expect(d.snapshot.value).toBe('free');
    expect(d.snapshot.context).toMatchObject({
      holder: null,
      waiters: [],
      epoch: 1,
      staleAt: null,
    });
    expect(lockDeadlines(d.snapshot)).toEqual([]);
  });

  it('hands the lock to the first waiter in the same step, in the next epoch', () => {
    const d = withLine();
    expect(d.send(l.release('g-a', 3_000))).toEqual([granted('b', 2)]);
    expect(d.snapshot.context.holder).toEqual({
      grant: 'g-b',
      owner: 'b',
      epoch: 2,
      since: 3_000,
      heartbeatAt: 3_000,
    });
    expect(owners(d)).toEqual(['c']);
    expect(d.send(l.release('g-b', 4_000))).toEqual([granted('c', 3)]);
    expect(d.send(l.release('g-c', 5_000))).toEqual([]);
    expect(d.snapshot.value).toBe('free');
  });

  it('withdraws a waiter that releases before it got the lock, keeping the others in order', () => {
    const d = withLine();
    d.send(l.acquire('d', 1_300));
    expect(d.send(l.release('g-c'))).toEqual([]);
    expect(owners(d)).toEqual(['b', 'd']);
    expect(d.snapshot.context.holder?.owner).toBe('a');
    d.send(l.release('g-a'));
    expect(d.effects.at(-1)).toEqual(granted('b', 2));
  });

  it.each([
    ['an unknown grant', [], l.release('g-zz')],
    [
      'a holder that already released',
      [l.release('g-a'), l.acquire('a', 1_000, 'g-a2')],
      l.release('g-a'),
    ],
    ['a withdrawn waiter', [l.release('g-b')], l.release('g-b')],
  ])('ignores a release by %s', (_, setUp, event) => {
    const d = withLine();
    d.send(...setUp);
    expectIgnored(d, event);
  });

  it('ignores a release while free', () => {
    expectIgnored(driveLock(), l.release('g-a'));
  });
});

describe('createLockMachine: heartbeats', () => {
  it('moves the stale deadline, keeping its id', () => {
    const d = withLine();
    expect(lockDeadlines(d.snapshot)).toEqual([{ id: 'stale:1', at: 1_000 + STALE_MS }]);
    expect(d.send(l.heartbeat('g-a', 20_000))).toEqual([]);
    expect(d.snapshot.context.holder?.heartbeatAt).toBe(20_000);
    expect(lockDeadlines(d.snapshot)).toEqual([{ id: 'stale:1', at: 20_000 + STALE_MS }]);
  });

  it('cannot keep a lock past its timeout', () => {
    const d = driveLock();
    d.send(l.acquire('a', 0), l.heartbeat('g-a', TIMEOUT_MS - 1));
    expect(d.snapshot.context.staleAt).toBe(TIMEOUT_MS);
  });

  it.each([
    ['a waiter', [], l.heartbeat('g-b')],
    ['an unknown grant', [], l.heartbeat('g-zz')],
    ['a holder that already released', [l.release('g-a')], l.heartbeat('g-a')],
  ])('ignores a heartbeat from %s', (_, setUp, event) => {
    const d = withLine();
    d.send(...setUp);
    expectIgnored(d, event);
  });
});

describe('createLockMachine: force-release', () => {
  it('revokes the holder and grants the first waiter, in that order', () => {
    const d = withLine();
    expect(d.send(l.forceRelease('stuck merge', 9_000))).toEqual([
      {
        kind: 'revoked',
        id: 'revoked:g-a',
        lock: 'demo.main_branch',
        grant: 'g-a',
        holder: 'a',
        epoch: 1,
        reason: 'forced',
        message:
          'lock "demo.main_branch" was taken from "a" (grant "g-a"): force-released: stuck merge',
      },
      granted('b', 2),
    ]);
    expect(d.snapshot.context.holder).toMatchObject({ owner: 'b', since: 9_000 });
    expectIgnored(d, l.release('g-a'), l.heartbeat('g-a'));
  });

  it('frees a lock nobody waits for, naming the operator when no reason is given', () => {
    const d = driveLock();
    d.send(l.acquire('a'));
    const [revoked] = d.send(l.forceRelease());
    expect(revoked).toMatchObject({ kind: 'revoked', reason: 'forced' });
    expect(revoked?.kind === 'revoked' && revoked.message).toMatch(
      /force-released: by an operator$/,
    );
    expect(d.snapshot.value).toBe('free');
    expect(d.snapshot.context.staleAt).toBeNull();
  });

  it('ignores a force-release while free', () => {
    expectIgnored(driveLock(), l.forceRelease('nothing'));
  });
});

describe('createLockMachine: stale holders', () => {
  const beatToTheEnd = Array.from({ length: 60 }, (_, i) =>
    l.heartbeat('g-a', 1_000 + (i + 1) * HEARTBEAT_MS),
  );
  it.each([
    ['heartbeats only', 'stale', { timeoutMs: undefined }, [], STALE_MS, STALE_MS],
    ['a timeout only', 'timeout', { heartbeatMs: undefined }, [], TIMEOUT_MS, TIMEOUT_MS],
    ['both, heartbeating to the end', 'timeout', {}, beatToTheEnd, TIMEOUT_MS, STALE_MS],
  ] as const)(
    'with %s reclaims the holder at its deadline as %s and grants the next one',
    (_, reason, overrides, beats, held, nextWindow) => {
      const d = withLine(overrides);
      d.send(...beats);
      const staleAt = 1_000 + held;
      expect(lockDeadlines(d.snapshot)).toEqual([{ id: 'stale:1', at: staleAt }]);
      expect(isLockStale(d.snapshot, staleAt - 1)).toBe(false);
      expect(isLockStale(d.snapshot, staleAt)).toBe(true);
      const [revoked, next] = d.send(l.deadline('stale:1', staleAt));
      expect(revoked).toMatchObject({
        kind: 'revoked',
        grant: 'g-a',
        holder: 'a',
        epoch: 1,
        reason,
      });
      expect(revoked?.kind === 'revoked' && revoked.message).toMatch(
        reason === 'stale'
          ? /: no heartbeat for 60000 ms \(expected every 30000 ms\)$/
          : /: held for 1800000 ms, over its 1800000 ms timeout$/,
      );
      expect(next).toEqual(granted('b', 2));
      expect(lockDeadlines(d.snapshot)).toEqual([{ id: 'stale:2', at: staleAt + nextWindow }]);
    },
  );

  it('frees the lock when a reclaimed holder has nobody waiting', () => {
    const d = driveLock();
    d.send(l.acquire('a'));
    d.send(l.deadline('stale:1', 1_000 + STALE_MS));
    expect(d.snapshot.value).toBe('free');
    expect(isLockStale(d.snapshot, 1e12)).toBe(false);
  });

  it("changes nothing with a reclaimed holder's late release or heartbeat", () => {
    const d = withLine();
    d.send(l.deadline('stale:1', 1_000 + STALE_MS));
    expectIgnored(d, l.release('g-a'), l.heartbeat('g-a'), l.deadline('stale:1', 1e12));
  });

  it.each([
    ['before it is due', 'stale:1', 1_000 + STALE_MS - 1],
    [
      'at the time a heartbeat moved it from',
      'stale:1',
      1_000 + STALE_MS,
      [l.heartbeat('g-a', 2_000)],
    ],
    ['of an older epoch', 'stale:0', 1e12],
    ['of a later epoch', 'stale:2', 1e12],
    ['it does not know', 'nonsense', 1e12],
  ])('ignores a deadline %s', (_, id, at, setUp: LockEvent[] = []) => {
    const d = withLine();
    d.send(...setUp);
    expectIgnored(d, l.deadline(id, at));
  });

  it('ignores a deadline while free', () => {
    expectIgnored(driveLock(), l.deadline('stale:0', 1e12));
  });

  it('never goes stale without a heartbeat or a timeout', () => {
    const d = withLine({ heartbeatMs: undefined, timeoutMs: undefined });
    expect(d.snapshot.context.staleAt).toBeNull();
    expect(lockDeadlines(d.snapshot)).toEqual([]);
    expect(isLockStale(d.snapshot, 1e15)).toBe(false);
  });

  it.each([0, 1, 42])('names the stale deadline of epoch %i', (epoch) => {
    expect(toStaleDeadlineId(epoch)).toBe(`stale:${epoch}`);
  });
});

describe('createLockMachine: snapshots and references', () => {
  it('continues correctly after a persisted snapshot round-trips through JSON', () => {
    const machine = createLockMachine(createLockDef());
    const first = createActor(machine).start();
    first.send(l.acquire('a'));
    first.send(l.acquire('b', 1_100));
    first.send(l.heartbeat('g-a', 2_000));
    const persisted = JSON.parse(JSON.stringify(first.getPersistedSnapshot())) as ReturnType<
      typeof first.getPersistedSnapshot
    >;
    first.stop();

    const second = createActor(machine, { snapshot: persisted });
    const effects: LockEffect[] = [];
    second.on('effect', ({ effect }) => effects.push(effect));
    second.start();
    expect(second.getSnapshot().value).toBe('held');
    expect(second.getSnapshot().context).toEqual(first.getSnapshot().context);
    expect(lockDeadlines(second.getSnapshot())).toEqual(lockDeadlines(first.getSnapshot()));
    second.send(l.acquire('b', 3_000));
    second.send(l.deadline('stale:1', 2_000 + STALE_MS));
    second.send(l.release('g-a'));
    expect(effects.map((e) => [e.kind, e.grant, e.epoch])).toEqual([
      ['revoked', 'g-a', 1],
      ['granted', 'g-b', 2],
    ]);
  });

  it('applies a changed heartbeat setting from the next heartbeat after a rebuild', () => {
    const first = createActor(createLockMachine(createLockDef())).start();
    first.send(l.acquire('a'));
    const snapshot = first.getPersistedSnapshot();
    const slower = createLockMachine(createLockDef({ heartbeatMs: 5 * HEARTBEAT_MS }));
    const rebuilt = createActor(slower, { snapshot }).start();
    expect(rebuilt.getSnapshot().context.staleAt).toBe(1_000 + STALE_MS);
    rebuilt.send(l.heartbeat('g-a', 2_000));
    expect(rebuilt.getSnapshot().context.staleAt).toBe(2_000 + 10 * HEARTBEAT_MS);
  });

  it('references only actions and guards that are implemented, and uses each one', () => {
    const machine = createLockMachine(createLockDef());
    const { actions, guards } = referencedImplementations(machine);
    expect([...actions].sort()).toEqual(Object.keys(machine.implementations.actions).sort());
    expect([...guards].sort()).toEqual(Object.keys(machine.implementations.guards).sort());
  });
});
