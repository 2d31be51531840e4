// Specs for runbook durations: what parses, what is rejected with which advice, and round-trips.
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['200ms', 200],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['0s', 0],
    ['0ms', 0],
    ['1h30m', 5_400_000],
    ['1m30s', 90_000],
    ['1d2h3m4s5ms', 93_784_005],
    ['1.5h', 5_400_000],
    ['0.5s', 500],
    ['1.0005s', 1_001],
    ['90s', 90_000],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });

  it.each([
    ['', /empty/],
    ['30', /a unit is required; write "30s"/],
    ['1.5', /write "1.5s"/],
    ['5 minutes', /remove the spaces/],
    ['1h 30m', /remove the spaces/],
    [' 5s', /remove the spaces/],
    ['5w', /unknown unit "w"/],
    ['5min', /unknown unit "min"/],
    ['5M', /unknown unit "M"/],
    ['-5s', /cannot be negative/],
    ['s', /expected a number at "s"/],
    ['1h-30m', /expected a number at "-30m"/],
    ['.5s', /expected a number/],
    ['1h30', /a unit is required after "30"/],
    ['30s1h', /largest first/],
    ['1h1h', /largest first/],
    ['1e3s', /unknown unit "e"/],
    ['99999999999999d', /too large/],
  ])('rejects %j', (text, problem) => {
    const result = parseDuration(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toMatch(problem);
    expect(result.message).toContain(`"${text}"`);
    expect(result.message).toContain('ms, s, m, h, d');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [200, '200ms'],
    [30_000, '30s'],
    [90_000, '1m30s'],
    [5_400_000, '1h30m'],
    [604_800_000, '7d'],
    [93_784_005, '1d2h3m4s5ms'],
    [1_000.4, '1s'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([0, 1, 999, 1_000, 59_999, 3_600_001, 86_399_999, 123_456_789_012])(
    'round-trips %d ms through parseDuration',
    (ms) => {
      expect(parseDuration(formatDuration(ms))).toEqual({ ok: true, ms });
    },
  );

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %d', (ms) => {
    expect(() => formatDuration(ms)).toThrow(RangeError);
  });
});
