// The supervision policy of one agent run as a pure function: given the context and an event, the
// next context and the effects to run. Stuck (no heartbeat for `idle_timeout`), `timeout` and an
// unexpected exit each walk their recovery chain; `escalate` opens a decision for a human.

import type { AgentDef, RecoveryStep } from '../runbook/index.js';
import {
  DECISION_OPTIONS,
  DEFAULT_NUDGE,
  chainFor,
  restartLimit,
  toStuckDeadlineId,
  toTimeoutDeadlineId,
} from './agent.context.js';
import type {
  AgentContext,
  AgentDecision,
  AgentEffect,
  AgentEvent,
  AgentInput,
  EscalationCause,
} from './agent.context.js';

export interface AgentStep {
  context: AgentContext;
  effects: AgentEffect[];
}

const MAX_LOG = 40;
/** `working` this soon after our own nudge may be its echo, not the agent resuming. */
export const NUDGE_ECHO_MS = 1_000;

/** The context of a new run: spawning generation 1. Pure. */
export function startAgent(def: AgentDef, input: AgentInput): AgentStep {
  const { at, ...rest } = input;
  const context: AgentContext = {
    ...rest,
    generation: 1,
    ...freshRun(at),
    timeoutAt: def.timeoutMs === undefined ? null : at + def.timeoutMs,
    // Armed once the session is up: starting an agent is not being stuck.
    stuckAt: null,
    restarts: 0,
    nudges: 0,
    decisions: 0,
    superseded: [],
    outcome: null,
    log: [],
  };
  return { context, effects: [firstSpawn(context)] };
}

/** The first session: a fresh start, or for a follow-up the resumed conversation. */
export function firstSpawn(c: AgentContext): AgentEffect {
  return c.followUp === undefined ? spawn(c, false) : spawn(c, true, c.followUp);
}

function freshRun(at: number) {
  return {
    session: null,
    state: 'starting' as const,
    prompt: null,
    startedAt: at,
    lastActivityAt: at,
    recovery: null,
    lastNudgeAt: null,
    decision: null,
    lastExit: null,
  };
}

function stuckDeadline(def: AgentDef, from: number): number | null {
  return def.heartbeat === 'output' && def.idleTimeoutMs !== undefined
    ? from + def.idleTimeoutMs
    : null;
}

/** The effect that starts the session of the context's generation. */
export function spawn(c: AgentContext, resume: boolean, message?: string): AgentEffect {
  return {
    kind: 'sessionSpawn',
    id: `${c.id}:spawn:${c.generation}`,
    agent: c.id,
    generation: c.generation,
    resume,
    ...(message === undefined ? {} : { message }),
  };
}

function note(c: AgentContext, at: number, line: string): string[] {
  return [...c.log, `${new Date(at).toISOString()} ${line}`].slice(-MAX_LOG);
}

function end(c: AgentContext, at: number, outcome: AgentContext['outcome']): AgentStep {
  const effects: AgentEffect[] = [];
  // After `oj done` the agent may still be finishing its turn: it gets to, then it is stopped.
  if (c.session && c.state !== 'exited')
    effects.push({
      kind: 'sessionKill',
      id: `${c.id}:kill:${c.generation}`,
      agent: c.id,
      generation: c.generation,
      ...(outcome?.ok ? { afterTurn: true } : {}),
    });
  const why = outcome?.ok ? 'done' : `failed: ${outcome?.error ?? ''}`;
  return {
    context: {
      ...c,
      outcome,
      decision: null,
      stuckAt: null,
      timeoutAt: null,
      log: note(c, at, why),
    },
    effects,
  };
}

/** Applies one event. Events for an older generation are ignored (a replaced session). Pure. */
export function stepAgent(def: AgentDef, c: AgentContext, e: AgentEvent): AgentStep {
  if (c.outcome) return { context: c, effects: [] };
  const same = (g: number) => g === c.generation;
  switch (e.type) {
    case 'agent.spawned':
      if (!same(e.generation)) return { context: c, effects: [] };
      return {
        context: {
          ...c,
          session: e.session,
          lastActivityAt: e.at,
          stuckAt: c.decision ? null : stuckDeadline(def, e.at),
          log: note(c, e.at, `session ${c.generation} up (pid ${e.session.agentPid})`),
        },
        effects: [],
      };
    case 'effect.failed':
      if (e.id !== `${c.id}:spawn:${c.generation}`) return { context: c, effects: [] };
      return end(c, e.at, { ok: false, error: e.error });
    case 'agent.activity':
      if (!same(e.generation)) return { context: c, effects: [] };
      return { context: heartbeat(def, c, e.at), effects: [] };
    case 'agent.state':
      return same(e.generation) ? onState(def, c, e) : { context: c, effects: [] };
    case 'agent.exited':
      return same(e.generation) ? onExit(def, c, e) : { context: c, effects: [] };
    case 'agent.done':
      if (!same(e.generation)) return { context: c, effects: [] };
      return end(c, e.at, e.error === undefined ? { ok: true } : { ok: false, error: e.error });
    case 'agent.cancel':
      return end(c, e.at, { ok: false, error: e.reason ?? 'cancelled' });
    case 'agent.resolve':
      return resolve(def, c, e);
    case 'deadline':
      if (c.stuckAt !== null && e.id === toStuckDeadlineId(c.stuckAt) && !c.decision)
        return recover(def, { ...c, stuckAt: null }, 'stuck', e.at);
      if (c.timeoutAt !== null && e.id === toTimeoutDeadlineId(c.timeoutAt))
        return recover(def, { ...c, timeoutAt: null, stuckAt: null }, 'timeout', e.at);
      return { context: c, effects: [] };
  }
}

function heartbeat(def: AgentDef, c: AgentContext, at: number): AgentContext {
  return { ...c, lastActivityAt: at, stuckAt: c.decision ? c.stuckAt : stuckDeadline(def, at) };
}

function onState(
  def: AgentDef,
  c: AgentContext,
  e: Extract<AgentEvent, { type: 'agent.state' }>,
): AgentStep {
  let next: AgentContext = { ...c, state: e.state, prompt: e.prompt ?? null };
  if (e.state === 'working') {
    next = heartbeat(def, next, e.at);
    const echo = c.lastNudgeAt !== null && e.at - c.lastNudgeAt < NUDGE_ECHO_MS;
    // Real work again: the recovery episode is over and an idle decision no longer applies.
    if (!echo && c.recovery?.cause === 'stuck') next = { ...next, recovery: null };
    if (!echo && c.decision?.cause === 'idle')
      next = supersede(next, e.at, 'the agent resumed work');
    return { context: next, effects: [] };
  }
  if (c.state === 'prompt' && c.decision?.cause === 'prompt') return { context: next, effects: [] };
  if (e.state === 'prompt' && e.prompt && e.prompt.kind !== 'setup')
    return escalate(next, 'prompt', e.at, promptDetail(e.prompt));
  if (e.error) next = { ...next, log: note(next, e.at, `agent error: ${e.error}`) };
  return { context: next, effects: [] };
}

function promptDetail(p: NonNullable<AgentContext['prompt']>): string {
  const what = [p.tool, p.input].filter(Boolean).join(': ');
  return `the agent asks for ${p.kind === 'permission' ? 'permission' : `an answer (${p.kind})`}${what ? ` — ${what}` : ''}`;
}

function onExit(
  def: AgentDef,
  c: AgentContext,
  e: Extract<AgentEvent, { type: 'agent.exited' }>,
): AgentStep {
  const exited: AgentContext = {
    ...c,
    state: 'exited',
    session: null,
    stuckAt: null,
    lastExit: { code: e.code, signal: e.signal },
    log: note(c, e.at, `session ${c.generation} exited (${e.signal ?? `code ${e.code}`})`),
  };
  // A one-shot (print mode) agent signals success by exiting 0.
  if (e.code === 0 && isPrintMode(def)) return end(exited, e.at, { ok: true });
  if (c.decision) return { context: exited, effects: [] };
  return recover(def, { ...exited, recovery: null }, 'exit', e.at);
}

/** `claude -p` and friends finish their turn and exit: exit 0 is their `oj done`. */
export function isPrintMode(def: AgentDef): boolean {
  return /(^|\s)(-p|--print)(\s|$)/.test(def.command);
}

/** Takes the next step of the chain for `cause` that its limits allow. */
function recover(
  def: AgentDef,
  c: AgentContext,
  cause: 'stuck' | 'timeout' | 'exit',
  at: number,
): AgentStep {
  const chain = chainFor(def, cause);
  let pos = c.recovery?.cause === cause ? c.recovery.pos : 0;
  for (; pos < chain.length; pos++) {
    const step = chain[pos] as RecoveryStep;
    const taken = take(def, { ...c, recovery: { cause, pos: pos + 1 } }, step, cause, at);
    if (taken) return taken;
  }
  const why =
    cause === 'stuck'
      ? `the agent made no progress for ${def.idleTimeoutMs ?? 0} ms and its on_stuck chain is exhausted`
      : cause === 'timeout'
        ? `the agent ran past its timeout of ${def.timeoutMs ?? 0} ms`
        : exitText(c);
  return end(c, at, { ok: false, error: why });
}

function exitText(c: AgentContext): string {
  const how = c.lastExit?.signal
    ? `was killed by ${c.lastExit.signal}`
    : `exited with code ${c.lastExit?.code ?? '?'}`;
  return `the agent ${how} before calling \`oj done\``;
}

function take(
  def: AgentDef,
  c: AgentContext,
  step: RecoveryStep,
  cause: 'stuck' | 'timeout' | 'exit',
  at: number,
): AgentStep | null {
  if (step.action) {
    const effect: AgentEffect = {
      kind: 'runAction',
      id: `${c.id}:action:${step.name}:${at}`,
      agent: c.id,
      action: step.action,
    };
    return {
      context: {
        ...c,
        stuckAt: stuckDeadline(def, at),
        log: note(c, at, `${cause}: action ${step.name}`),
      },
      effects: [effect],
    };
  }
  switch (step.builtin) {
    case 'nudge': {
      // Only an agent that got going can be nudged (one stuck starting up needs more).
      if (cause !== 'stuck' || c.state === 'exited' || c.state === 'starting' || !c.session)
        return null;
      return nudge(def, c, at, DEFAULT_NUDGE, `${cause}: nudge`);
    }
    case 'restart':
      if (c.restarts >= restartLimit(step)) return null;
      return restart(c, at, `${cause}: restart ${c.restarts + 1} of ${restartLimit(step)}`);
    case 'escalate':
      return escalate(
        c,
        cause === 'stuck' ? 'idle' : cause === 'timeout' ? 'timeout' : 'exit',
        at,
        escalationDetail(def, c, cause),
      );
    case 'abandon':
    case 'dead':
      return end(c, at, { ok: false, error: `${step.name}: ${escalationDetail(def, c, cause)}` });
    default:
      return null; // requeue, rollback, release, reclaim: not an agent's to take
  }
}

function escalationDetail(
  def: AgentDef,
  c: AgentContext,
  cause: 'stuck' | 'timeout' | 'exit',
): string {
  if (cause === 'stuck')
    return `no output for ${Math.round((def.idleTimeoutMs ?? 0) / 1000)} s after ${c.nudges} nudge(s) and ${c.restarts} restart(s)`;
  if (cause === 'timeout')
    return `ran past its timeout of ${Math.round((def.timeoutMs ?? 0) / 1000)} s`;
  return exitText(c).replace(/^the agent /, '');
}

function nudge(
  def: AgentDef,
  c: AgentContext,
  at: number,
  message: string,
  why: string,
): AgentStep {
  const effect: AgentEffect = {
    kind: 'sessionNudge',
    id: `${c.id}:nudge:${c.nudges + 1}`,
    agent: c.id,
    generation: c.generation,
    message,
  };
  return {
    context: {
      ...c,
      nudges: c.nudges + 1,
      lastNudgeAt: at,
      stuckAt: stuckDeadline(def, at),
      log: note(c, at, why),
    },
    effects: [effect],
  };
}

function restart(c: AgentContext, at: number, why: string, message?: string): AgentStep {
  const effects: AgentEffect[] = [];
  if (c.session && c.state !== 'exited')
    effects.push({
      kind: 'sessionKill',
      id: `${c.id}:kill:${c.generation}`,
      agent: c.id,
      generation: c.generation,
    });
  const next: AgentContext = {
    ...c,
    ...freshRun(at),
    recovery: c.recovery,
    generation: c.generation + 1,
    restarts: c.restarts + 1,
    stuckAt: null,
    log: note(c, at, why),
  };
  effects.push(spawn(next, true, message));
  return { context: next, effects };
}

function escalate(c: AgentContext, cause: EscalationCause, at: number, detail: string): AgentStep {
  let next = c;
  if (c.decision) next = { ...c, superseded: [...c.superseded, c.decision.id].slice(-20) };
  const decision: AgentDecision = {
    id: `dc-${c.id.replace(/^ag-/, '')}-${c.decisions + 1}`,
    cause,
    options: [...DECISION_OPTIONS[cause]],
    detail,
    createdAt: at,
    generation: c.generation,
  };
  next = {
    ...next,
    decision,
    decisions: c.decisions + 1,
    stuckAt: null,
    log: note(c, at, `escalated (${cause}): ${detail}`),
  };
  return {
    context: next,
    effects: [{ kind: 'escalate', id: `${c.id}:escalate:${decision.id}`, agent: c.id, decision }],
  };
}

function supersede(c: AgentContext, at: number, why: string): AgentContext {
  if (!c.decision) return c;
  return {
    ...c,
    decision: null,
    superseded: [...c.superseded, c.decision.id].slice(-20),
    log: note(c, at, `decision ${c.decision.id} closed: ${why}`),
  };
}

function resolve(
  def: AgentDef,
  c: AgentContext,
  e: Extract<AgentEvent, { type: 'agent.resolve' }>,
): AgentStep {
  const d = c.decision;
  if (!d || d.id !== e.decision || !d.options.includes(e.option))
    return { context: c, effects: [] };
  const open: AgentContext = {
    ...c,
    decision: null,
    recovery: null,
    log: note(c, e.at, `decision ${d.id}: ${e.option}`),
  };
  switch (e.option) {
    case 'nudge':
      if (!c.session || c.state === 'exited')
        return restart(open, e.at, 'resolved: restart (the session is gone)', e.message);
      return nudge(def, open, e.at, e.message ?? DEFAULT_NUDGE, 'resolved: nudge');
    case 'done':
    case 'skip':
      return end(open, e.at, { ok: true });
    case 'retry':
      return restart(
        {
          ...open,
          restarts: 0,
          timeoutAt: def.timeoutMs === undefined ? null : e.at + def.timeoutMs,
        },
        e.at,
        'resolved: retry',
        e.message,
      );
    case 'approve':
    case 'deny': {
      const effect: AgentEffect = {
        kind: 'sessionRespond',
        id: `${c.id}:respond:${d.id}`,
        agent: c.id,
        generation: c.generation,
        accept: e.option === 'approve',
      };
      const next = {
        ...open,
        prompt: null,
        state: 'working' as const,
        lastNudgeAt: e.at,
        stuckAt: stuckDeadline(def, e.at),
      };
      if (c.session && c.state !== 'exited') return { context: next, effects: [effect] };
      return restart(
        open,
        e.at,
        `resolved: ${e.option} (the session is gone; restarting)`,
        e.message,
      );
    }
    default:
      // `cancel` is the pipeline's to carry out (the runtime cancels it, which cancels this run).
      return { context: c, effects: [] };
  }
}
