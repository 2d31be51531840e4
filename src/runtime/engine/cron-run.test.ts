// Which response step a monitor target is due for: attempts, max_attempts, restart:N, cooldowns.
import { describe, expect, it } from 'vitest';
import type { ActionDef, RecoveryStep } from '../../runbook/index.js';
import { nextStep } from './cron-run.js';

const actions = {
  'w.nudge': { name: 'nudge', qualified: 'w.nudge', run: 'x', cooldownMs: 30_000 },
  'w.restart': {
    name: 'restart',
    qualified: 'w.restart',
    run: 'y',
    cooldownMs: 300_000,
    maxAttempts: 2,
  },
} as unknown as Record<string, ActionDef>;
const chain: RecoveryStep[] = [
  { name: 'nudge', action: 'w.nudge' },
  { name: 'restart', action: 'w.restart' },
  { name: 'escalate', builtin: 'escalate' },
] as RecoveryStep[];

describe('nextStep', () => {
  it('starts at the head of the chain', () => {
    expect(nextStep(chain, actions, undefined, 0)?.name).toBe('nudge');
  });
  it('waits out the cooldown of the action taken last', () => {
    const seen = { steps: { nudge: 1 }, lastStep: 'nudge', lastAt: 0 };
    expect(nextStep(chain, actions, seen, 29_999)).toBeUndefined();
    expect(nextStep(chain, actions, seen, 30_000)?.name).toBe('restart');
  });
  it('repeats a step up to its max_attempts, then moves on, then is exhausted', () => {
    const twice = { steps: { nudge: 1, restart: 1 }, lastStep: 'restart', lastAt: 0 };
    expect(nextStep(chain, actions, twice, 300_000)?.name).toBe('restart');
    const done = { steps: { nudge: 1, restart: 2 }, lastStep: 'restart', lastAt: 0 };
    expect(nextStep(chain, actions, done, 300_000)?.name).toBe('escalate');
    const all = { steps: { nudge: 1, restart: 2, escalate: 1 }, lastStep: 'escalate', lastAt: 0 };
    expect(nextStep(chain, actions, all, 1e9)).toBeUndefined();
  });
  it('honours restart:N over the action default', () => {
    const steps = [{ name: 'restart', builtin: 'restart', max: 3 }] as RecoveryStep[];
    expect(
      nextStep(steps, {}, { steps: { restart: 2 }, lastStep: 'restart', lastAt: 0 }, 1)?.name,
    ).toBe('restart');
    expect(
      nextStep(steps, {}, { steps: { restart: 3 }, lastStep: 'restart', lastAt: 0 }, 1),
    ).toBeUndefined();
  });
});
