// Runbook durations: `200ms`, `30s`, `5m`, `2h`, `7d` and compounds like `1h30m`, parsed to and
// formatted from integer milliseconds. Pure.

/** The units a duration may use, largest first; compounds must follow this order. */
const DURATION_UNITS = ['d', 'h', 'm', 's', 'ms'] as const;
type DurationUnit = (typeof DURATION_UNITS)[number];

export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

const UNIT_MS: Record<DurationUnit, number> = {
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
};

const UNIT_LIST = 'ms, s, m, h, d';
// A unit is the whole run of letters after a number, so `5min` reports "min", not `5m` + junk.
const UNIT_WORD = /^[A-Za-z]+/;
const BARE_NUMBER = /^\d+(?:\.\d+)?$/;
const LEADING_NUMBER = /^\d+(?:\.\d+)?/;

function fail(text: string, problem: string): DurationResult {
  return { ok: false, message: `invalid duration "${text}": ${problem}` };
}

function isUnit(word: string): word is DurationUnit {
  return (DURATION_UNITS as readonly string[]).includes(word);
}

/**
 * Parses a duration such as `30s` or `1h30m` into milliseconds (decimals allowed, the result is
 * rounded to a whole millisecond). Never throws: a bad input yields a message that quotes it and
 * lists the valid units.
 */
export function parseDuration(text: string): DurationResult {
  if (text === '') return fail(text, `it is empty; write a number and a unit (${UNIT_LIST})`);
  if (/\s/.test(text)) {
    return fail(text, `remove the spaces, e.g. "30s" or "1h30m" (units: ${UNIT_LIST})`);
  }
  if (text.startsWith('-')) return fail(text, `durations cannot be negative (units: ${UNIT_LIST})`);
  if (BARE_NUMBER.test(text)) {
    return fail(text, `a unit is required; write "${text}s" (units: ${UNIT_LIST})`);
  }

  let total = 0;
  let pos = 0;
  let previousRank = -1;
  while (pos < text.length) {
    const rest = text.slice(pos);
    const amount = LEADING_NUMBER.exec(rest)?.[0];
    if (amount === undefined) {
      return fail(text, `expected a number at "${rest}", e.g. "30s" (units: ${UNIT_LIST})`);
    }
    const unit = UNIT_WORD.exec(rest.slice(amount.length))?.[0] ?? '';
    if (unit === '') {
      return fail(text, `a unit is required after "${amount}"; valid units: ${UNIT_LIST}`);
    }
    if (!isUnit(unit)) return fail(text, `unknown unit "${unit}"; valid units: ${UNIT_LIST}`);
    const rank = DURATION_UNITS.indexOf(unit);
    if (rank <= previousRank) {
      return fail(text, `write each unit once, largest first, e.g. "1h30m" (units: ${UNIT_LIST})`);
    }
    previousRank = rank;
    total += Number(amount) * UNIT_MS[unit];
    pos += amount.length + unit.length;
  }

  const ms = Math.round(total);
  if (!Number.isSafeInteger(ms)) return fail(text, `it is too large (units: ${UNIT_LIST})`);
  return { ok: true, ms };
}

/**
 * Formats milliseconds compactly, largest unit first (`1h30m`, `200ms`, `7d`, `0s`); the result
 * parses back to the same value. Fractions are rounded; a negative or non-finite input throws.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`formatDuration needs a non-negative number of ms, got ${ms}`);
  }
  let rest = Math.round(ms);
  if (rest === 0) return '0s';
  let out = '';
  for (const unit of DURATION_UNITS) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * UNIT_MS[unit];
    }
  }
  return out;
}
