// The generic driver's activity tier, driven by a hand-moved clock.
import { describe, expect, it } from 'vitest';
import { createActivityTracker } from './activity-tracker.js';

function setup(quietMs = 1_000) {
  let t = 10_000;
  const tracker = createActivityTracker({ quietMs, now: () => t });
  return { tracker, advance: (ms: number) => (t += ms), now: () => t };
}

describe('createActivityTracker', () => {
  it('reports working on the first output and not again while output continues', () => {
    const { tracker, advance } = setup();
    expect(tracker.onOutput(120)).toEqual({ state: 'working', tier: 3, cause: 'output' });
    advance(500);
    expect(tracker.onOutput(80)).toBeUndefined();
    expect(tracker.poll()).toBeUndefined();
  });

  it('reports idle once quietMs pass without output, and only once', () => {
    const { tracker, advance } = setup(1_000);
    tracker.onOutput(10);
    advance(999);
    expect(tracker.poll()).toBeUndefined();
    advance(1);
    expect(tracker.poll()).toEqual({ state: 'idle', tier: 3, cause: 'output:quiet' });
    advance(5_000);
    expect(tracker.poll()).toBeUndefined();
  });

  it('measures quiet from the latest output', () => {
    const { tracker, advance } = setup(1_000);
    tracker.onOutput(10);
    advance(800);
    tracker.onOutput(10);
    advance(800);
    expect(tracker.poll()).toBeUndefined();
    advance(200);
    expect(tracker.poll()?.state).toBe('idle');
  });

  it('reports working again when output resumes after idle', () => {
    const { tracker, advance } = setup(1_000);
    tracker.onOutput(10);
    advance(1_000);
    tracker.poll();
    expect(tracker.onOutput(3)).toEqual({ state: 'working', tier: 3, cause: 'output' });
  });

  it('counts a silent agent as idle quietMs after creation', () => {
    const { tracker, advance } = setup(1_000);
    advance(999);
    expect(tracker.poll()).toBeUndefined();
    advance(1);
    expect(tracker.poll()?.state).toBe('idle');
  });

  it('ignores zero-byte output', () => {
    const { tracker, advance } = setup(1_000);
    advance(2_000);
    expect(tracker.onOutput(0)).toBeUndefined();
    expect(tracker.lastOutputAt()).toBe(10_000);
  });

  it('records when output last arrived', () => {
    const { tracker, advance, now } = setup();
    expect(tracker.lastOutputAt()).toBe(10_000);
    advance(250);
    tracker.onOutput(1);
    expect(tracker.lastOutputAt()).toBe(now());
  });

  it('takes an idle seen on screen at tier 3 and re-arms working for the next output', () => {
    const { tracker, advance } = setup(60_000);
    tracker.onOutput(10);
    expect(tracker.markIdle('screen:idle-pattern')).toEqual({
      state: 'idle',
      tier: 3,
      cause: 'screen:idle-pattern',
    });
    expect(tracker.markIdle('screen:idle-pattern')).toBeUndefined();
    advance(10);
    expect(tracker.onOutput(10)?.state).toBe('working');
  });

  it.each([0, -5, Number.NaN])('rejects quietMs %s', (quietMs) => {
    expect(() => createActivityTracker({ quietMs, now: () => 0 })).toThrow(RangeError);
  });
});
