// Unit tests of the agent supervision machine: stuck → nudge → restart → escalate, decisions,
// prompts, exits and stale generations, driven by events with explicit times.

import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import type { AgentDef, RecoveryStep } from '../runbook/index.js';
import { agentDeadlines, createAgentMachine } from './index.js';
import type { AgentContext, AgentEffect, AgentEvent } from './index.js';

const step = (name: string, max?: number): RecoveryStep => ({
  name,
  builtin: name as RecoveryStep['builtin'],
  ...(max === undefined ? {} : { max }),
});
const SESSION = {
  dir: '/s',
  socket: '/s/s.sock',
  hostPid: 10,
  agentPid: 11,
  pgid: 11,
  startedAt: 0,
};

function agentDef(overrides: Partial<AgentDef> = {}): AgentDef {
  return {
    name: 'fix',
    runbook: 'bugfix',
    qualified: 'bugfix.fix',
    command: 'claude',
    driver: 'claude',
    env: {},
    heartbeat: 'output',
    idleTimeoutMs: 1_000,
    onStuck: [step('nudge'), step('restart', 1), step('escalate')],
    onTimeout: [step('escalate')],
    onExit: [step('escalate')],
    inputs: [],
    ...overrides,
  } as AgentDef;
}

function drive(def: AgentDef) {
  const effects: AgentEffect[] = [];
  const actor = createActor(createAgentMachine(def), {
    input: {
      id: 'ag-1',
      pipeline: 'pl-1',
      phase: 'fix',
      effect: 'pl-1:fix:1:work',
      sessionId: 'u-1',
      at: 0,
    },
  });
  actor.on('effect', (e) => effects.push(e.effect));
  actor.start();
  const ctx = () => actor.getSnapshot().context as AgentContext;
  return {
    effects,
    ctx,
    value: () => actor.getSnapshot().value,
    send: (e: AgentEvent) => actor.send(e),
    up: (generation: number, at: number) => {
      actor.send({ type: 'agent.spawned', at, generation, session: SESSION });
      actor.send({ type: 'agent.state', at, generation, state: 'idle' });
    },
    stuck: () => {
      const d = agentDeadlines(actor.getSnapshot() as never).find((x) => x.id.startsWith('stuck:'));
      if (!d) throw new Error('no stuck deadline armed');
      actor.send({ type: 'deadline', id: d.id, at: d.at });
    },
    kinds: () => effects.map((e) => e.kind),
    deadlines: () => agentDeadlines(actor.getSnapshot() as never),
  };
}

describe('agent machine', () => {
  it('spawns generation 1 and arms the idle deadline once the session is up', () => {
    const a = drive(agentDef());
    expect(a.effects).toEqual([
      { kind: 'sessionSpawn', id: 'ag-1:spawn:1', agent: 'ag-1', generation: 1, resume: false },
    ]);
    a.up(1, 100);
    expect(a.ctx().stuckAt).toBe(1_100);
  });

  it('walks nudge, restart, escalate while the agent stays stuck, then retry starts it again', () => {
    const a = drive(agentDef());
    a.up(1, 0);
    a.stuck();
    expect(a.kinds().at(-1)).toBe('sessionNudge');
    a.stuck();
    expect(a.kinds().slice(-2)).toEqual(['sessionKill', 'sessionSpawn']);
    expect(a.ctx().generation).toBe(2);
    a.up(2, 3_000);
    a.stuck();
    expect(a.kinds().at(-1)).toBe('escalate');
    expect(a.value()).toBe('escalated');
    const decision = a.ctx().decision;
    expect(decision?.options).toEqual(['nudge', 'retry', 'done', 'cancel']);
    expect(a.deadlines()).toEqual([]);
    a.send({ type: 'agent.resolve', at: 5_000, decision: decision?.id ?? '', option: 'done' });
    expect(a.ctx().outcome).toEqual({ ok: true });
    expect(a.value()).toBe('ended');
  });

  it('does not nudge an agent still starting up: the chain moves on', () => {
    const a = drive(agentDef());
    a.send({ type: 'agent.spawned', at: 0, generation: 1, session: SESSION });
    a.stuck();
    expect(a.kinds().slice(-2)).toEqual(['sessionKill', 'sessionSpawn']);
  });

  it('ends the recovery episode when the agent works again, so the next stuck starts with a nudge', () => {
    const a = drive(agentDef());
    a.up(1, 0);
    a.stuck();
    a.send({ type: 'agent.state', at: 5_000, generation: 1, state: 'working' });
    a.stuck();
    expect(a.kinds().filter((k) => k === 'sessionNudge')).toHaveLength(2);
    expect(a.ctx().restarts).toBe(0);
  });

  it('ignores events and `oj done` from an older generation', () => {
    const a = drive(agentDef({ onStuck: [step('restart', 1), step('escalate')] }));
    a.up(1, 0);
    a.stuck();
    a.send({ type: 'agent.done', at: 2_000, generation: 1 });
    a.send({ type: 'agent.exited', at: 2_000, generation: 1, code: 1, signal: null });
    expect(a.ctx().outcome).toBeNull();
    a.send({ type: 'agent.done', at: 2_500, generation: 2 });
    expect(a.ctx().outcome).toEqual({ ok: true });
  });

  it('turns a permission prompt into a decision and approve answers the same session', () => {
    const a = drive(agentDef());
    a.up(1, 0);
    const prompt = {
      kind: 'permission',
      tool: 'Bash',
      input: 'rm -rf build',
      options: ['Yes', 'No'],
    };
    a.send({ type: 'agent.state', at: 10, generation: 1, state: 'prompt', prompt });
    a.send({ type: 'agent.state', at: 20, generation: 1, state: 'prompt', prompt });
    expect(a.kinds().filter((k) => k === 'escalate')).toHaveLength(1);
    const d = a.ctx().decision;
    expect(d?.options).toEqual(['approve', 'deny', 'cancel']);
    a.send({ type: 'agent.resolve', at: 30, decision: d?.id ?? '', option: 'approve' });
    expect(a.effects.at(-1)).toMatchObject({ kind: 'sessionRespond', generation: 1, accept: true });
    expect(a.value()).toBe('running');
  });

  it('supersedes an open decision with a newer one for the same run', () => {
    const a = drive(agentDef({ onStuck: [step('escalate')] }));
    a.up(1, 0);
    a.stuck();
    const first = a.ctx().decision?.id;
    a.send({
      type: 'agent.state',
      at: 1_500,
      generation: 1,
      state: 'prompt',
      prompt: { kind: 'permission', options: [] },
    });
    expect(a.ctx().decision?.id).not.toBe(first);
    expect(a.ctx().superseded).toContain(first);
    a.send({ type: 'agent.resolve', at: 1_600, decision: first ?? '', option: 'done' });
    expect(a.ctx().outcome).toBeNull();
  });

  it('handles a crash per on_exit: restart once, then escalate with retry/skip/cancel', () => {
    const a = drive(agentDef({ onExit: [step('restart', 1), step('escalate')] }));
    a.up(1, 0);
    a.send({ type: 'agent.exited', at: 100, generation: 1, code: 3, signal: null });
    expect(a.effects.at(-1)).toMatchObject({ kind: 'sessionSpawn', generation: 2, resume: true });
    a.up(2, 200);
    a.send({ type: 'agent.exited', at: 300, generation: 2, code: 3, signal: null });
    expect(a.ctx().decision?.options).toEqual(['retry', 'skip', 'cancel']);
    expect(a.ctx().decision?.detail).toContain('exited with code 3');
  });

  it('fails with the reason when a chain has nothing left to try', () => {
    const a = drive(agentDef({ onExit: [] }));
    a.up(1, 0);
    a.send({ type: 'agent.exited', at: 100, generation: 1, code: null, signal: 'SIGSEGV' });
    expect(a.ctx().outcome).toEqual({
      ok: false,
      error: 'the agent was killed by SIGSEGV before calling `oj done`',
    });
  });

  it('treats exit 0 of a print-mode agent as done', () => {
    const a = drive(agentDef({ command: 'claude --print' }));
    a.up(1, 0);
    a.send({ type: 'agent.exited', at: 100, generation: 1, code: 0, signal: null });
    expect(a.ctx().outcome).toEqual({ ok: true });
  });

  it('runs on_timeout when the timeout deadline passes, and fails the spawn with its error', () => {
    const a = drive(agentDef({ timeoutMs: 5_000, onTimeout: [] }));
    a.up(1, 0);
    a.send({ type: 'deadline', id: 'timeout:5000', at: 5_000 });
    expect(a.ctx().outcome).toMatchObject({ ok: false, error: expect.stringContaining('timeout') });
    expect(a.kinds().at(-1)).toBe('sessionKill');
    const b = drive(agentDef());
    b.send({
      type: 'effect.failed',
      id: 'ag-1:spawn:1',
      at: 5,
      error: 'agent command "claude" was not found',
    });
    expect(b.ctx().outcome).toEqual({ ok: false, error: 'agent command "claude" was not found' });
  });
});
