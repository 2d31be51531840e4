// The benchmark table's rows. Each benchmark prints its own detail and, through `report`, adds its
// headline figures: the baseline measured in the same run, oj's figure, the ratio and the target.
// `npm run bench` (bench/run.mjs) collects the rows of every script and writes bench/README.md's
// table; run alone, a script only prints.
import { appendFileSync } from 'node:fs';

/**
 * @typedef {object} Row
 * @property {string} figure   what is measured, e.g. "`oj status`, daemon running"
 * @property {string} baseline the baseline and its value, e.g. "`node -e 0` 22.1 ms" ('' if none)
 * @property {string} value    oj's figure with its unit, e.g. "52.3 ms"
 * @property {number|null} ratio oj / baseline (or the figure the target is about), null if none
 * @property {string} target   e.g. "≤ 1.5×" ('' if the figure has no target)
 * @property {boolean|null} met whether the target holds (null when there is no target)
 */

/** Adds rows to the run's table (a no-op unless bench/run.mjs set OJ_BENCH_RESULTS). */
export function report(bench, rows) {
  const file = process.env.OJ_BENCH_RESULTS;
  if (!file) return;
  for (const row of rows) appendFileSync(file, `${JSON.stringify({ bench, ...row })}\n`);
}

export const ms = (x) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;
export const perSecond = (x) => `${Math.round(x).toLocaleString('en-US')}/s`;
export const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
