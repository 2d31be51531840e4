// The agent supervision machine's data: the persisted context of one agent run (its session
// generation, liveness deadlines, recovery position, open decision), the events it takes, the
// effects it emits, and the pure policy that decides what a stuck, timed-out or exited agent gets.

import type { AgentDef, RecoveryStep } from '../runbook/index.js';
import type { Deadline } from './pipeline.context.js';

export const AGENT_MACHINE_ID = 'agent';

/** What the session host reports; `exited` also arrives as its own event with the exit code. */
export type AgentSessionState = 'starting' | 'working' | 'idle' | 'prompt' | 'exited';
export type EscalationCause = 'idle' | 'timeout' | 'exit' | 'error' | 'prompt';

/** Options a human is offered per cause (the first is the suggested one). */
export const DECISION_OPTIONS: Record<EscalationCause, readonly string[]> = {
  idle: ['nudge', 'retry', 'done', 'cancel'],
  timeout: ['retry', 'skip', 'cancel'],
  exit: ['retry', 'skip', 'cancel'],
  error: ['retry', 'skip', 'cancel'],
  prompt: ['approve', 'deny', 'cancel'],
};

export interface AgentInput {
  /** The actor id (`ag-…`); decision ids and epochs derive from it. */
  id: string;
  pipeline: string;
  phase: string;
  /** The pipeline's `spawnAgent` effect this run completes. */
  effect: string;
  /** The conversation id given to agents that can resume one (Claude's `--session-id`). */
  sessionId: string;
  at: number;
  /**
   * A follow-up of a finished run (`oj session continue`): its first session resumes the
   * conversation with this message, and its outcome completes nothing (`effect` is empty).
   */
  followUp?: string;
}

/** Where the live session of the current generation is (set once its host is up). */
export interface SessionRef {
  dir: string;
  socket: string;
  hostPid: number;
  agentPid: number;
  pgid: number;
  startedAt: number;
}

export interface AgentDecision {
  id: string;
  cause: EscalationCause;
  options: string[];
  detail: string;
  createdAt: number;
  /** The generation it was raised for (a prompt decision answers that session). */
  generation: number;
}

export interface AgentContext extends Omit<AgentInput, 'at'> {
  /** Bumped by every (re)spawn; an `oj done` must carry `<id>#<generation>` of the live one. */
  generation: number;
  session: SessionRef | null;
  state: AgentSessionState;
  prompt: { kind: string; tool?: string; input?: string; options: string[] } | null;
  startedAt: number;
  lastActivityAt: number;
  /** `stuck:<at>` when heartbeats count; `timeout:<at>` for the agent's `timeout`. */
  stuckAt: number | null;
  timeoutAt: number | null;
  /** Position in the chain of the running recovery episode, reset when the agent works again. */
  recovery: { cause: 'stuck' | 'timeout' | 'exit'; pos: number } | null;
  restarts: number;
  nudges: number;
  /** When the last nudge went out: `working` reported right after it is our own echo. */
  lastNudgeAt: number | null;
  decision: AgentDecision | null;
  /** Decisions replaced by a newer one (ids), so resolving one says why it no longer applies. */
  superseded: string[];
  decisions: number;
  lastExit: { code: number | null; signal: string | null } | null;
  /** Set once the run is over: the pipeline's effect completes with it. */
  outcome: { ok: true } | { ok: false; error: string } | null;
  log: string[];
}

export const AGENT_EVENT_TYPES = [
  'agent.spawned',
  'agent.state',
  'agent.activity',
  'agent.exited',
  'agent.done',
  'agent.resolve',
  'agent.cancel',
  'effect.failed',
  'deadline',
] as const;

export type AgentEvent =
  | { type: 'agent.spawned'; at: number; generation: number; session: SessionRef }
  | {
      type: 'agent.state';
      at: number;
      generation: number;
      state: AgentSessionState;
      prompt?: AgentContext['prompt'];
      error?: string;
    }
  | { type: 'agent.activity'; at: number; generation: number }
  | {
      type: 'agent.exited';
      at: number;
      generation: number;
      code: number | null;
      signal: string | null;
    }
  | { type: 'agent.done'; at: number; generation: number; error?: string }
  | { type: 'agent.resolve'; at: number; decision: string; option: string; message?: string }
  | { type: 'agent.cancel'; at: number; reason?: string }
  | { type: 'effect.failed'; at: number; id: string; error: string }
  | { type: 'deadline'; at: number; id: string };

/** Effects of an agent run; `generation` names the session they act on. */
export type AgentEffect =
  | {
      kind: 'sessionSpawn';
      id: string;
      agent: string;
      generation: number;
      resume: boolean;
      message?: string;
    }
  | { kind: 'sessionNudge'; id: string; agent: string; generation: number; message: string }
  | { kind: 'sessionRespond'; id: string; agent: string; generation: number; accept: boolean }
  | {
      kind: 'sessionKill';
      id: string;
      agent: string;
      generation: number;
      /** Let the agent finish its turn (go idle) first, within a grace period. */
      afterTurn?: boolean;
    }
  | { kind: 'runAction'; id: string; agent: string; action: string }
  | { kind: 'escalate'; id: string; agent: string; decision: AgentDecision };

export type AgentEffectEmitted = { type: 'effect'; effect: AgentEffect };

export const DEFAULT_NUDGE =
  'You seem to have stopped. Continue with the task; when it is finished, run `oj done` (or `oj done --error "why"` if you cannot finish).';

/** The epoch token an agent's `oj done` must carry. Pure. */
export function toAgentEpoch(id: string, generation: number): string {
  return `${id}#${generation}`;
}

export function parseAgentEpoch(epoch: string): { id: string; generation: number } | null {
  const at = epoch.lastIndexOf('#');
  if (at <= 0) return null;
  const generation = Number(epoch.slice(at + 1));
  return Number.isInteger(generation) ? { id: epoch.slice(0, at), generation } : null;
}

export const toStuckDeadlineId = (at: number) => `stuck:${at}`;
export const toTimeoutDeadlineId = (at: number) => `timeout:${at}`;

/** The deadlines the runtime must arm for this context. Pure. */
export function agentDeadlines(snapshot: {
  status: string;
  value: unknown;
  context: AgentContext;
}): Deadline[] {
  if (snapshot.status !== 'active' || snapshot.value === 'ended') return [];
  const out: Deadline[] = [];
  const c = snapshot.context;
  if (c.stuckAt !== null && snapshot.value === 'running')
    out.push({ id: toStuckDeadlineId(c.stuckAt), at: c.stuckAt });
  if (c.timeoutAt !== null) out.push({ id: toTimeoutDeadlineId(c.timeoutAt), at: c.timeoutAt });
  return out;
}

/** `running` (including spawning), `escalated` (a decision is open) or `ended`. */
export function agentPhaseOf(snapshot: { value: unknown }): 'running' | 'escalated' | 'ended' {
  return snapshot.value as 'running' | 'escalated' | 'ended';
}

/** The chain for a recovery cause. */
export function chainFor(def: AgentDef, cause: 'stuck' | 'timeout' | 'exit'): RecoveryStep[] {
  return cause === 'stuck' ? def.onStuck : cause === 'timeout' ? def.onTimeout : def.onExit;
}

/** How many restarts a `restart` / `restart:N` step allows in total. */
export function restartLimit(step: RecoveryStep): number {
  return step.max ?? 1;
}
