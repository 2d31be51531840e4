import { describe, expect, it } from 'vitest';
import type { Emission } from './detect/index.js';
import { EventJournal } from './event-journal.js';
import type { SessionEvent } from './protocol.js';
import { StateTracker } from './state-tracker.js';

function tracker() {
  const published: SessionEvent[] = [];
  const timers = new Set<() => void>();
  const t = new StateTracker({
    journal: new EventJournal(undefined),
    now: () => 1000,
    publish: (e) => published.push(e),
    log: () => undefined,
    tentativeMs: 20,
    setTimer: (_ms, fire) => {
      timers.add(fire);
      return () => timers.delete(fire);
    },
  });
  /** Fires every armed timer, as if their time had come. */
  const elapse = (): void => {
    for (const fire of [...timers]) {
      timers.delete(fire);
      fire();
    }
  };
  return { t, published, elapse };
}

const permissionHook: Emission = {
  state: 'prompt',
  tier: 1,
  cause: 'hook:PermissionRequest:Bash',
  prompt: { kind: 'permission', tool: 'Bash', input: 'ls', options: [], ready: false },
};

describe('StateTracker', () => {
  it('journals and publishes each accepted transition with the next seq', () => {
    const { t, published } = tracker();
    t.offer({ state: 'working', tier: 3, cause: 'output' });
    t.offer({ state: 'working', tier: 3, cause: 'output' }); // same state: no transition
    t.offer({ state: 'idle', tier: 3, cause: 'output:quiet' });
    expect(published.map((e) => e.type === 'state' && [e.seq, e.prev, e.state])).toEqual([
      [1, 'starting', 'working'],
      [2, 'working', 'idle'],
    ]);
    expect(t.snapshot()).toMatchObject({ seq: 2, state: 'idle', snapshot: true });
  });

  it('fills in a hook prompt with the options the screen shows later', () => {
    const { t, published } = tracker();
    t.offer(permissionHook);
    t.offer({
      state: 'prompt',
      tier: 4,
      cause: 'screen:permission',
      prompt: { kind: 'permission', options: ['Yes', 'No'], ready: true },
    });
    expect(t.prompt).toEqual({
      kind: 'permission',
      tool: 'Bash',
      input: 'ls',
      options: ['Yes', 'No'],
      ready: true,
    });
    expect(published).toHaveLength(2);
    expect(t.snapshot().tier).toBe(1);
  });

  it('applies a tentative emission only if nothing as good follows soon', () => {
    const { t, elapse } = tracker();
    t.offer({ state: 'working', tier: 2, cause: 'log:tool_use' });
    t.offer({ state: 'idle', tier: 2, cause: 'log:text', tentative: true });
    t.offer({ state: 'working', tier: 2, cause: 'log:tool_use' }); // the same reply went on
    elapse();
    expect(t.state).toBe('working');
    t.offer({ state: 'idle', tier: 2, cause: 'log:text', tentative: true });
    t.offer({ state: 'working', tier: 4, cause: 'screen' }); // a worse tier does not cancel it
    expect(t.state).toBe('working');
    elapse();
    expect(t.state).toBe('idle');
  });

  it('records nothing after the exit', () => {
    const { t, published } = tracker();
    t.offer({ state: 'exited', tier: 3, cause: 'exit:0' });
    t.record({ type: 'exit', code: 0, signal: null, at: 1 });
    t.record({ type: 'hook', at: 2, event: 'Stop' });
    t.offer({ state: 'idle', tier: 1, cause: 'hook:Stop' });
    expect(published.map((e) => e.type)).toEqual(['state', 'exit']);
  });
});
