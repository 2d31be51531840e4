// The cron machine: schedule as a deadline in context, one run at a time, reports folded in.
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { CronDef } from '../runbook/index.js';
import { createCronMachine } from './cron.machine.js';
import { cronDeadlines, nextTick, recordAttempts } from './cron.context.js';
import type { CronEffectEmitted } from './cron.context.js';

const DEF: CronDef = {
  kind: 'cron',
  name: 'tick',
  qualified: 'jobs.tick',
  runbook: 'jobs',
  intervalMs: 1000,
  monitors: [],
} as unknown as CronDef;

function start() {
  const actor = createActor(createCronMachine(DEF)).start();
  const effects: CronEffectEmitted['effect'][] = [];
  actor.on('effect', (e) => effects.push(e.effect));
  return { actor, effects, ctx: () => actor.getSnapshot().context };
}

describe('cron machine', () => {
  it('schedules on enable and runs when its tick is due', () => {
    const { actor, effects, ctx } = start();
    actor.send({ type: 'cron.enable', at: 0 });
    expect(cronDeadlines(actor.getSnapshot())).toEqual([{ id: 'tick:1000', at: 1000 }]);
    actor.send({ type: 'deadline', id: 'tick:999', at: 1000 }); // a stale deadline does nothing
    expect(effects).toHaveLength(0);
    actor.send({ type: 'deadline', id: 'tick:1000', at: 1003 });
    expect(effects).toEqual([{ kind: 'runCron', id: 'cron:jobs.tick:0', cron: 'jobs.tick' }]);
    expect(ctx().nextAt).toBe(2000);
    expect(actor.getSnapshot().value).toBe('running');
  });

  it('skips ticks while a run is going and records failures without stopping', () => {
    const { actor, effects, ctx } = start();
    actor.send({ type: 'cron.enable', at: 0 });
    actor.send({ type: 'deadline', id: 'tick:1000', at: 1000 });
    actor.send({ type: 'deadline', id: 'tick:2000', at: 2000 });
    actor.send({ type: 'cron.once', at: 2100 });
    expect(effects).toHaveLength(1);
    expect(ctx().skipped).toBe(1);
    actor.send({ type: 'effect.failed', id: 'cron:jobs.tick:0', at: 2500, error: 'exit 1' });
    expect(ctx()).toMatchObject({ failures: 1, lastResult: 'failed', lastError: 'exit 1' });
    actor.send({ type: 'deadline', id: 'tick:3000', at: 3000 });
    expect(effects).toHaveLength(2);
    const report = JSON.stringify({
      errors: [],
      attempts: [{ target: 'm:a', step: 'poke', at: 3100 }],
    });
    actor.send({ type: 'effect.done', id: 'cron:jobs.tick:1', at: 3200, output: report });
    expect(ctx()).toMatchObject({ lastResult: 'succeeded', runs: 2 });
    expect(ctx().targets['m:a']).toEqual({ steps: { poke: 1 }, lastStep: 'poke', lastAt: 3100 });
  });

  it('disable clears the schedule; once still runs a disabled cron', () => {
    const { actor, effects, ctx } = start();
    actor.send({ type: 'cron.enable', at: 0 });
    actor.send({ type: 'cron.disable', at: 10 });
    expect(cronDeadlines(actor.getSnapshot())).toEqual([]);
    actor.send({ type: 'deadline', id: 'tick:1000', at: 1000 });
    expect(effects).toHaveLength(0);
    actor.send({ type: 'cron.once', at: 1100 });
    expect(effects).toHaveLength(1);
    expect(ctx().enabled).toBe(false);
  });

  it('keeps its cadence and never schedules in the past after downtime', () => {
    expect(nextTick(1000, 1000, 500)).toBe(1000);
    expect(nextTick(1000, 1000, 1000)).toBe(2000);
    expect(nextTick(1000, 1000, 5500)).toBe(6000);
  });

  it('counts attempts per target and step', () => {
    const t = recordAttempts({}, [
      { target: 'x', step: 'nudge', at: 1 },
      { target: 'x', step: 'restart', at: 5 },
      { target: 'y', step: 'nudge', at: 3 },
    ]);
    expect(t.x).toEqual({ steps: { nudge: 1, restart: 1 }, lastStep: 'restart', lastAt: 5 });
    expect(t.y?.steps).toEqual({ nudge: 1 });
  });
});
