// Agent runs inside one journal input: a phase's `spawnAgent` becomes an agent actor (ids and the
// conversation id derived deterministically, so replay rebuilds the same run), session reports and
// `oj done` are routed to it, its open decision escalates the pipeline, and its outcome completes
// the phase.
import { createHash } from 'node:crypto';
import { createAgentMachine, parseAgentEpoch } from '../../machines/index.js';
import type { AgentContext, AgentDecision, PipelineContext } from '../../machines/index.js';
import { interpolateText } from '../../runbook/index.js';
import type { PipelineBundle } from '../../runbook/index.js';
import type { EngineHost } from './host.js';
import type { JournalEntry } from './records.js';
import type { ActorEntry, ActorMeta, EmittedEffect } from './supervisor.js';
import { settleStrategy } from './work.js';

/** `pl-1a:fix:2:work` → `ag-1a-fix-2`: readable, unique per phase visit. */
export function agentIdOf(effectId: string): string {
  return `ag-${effectId
    .replace(/^pl-/, '')
    .replace(/:work$/, '')
    .replace(/[^A-Za-z0-9_-]+/g, '-')}`;
}

/** A UUID-shaped conversation id, stable for the run (Claude's `--session-id`). */
export function toConversationId(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The conversation of agent run `id` of `pipeline`: the same for the run and its follow-ups. */
function conversationOf(pipeline: ActorEntry, id: string): string {
  return toConversationId(`${pipeline.meta.project}\0${id}\0${pipeline.meta.createdAt}`);
}

/**
 * `oj session continue` on a finished agent: a follow-up run resumes the conversation of the
 * pipeline's last agent phase with the message. It completes nothing; it is dropped when it ends.
 */
export function startFollowUp(
  host: EngineHost,
  e: Extract<JournalEntry, { type: 'agent:continue' }>,
  touched: Set<string>,
): void {
  const pipeline = host.sup.get(e.pipeline);
  if (pipeline?.kind !== 'pipeline') return;
  const bundle = host.bundle(pipeline.meta.defHash) as PipelineBundle;
  const qualified = bundle.pipeline.phases.find((p) => p.name === e.phase)?.agent;
  if (!qualified) return;
  const original = agentIdOf(`${e.pipeline}:${e.phase}:${e.visit}:work`);
  const id = `${original}-f${e.seq.toString(36)}`;
  const meta: ActorMeta = {
    project: pipeline.meta.project,
    qualified,
    defHash: pipeline.meta.defHash,
    owner: pipeline.id,
    createdAt: e.at,
  };
  const input = {
    id,
    pipeline: pipeline.id,
    phase: e.phase,
    effect: '',
    sessionId: conversationOf(pipeline, original),
    at: e.at,
    followUp: e.message,
  };
  touched.add(host.sup.spawn(id, 'agent', agentMachine(meta, host.bundle), meta, { input }).id);
}

/** The machine of an agent run (its definition lives in the pipeline's bundle). */
export function agentMachine(meta: ActorMeta, bundle: (hash: string) => unknown) {
  const def = (bundle(meta.defHash) as PipelineBundle).agents[meta.qualified];
  if (!def) throw new Error(`agent ${meta.qualified} is missing from bundle ${meta.defHash}`);
  return createAgentMachine(def);
}

export function agentContext(run: ActorEntry): AgentContext {
  return (run.actor.getSnapshot() as { context: AgentContext }).context;
}

/** A phase's `spawnAgent`: the run becomes an agent actor, which emits its first spawn. */
export function startAgentRun(
  host: EngineHost,
  emitted: EmittedEffect,
  at: number,
  touched: Set<string>,
): void {
  // A phase starts agents, and so does a strategy's agent attempt (its run is then the owner).
  const emitter = host.sup.get(emitted.actor);
  const pipeline =
    emitter?.kind === 'strategy' && emitter.meta.owner ? host.sup.get(emitter.meta.owner) : emitter;
  const id = agentIdOf(emitted.effect.id);
  if (!emitter || !pipeline || host.sup.get(id)) return;
  const meta: ActorMeta = {
    project: pipeline.meta.project,
    qualified: String(emitted.effect.agent),
    defHash: pipeline.meta.defHash,
    owner: emitter.id,
    createdAt: at,
  };
  const input = {
    id,
    pipeline: pipeline.id,
    phase: String(emitted.effect.phase),
    effect: emitted.effect.id,
    sessionId: conversationOf(pipeline, id),
    at,
  };
  const run = host.sup.spawn(id, 'agent', agentMachine(meta, host.bundle), meta, { input });
  touched.add(run.id);
}

/** The agent run answering a pipeline effect (a phase's `spawnAgent`), if one is live. */
export function agentRunOf(host: EngineHost, effectId: string): ActorEntry | undefined {
  const run = host.sup.get(agentIdOf(effectId));
  return run?.kind === 'agent' ? run : undefined;
}

/**
 * After an agent run changed: mirror its open decision onto the pipeline (status `escalated`),
 * and once it has an outcome, complete or fail the phase and drop the run.
 */
export function settleAgent(
  host: EngineHost,
  run: ActorEntry,
  before: AgentDecision | null,
  at: number,
  touched: Set<string>,
): void {
  const c = agentContext(run);
  const pipeline = host.sup.get(c.pipeline);
  const inflight =
    pipeline?.kind === 'pipeline'
      ? (pipeline.actor.getSnapshot() as { context: PipelineContext }).context.inflight
      : null;
  if (pipeline && inflight && c.effect && !c.outcome && c.decision?.id !== before?.id) {
    const escalated = c.decision !== null;
    host.sendPipeline(
      pipeline,
      {
        type: 'effect.progress',
        id: inflight.id,
        at,
        waiting: escalated,
        escalated,
        ...(c.decision ? { reason: `decision ${c.decision.id}: ${c.decision.detail}` } : {}),
      },
      touched,
    );
  }
  if (!c.outcome) return;
  const owner = run.meta.owner ? host.sup.get(run.meta.owner) : undefined;
  if (owner && c.effect) {
    const event = c.outcome.ok
      ? { type: 'effect.done', id: c.effect, at }
      : { type: 'effect.failed', id: c.effect, at, error: c.outcome.error };
    if (owner.kind === 'strategy') {
      host.send(owner, event, touched);
      settleStrategy(host, owner, at, touched);
    } else host.sendPipeline(owner, event, touched);
  }
  host.sup.remove(run.id);
  host.forget(run.id);
}

/** Sends an event to an agent run and settles what follows from it. */
export function toAgentRun(
  host: EngineHost,
  run: ActorEntry,
  event: { type: string; at: number } & Record<string, unknown>,
  touched: Set<string>,
): void {
  const before = agentContext(run).decision;
  host.send(run, event, touched);
  settleAgent(host, run, before, event.at, touched);
}

/** Routes the `agent:*`, `phase:done` and `decision:resolve` records. */
export function routeAgentRecord(host: EngineHost, e: JournalEntry, touched: Set<string>): void {
  switch (e.type) {
    case 'agent:spawned':
    case 'agent:state':
    case 'agent:activity':
    case 'agent:exited': {
      const run = host.sup.get(e.actor);
      if (run?.kind !== 'agent') return;
      const { actor: _actor, type, ...rest } = e;
      toAgentRun(host, run, { ...rest, type: type.replace(':', '.') }, touched);
      return;
    }
    case 'phase:done':
      return routePhaseDone(host, e, touched);
    case 'agent:continue':
      return startFollowUp(host, e, touched);
    case 'decision:resolve': {
      const run = host.sup.all('agent').find((r) => agentContext(r).decision?.id === e.decision);
      if (!run) return;
      toAgentRun(
        host,
        run,
        {
          type: 'agent.resolve',
          at: e.at,
          decision: e.decision,
          option: e.option,
          ...(e.message === undefined ? {} : { message: e.message }),
        },
        touched,
      );
      return;
    }
    default:
      return;
  }
}

/** Which run an `oj done` epoch names, or why it is stale. Pure over the actors. */
export function checkEpoch(
  host: Pick<EngineHost, 'sup'>,
  pipelineId: string,
  epoch: string,
): { ok: true; agent?: ActorEntry; effect: string } | { ok: false; error: string } {
  const pipeline = host.sup.get(pipelineId);
  if (pipeline?.kind !== 'pipeline')
    return { ok: false, error: `pipeline "${pipelineId}" is not running` };
  const named = parseAgentEpoch(epoch);
  const followUp = named ? host.sup.get(named.id) : undefined;
  if (followUp?.kind === 'agent' && agentContext(followUp).effect === '') {
    const { generation } = agentContext(followUp);
    return generation === named?.generation
      ? { ok: true, agent: followUp, effect: '' }
      : { ok: false, error: `stale epoch "${epoch}": session ${generation} replaced it` };
  }
  const inflight = (pipeline.actor.getSnapshot() as { context: PipelineContext }).context.inflight;
  const stale = `stale epoch "${epoch}": pipeline ${pipelineId} has moved on`;
  if (!inflight) return { ok: false, error: `${stale} (nothing is running)` };
  const agentEpoch = parseAgentEpoch(epoch);
  if (agentEpoch) {
    const run = host.sup.get(agentEpoch.id);
    const owner = run?.meta.owner ? host.sup.get(run.meta.owner) : undefined;
    const ownerInflight =
      owner?.kind === 'strategy'
        ? (owner.actor.getSnapshot() as { context: { inflight: string | null } }).context.inflight
        : inflight.id;
    if (run?.kind !== 'agent' || agentContext(run).effect !== ownerInflight)
      return { ok: false, error: `${stale} (that agent run is over)` };
    const { generation } = agentContext(run);
    if (generation !== agentEpoch.generation)
      return {
        ok: false,
        error: `${stale} (session ${agentEpoch.generation} was replaced by session ${generation})`,
      };
    return { ok: true, agent: run, effect: inflight.id };
  }
  if (epoch !== inflight.id) return { ok: false, error: `${stale} (now at ${inflight.id})` };
  return { ok: true, effect: inflight.id };
}

function routePhaseDone(
  host: EngineHost,
  e: Extract<JournalEntry, { type: 'phase:done' }>,
  touched: Set<string>,
): void {
  const checked = checkEpoch(host, e.pipeline, e.epoch);
  if (!checked.ok) {
    host.log('warn', `oj done ignored: ${checked.error}`);
    return;
  }
  if (checked.agent) {
    const generation = agentContext(checked.agent).generation;
    toAgentRun(
      host,
      checked.agent,
      {
        type: 'agent.done',
        at: e.at,
        generation,
        ...(e.error === undefined ? {} : { error: e.error }),
      },
      touched,
    );
    return;
  }
  const pipeline = host.sup.get(e.pipeline) as ActorEntry;
  const event =
    e.error === undefined
      ? { type: 'effect.done', id: checked.effect, at: e.at }
      : { type: 'effect.failed', id: checked.effect, at: e.at, error: e.error };
  host.sendPipeline(pipeline, event, touched);
}

/**
 * A phase's `approve = "…"`: nothing runs; the pipeline stops `escalated` with the question (its
 * variables filled in) until a human resolves the approval decision (approve → done, reject →
 * the phase fails and its on_fail applies).
 */
export function requestApproval(
  host: EngineHost,
  emitted: EmittedEffect,
  at: number,
  touched: Set<string>,
): void {
  const pipeline = host.sup.get(emitted.actor);
  if (pipeline?.kind !== 'pipeline') return;
  const ctx = (pipeline.actor.getSnapshot() as { context: PipelineContext }).context;
  const vars = {
    pipeline: pipeline.id,
    name: pipeline.meta.name ?? pipeline.id,
    phase: String(emitted.effect.phase),
    project: pipeline.meta.project,
    ...ctx.inputs,
  };
  let question = String(emitted.effect.question);
  try {
    question = interpolateText(question, vars);
  } catch {
    // an unknown variable leaves the question as written
  }
  host.sendPipeline(
    pipeline,
    {
      type: 'effect.progress',
      id: emitted.effect.id,
      at,
      waiting: true,
      escalated: true,
      reason: `approval: ${question}`,
    },
    touched,
  );
}

/**
 * The effects about agents and humans, handled inside the processing step: a phase's
 * `spawnAgent`, an `awaitApproval`, and a `cancelEffect` aimed at an agent run. False for others.
 */
export function handleAgentEffect(
  host: EngineHost,
  emitted: EmittedEffect,
  at: number,
  touched: Set<string>,
): boolean {
  const { effect } = emitted;
  if (effect.kind === 'spawnAgent') startAgentRun(host, emitted, at, touched);
  else if (effect.kind === 'awaitApproval') requestApproval(host, emitted, at, touched);
  else if (effect.kind === 'cancelEffect' && agentRunOf(host, String(effect.target))) {
    const run = agentRunOf(host, String(effect.target)) as ActorEntry;
    toAgentRun(host, run, { type: 'agent.cancel', at, reason: 'the phase was left' }, touched);
  } else return false;
  return true;
}
