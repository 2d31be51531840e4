import { describe, expect, it } from 'vitest';
import { nudgeDelayMs, resolveTiming, TIMING_PRESETS } from './timing.js';

describe('session timing', () => {
  it('uses the production preset unless told otherwise', () => {
    expect(resolveTiming(undefined)).toEqual(TIMING_PRESETS.production);
    expect(resolveTiming('test')).toEqual(TIMING_PRESETS.test);
  });

  it('applies overrides on top of the chosen preset', () => {
    expect(resolveTiming({ preset: 'test', nudgeTimeoutMs: 900 })).toEqual({
      ...TIMING_PRESETS.test,
      nudgeTimeoutMs: 900,
    });
  });

  it('has the documented preset values', () => {
    const pick = (p: 'production' | 'test') => {
      const t = TIMING_PRESETS[p];
      return [
        t.screenDebounceMs,
        t.inputDelayMs,
        t.nudgeTimeoutMs,
        t.drainMs,
        t.shutdownMs,
        t.logPollMs,
      ];
    };
    expect(pick('production')).toEqual([50, 200, 4000, 20000, 10000, 3000]);
    expect(pick('test')).toEqual([10, 10, 100, 100, 100, 50]);
  });

  it.each([
    ['short text', 'x'.repeat(10), 200],
    ['256 bytes', 'x'.repeat(256), 200],
    ['300 bytes: +1 ms per byte past 256', 'x'.repeat(300), 244],
    ['multi-byte characters count as bytes', 'é'.repeat(200), 344],
    ['capped at 5 s', 'x'.repeat(100_000), 5000],
  ])('waits before the Enter of a nudge: %s', (_name, text, expected) => {
    expect(nudgeDelayMs(text, TIMING_PRESETS.production)).toBe(expected);
  });

  it('waits 10 ms with the test preset', () => {
    expect(nudgeDelayMs('x'.repeat(1000), TIMING_PRESETS.test)).toBe(10);
  });
});
