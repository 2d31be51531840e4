// Chaos spec: SIGKILL the daemon under a mixed workload — queue items through shell phases, fake
// agents in git worktrees, a lock, semaphores and a cron — then check every invariant of
// test/chaos/crash-suite.ts and print them. CI runs the fast variant (5 kills); `npm run chaos`
// runs the full one (OJ_CHAOS_KILLS=50 OJ_CHAOS_ITEMS=200).
import { afterAll, describe, expect, it } from 'vitest';
import { createCrashWorld, runCrashSuite } from './chaos/crash-suite.js';
import type { Invariant } from './chaos/crash-suite.js';

const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number`);
  return value;
};

// Replay a failure with OJ_CHAOS_SEED=<seed printed in the log> (and the same sizes).
const SEED = envNumber('OJ_CHAOS_SEED', Date.now() % 2 ** 31);
const KILLS = envNumber('OJ_CHAOS_KILLS', 5);
const ITEMS = envNumber('OJ_CHAOS_ITEMS', 40);
// Agent pipelines: a tenth of the items through the `builds` queue, one `oj run` per five kills.
const BUILDS = envNumber('OJ_CHAOS_BUILDS', Math.max(2, Math.round(ITEMS / 10)));
const RUNS = envNumber('OJ_CHAOS_RUNS', Math.max(1, Math.round(KILLS / 5)));
// The kill loop takes 2–4 s a kill on a busy machine; the work settles well within SETTLE_MS.
const SETTLE_MS = 60_000 + 300 * (ITEMS + 10 * (BUILDS + RUNS));
const TIMEOUT_MS = 60_000 + 4_000 * KILLS + SETTLE_MS;

const world = createCrashWorld();
// OJ_CHAOS_KEEP=1 leaves the world (repository, state dir, traces) behind for a post-mortem.
afterAll(() => (process.env.OJ_CHAOS_KEEP === '1' ? world.oj('daemon', 'stop') : world.dispose()));

function formatTable(invariants: Invariant[]): string {
  return invariants.map((i) => `${i.ok ? 'ok  ' : 'FAIL'} ${i.name}: ${i.detail}`).join('\n');
}

describe('chaos', () => {
  it(
    `keeps every invariant through ${KILLS} SIGKILLs of the daemon mid-work`,
    async () => {
      const lines: string[] = [];
      const started = Date.now();
      const report = await runCrashSuite({
        kills: KILLS,
        items: ITEMS,
        builds: BUILDS,
        runs: RUNS,
        seed: SEED,
        settleTimeoutMs: SETTLE_MS,
        world,
        log: (line) => lines.push(line),
      }).catch((err: unknown) => {
        // The workload could not be driven: keep the seed and progress so the run can be replayed.
        throw new Error(`crash suite aborted (seed ${SEED})\n${lines.join('\n')}`, { cause: err });
      });
      const took = `took ${((Date.now() - started) / 1000).toFixed(1)} s`;
      const table = `${lines.join('\n')}\n${took}\n${formatTable(report.invariants)}`;
      console.log(table);
      expect(report.invariants.length).toBeGreaterThanOrEqual(25);
      expect(
        report.invariants.filter((i) => !i.ok),
        table,
      ).toEqual([]);
    },
    TIMEOUT_MS,
  );
});
