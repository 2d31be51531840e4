// Tests for the clock: the real one (deadline semantics, cancel, timers beyond setTimeout's 32-bit
// limit) and FakeClock (ordered, synchronous firing).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock, systemClock } from './clock.js';

describe('systemClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires a timer at or after its deadline, never inside setTimer', async () => {
    const at = systemClock.now() + 20;
    let firedAt: number | undefined;
    const fired = new Promise<void>((resolve) =>
      systemClock.setTimer(at, () => {
        firedAt = systemClock.now();
        resolve();
      }),
    );
    expect(firedAt).toBeUndefined();
    await fired;
    expect(firedAt).toBeGreaterThanOrEqual(at);
  });

  it('fires a deadline in the past asynchronously', async () => {
    let fired = false;
    const done = new Promise<void>((resolve) =>
      systemClock.setTimer(systemClock.now() - 1_000, () => {
        fired = true;
        resolve();
      }),
    );
    expect(fired).toBe(false);
    await done;
    expect(fired).toBe(true);
  });

  it('does not fire a cancelled timer', async () => {
    const cancelled = vi.fn();
    const cancel = systemClock.setTimer(systemClock.now() + 5, cancelled);
    cancel();
    cancel(); // twice is harmless
    await new Promise<void>((resolve) => systemClock.setTimer(systemClock.now() + 30, resolve));
    expect(cancelled).not.toHaveBeenCalled();
  });

  it('re-arms timers further away than 2^31-1 ms instead of firing them early', () => {
    vi.useFakeTimers({ now: 0 });
    const fire = vi.fn();
    const at = 2 ** 31 + 10 * 86_400_000; // ~35 days
    const arm = vi.spyOn(globalThis, 'setTimeout');
    systemClock.setTimer(at, fire);
    vi.advanceTimersByTime(1_000);
    // An unguarded delay overflows to 1 ms: the timer would wake (and re-arm) every millisecond.
    expect(arm).toHaveBeenCalledTimes(1);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(at - Date.now() - 1);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('cancels a long timer between its steps', () => {
    vi.useFakeTimers({ now: 0 });
    const fire = vi.fn();
    const cancel = systemClock.setTimer(2 ** 32, fire);
    vi.advanceTimersByTime(2 ** 31); // past the first step, so a second setTimeout is armed
    cancel();
    vi.advanceTimersByTime(2 ** 32);
    expect(fire).not.toHaveBeenCalled();
  });

  it('waits again when it wakes before the wall clock reaches the deadline', () => {
    vi.useFakeTimers({ now: 1_000 });
    const fire = vi.fn();
    systemClock.setTimer(2_000, fire);
    vi.setSystemTime(500); // the wall clock was corrected backwards meanwhile
    vi.advanceTimersByTime(1_000);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(fire).toHaveBeenCalledTimes(1);
  });
});

describe('FakeClock', () => {
  it('starts at the given time and moves only when told', () => {
    const clock = new FakeClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
    clock.set(5_000);
    expect(clock.now()).toBe(5_000);
  });

  it('fires due timers in deadline order, ties in the order they were set', () => {
    const clock = new FakeClock(0);
    const order: string[] = [];
    clock.setTimer(30, () => order.push(`c@${clock.now()}`));
    clock.setTimer(10, () => order.push(`a@${clock.now()}`));
    clock.setTimer(10, () => order.push(`b@${clock.now()}`));
    clock.setTimer(31, () => order.push('late'));
    clock.advance(30);
    expect(order).toEqual(['a@10', 'b@10', 'c@30']);
    expect(clock.now()).toBe(30);
    expect(clock.pending()).toBe(1);
  });

  it('fires a timer set by a callback in the same advance when it is due', () => {
    const clock = new FakeClock(0);
    const order: number[] = [];
    clock.setTimer(10, () => {
      order.push(clock.now());
      clock.setTimer(clock.now() + 5, () => order.push(clock.now()));
      clock.setTimer(clock.now() + 500, () => order.push(clock.now()));
    });
    clock.advance(100);
    expect(order).toEqual([10, 15]);
    expect(clock.pending()).toBe(1);
  });

  it('does not fire cancelled timers and counts only armed ones', () => {
    const clock = new FakeClock(0);
    const fire = vi.fn();
    const cancel = clock.setTimer(10, fire);
    clock.setTimer(20, () => undefined);
    expect(clock.pending()).toBe(2);
    cancel();
    expect(clock.pending()).toBe(1);
    clock.advance(100);
    expect(fire).not.toHaveBeenCalled();
    expect(clock.pending()).toBe(0);
  });

  it('fires an overdue timer on the next advance, not inside setTimer', () => {
    const clock = new FakeClock(100);
    const fire = vi.fn();
    clock.setTimer(50, fire);
    expect(fire).not.toHaveBeenCalled();
    clock.advance(0);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('moves backwards without firing anything', () => {
    const clock = new FakeClock(1_000);
    const fire = vi.fn();
    clock.setTimer(1_500, fire);
    clock.set(200);
    expect(clock.now()).toBe(200);
    expect(fire).not.toHaveBeenCalled();
    clock.advance(1_300);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('rejects a negative advance', () => {
    expect(() => new FakeClock().advance(-1)).toThrow(RangeError);
  });
});
