// Request handlers for agents: `oj session …` (the agent registry and acting on a live session),
// `oj decision …` (what waits for a human, and resolving it), and `oj done` (a phase command or
// agent completing its phase, checked against its epoch).
import { OjError } from '../../errors/index.js';
import type { PipelineContext } from '../../machines/index.js';
import type { PipelineBundle } from '../../runbook/index.js';
import { agentContext, checkEpoch } from './agents.js';
import type { Engine } from './engine.js';
import type { Handler } from './handlers.js';
import type { ActorEntry } from './supervisor.js';
import { queueId } from './ids.js';
import { toPipelineView, toQueueView } from './views.js';

class AgentRequestError extends OjError {}
const fail = (code: string, message: string): never => {
  throw new AgentRequestError(code, message);
};

export interface SessionView {
  id: string;
  agent: string;
  project: string;
  pipeline: string;
  pipelineName: string;
  phase: string;
  state: string;
  /** ok · stuck (no output past idle_timeout) · escalated · starting · exited */
  health: string;
  generation: number;
  restarts: number;
  nudges: number;
  lastOutputAt: number;
  idleMs: number;
  pid: number | null;
  decision: string | null;
}

export interface DecisionView {
  id: string;
  pipeline: string;
  pipelineName: string;
  project: string;
  agent: string | null;
  cause: string;
  detail: string;
  options: string[];
  createdAt: number;
}

export function createAgentHandlers(engine: Engine, now: () => number): Record<string, Handler> {
  const runs = () => engine.actors('agent');
  const sessionById = (prefix: string): ActorEntry => {
    const all = runs();
    const exact = all.find((r) => r.id === prefix);
    if (exact) return exact;
    const hits = all.filter((r) => r.id.startsWith(prefix) || r.meta.owner === prefix);
    if (hits.length === 1) return hits[0] as ActorEntry;
    if (hits.length > 1)
      return fail(
        'AMBIGUOUS',
        `"${prefix}" matches ${hits.length} sessions (${hits.map((h) => h.id).join(', ')}); give more of the id`,
      );
    return fail(
      'NOT_FOUND',
      `no live agent session "${prefix}" (see: oj session list; finished sessions are not listed)`,
    );
  };
  const sessionView = (run: ActorEntry): SessionView => {
    const c = agentContext(run);
    const pipeline = engine.actor(c.pipeline);
    const lastOutputAt = Math.max(c.lastActivityAt, engine.sessions.lastOutputAt(run.id) ?? 0);
    const escalated = c.decision !== null;
    const stuck = c.stuckAt !== null && now() >= c.stuckAt;
    return {
      id: run.id,
      agent: run.meta.qualified,
      project: run.meta.project,
      pipeline: c.pipeline,
      pipelineName: pipeline?.meta.name ?? c.pipeline,
      phase: c.phase,
      state: c.state,
      health: escalated
        ? 'escalated'
        : c.session === null
          ? c.state === 'exited'
            ? 'exited'
            : 'starting'
          : stuck
            ? 'stuck'
            : 'ok',
      generation: c.generation,
      restarts: c.restarts,
      nudges: c.nudges,
      lastOutputAt,
      idleMs: Math.max(0, now() - lastOutputAt),
      pid: c.session?.agentPid ?? null,
      decision: c.decision?.id ?? null,
    };
  };
  const liveClient = (run: ActorEntry) =>
    engine.sessions.client(run.id) ??
    fail(
      'NOT_CONNECTED',
      `session ${run.id} is not running right now (state: ${agentContext(run).state}); try again in a moment`,
    );

  const decisions = (project?: string): DecisionView[] => {
    const out: DecisionView[] = [];
    for (const run of runs()) {
      const c = agentContext(run);
      if (!c.decision || (project && run.meta.project !== project)) continue;
      out.push({
        id: c.decision.id,
        pipeline: c.pipeline,
        pipelineName: engine.actor(c.pipeline)?.meta.name ?? c.pipeline,
        project: run.meta.project,
        agent: run.id,
        cause: c.decision.cause,
        detail: c.decision.detail,
        options: c.decision.options,
        createdAt: c.decision.createdAt,
      });
    }
    // A pipeline escalated by its own on_fail chain (no agent involved) is a decision too.
    for (const p of engine.actors('pipeline')) {
      if (project && p.meta.project !== project) continue;
      const view = toPipelineView(p);
      if (view.status !== 'escalated' || out.some((d) => d.pipeline === p.id)) continue;
      const ctx = (p.actor.getSnapshot() as { context: PipelineContext }).context;
      const approval = ctx.inflight?.kind === 'awaitApproval';
      out.push({
        id: pipelineDecisionId(p.id, ctx),
        pipeline: p.id,
        pipelineName: view.name,
        project: p.meta.project,
        agent: null,
        cause: approval ? 'approval' : 'error',
        detail: approval
          ? (ctx.escalatedFor ?? `approve phase "${view.phase ?? ''}"`).replace(/^approval: /, '')
          : (view.error ?? `phase "${view.phase ?? ''}" escalated`),
        options: approval ? ['approve', 'reject', 'cancel'] : ['retry', 'cancel'],
        createdAt: approval ? now() : (view.history.at(-1)?.endedAt ?? view.startedAt ?? 0),
      });
    }
    // A queue item dead-lettered by its failed pipeline waits for a human too: retry or drop.
    for (const p of engine.actors('pipeline')) {
      const item = p.meta.item;
      if (!item || (project && p.meta.project !== project)) continue;
      const view = toPipelineView(p);
      if (view.status !== 'failed') continue;
      const queue = engine.actor(queueId(p.meta.project, item.queue));
      const dead = queue
        ? toQueueView(queue).items.find((i) => i.id === item.item && i.status === 'dead')
        : undefined;
      // Only the item's last run speaks for it (a retried item has earlier failed runs).
      const later = engine
        .actors('pipeline')
        .some(
          (o) =>
            o.meta.item?.item === item.item &&
            o.meta.item.queue === item.queue &&
            o.meta.createdAt > p.meta.createdAt,
        );
      if (!dead || later) continue;
      out.push({
        id: `dc-${p.id.replace(/^pl-/, '')}-dead`,
        pipeline: p.id,
        pipelineName: view.name,
        project: p.meta.project,
        agent: null,
        cause: 'dead',
        detail: `item "${item.item}" of queue ${item.queue} was dead-lettered: ${view.error ?? 'failed'}`,
        options: ['retry', 'drop'],
        createdAt: view.endedAt ?? 0,
      });
    }
    return out.sort((a, b) => a.createdAt - b.createdAt);
  };
  const decisionById = (id: string): DecisionView => {
    const all = decisions();
    const hit = all.find((d) => d.id === id) ?? all.filter((d) => d.id.startsWith(id));
    if (!Array.isArray(hit)) return hit;
    if (hit.length === 1) return hit[0] as DecisionView;
    const superseded = runs().find((r) => agentContext(r).superseded.includes(id));
    if (superseded)
      return fail(
        'SUPERSEDED',
        `decision ${id} was superseded by ${agentContext(superseded).decision?.id ?? 'a newer state of the agent'}; see oj decision list`,
      );
    if (hit.length > 1)
      return fail('AMBIGUOUS', `"${id}" matches ${hit.length} decisions; give more of the id`);
    return fail('NOT_FOUND', `no open decision "${id}" (see: oj decision list)`);
  };

  return {
    'session.list': async (p: { project?: string }) =>
      runs()
        .filter((r) => !p.project || r.meta.project === p.project)
        .map(sessionView),
    'session.show': async (p: { id: string }) => {
      const run = sessionById(p.id);
      const c = agentContext(run);
      return {
        ...sessionView(run),
        sessionId: c.sessionId,
        session: c.session,
        log: c.log,
        host: engine.sessions.hostInfo(run.id),
      };
    },
    'session.peek': async (p: { id: string }) => {
      const run = sessionById(p.id);
      const screen = await liveClient(run).screen('text');
      return { id: run.id, lines: screen.lines, cols: screen.cols, rows: screen.rows };
    },
    'session.send': async (p: { id: string; text: string; enter?: boolean }) => {
      const run = sessionById(p.id);
      const client = liveClient(run);
      await client.input({ text: p.text });
      // Enter goes separately, or a TUI reads text+Enter as a paste (agents.md §2).
      if (p.enter !== false) {
        await new Promise((r) =>
          setTimeout(r, 200 + Math.min(Math.max(p.text.length - 256, 0), 4_800)),
        );
        await client.input({ text: '\r' });
      }
      return { id: run.id, sent: p.text.length };
    },
    'session.nudge': async (p: { id: string; message?: string }) => {
      const run = sessionById(p.id);
      const result = await liveClient(run).nudge(
        p.message ?? 'Continue with the task; run `oj done` when it is finished.',
      );
      return { id: run.id, ...result };
    },
    'session.kill': async (p: { id: string }) => {
      const run = sessionById(p.id);
      const result = await liveClient(run).kill({});
      return { id: run.id, ...result };
    },
    'session.idle-time': async (p: { id: string }) => {
      const view = sessionView(sessionById(p.id));
      return { id: view.id, idleMs: view.idleMs, state: view.state };
    },
    'session.attach-info': async (p: { id: string }) => {
      const run = sessionById(p.id);
      const info =
        engine.sessions.hostInfo(run.id) ??
        fail('NOT_CONNECTED', `session ${run.id} has no live host`);
      return { id: run.id, socket: info.socket };
    },
    'session.continue': async (p: { id: string; message: string }) => {
      const live = runs().find(
        (r) => r.id === p.id || r.meta.owner === p.id || r.id.startsWith(p.id),
      );
      if (live) {
        const c = agentContext(live);
        if (c.decision) {
          const option = c.decision.options.find((o) => o === 'nudge' || o === 'retry');
          if (!option)
            return fail(
              'BAD_STATE',
              `session ${live.id} waits on decision ${c.decision.id} (${c.decision.cause}); answer it with oj decision resolve`,
            );
          await engine.submit({
            type: 'decision:resolve',
            decision: c.decision.id,
            option,
            message: p.message,
          });
          return { id: live.id, how: `decision ${c.decision.id}: ${option}` };
        }
        const result = await liveClient(live).nudge(p.message);
        return {
          id: live.id,
          how: result.delivered ? 'sent' : `not delivered: ${result.reason ?? ''}`,
        };
      }
      const pipeline =
        engine.actor(p.id) ??
        engine.actors('pipeline').find((e) => e.id.startsWith(p.id) || e.meta.name === p.id);
      if (pipeline?.kind !== 'pipeline')
        return fail(
          'NOT_FOUND',
          `no agent session or pipeline "${p.id}" (see: oj session list, oj pipeline list)`,
        );
      const bundle = engine.definition<PipelineBundle>(pipeline.meta.defHash);
      const agentPhases = new Set(
        bundle.pipeline.phases.filter((ph) => ph.agent).map((ph) => ph.name),
      );
      const last = [...toPipelineView(pipeline).history]
        .reverse()
        .find((h) => agentPhases.has(h.phase));
      if (!last)
        return fail('NOT_FOUND', `pipeline ${pipeline.id} has not run an agent phase to continue`);
      const entry = await engine.submit({
        type: 'agent:continue',
        pipeline: pipeline.id,
        phase: last.phase,
        visit: last.visit,
        message: p.message,
      });
      const id = runs().find(
        (r) => r.meta.owner === pipeline.id && r.id.endsWith(`-f${entry.seq.toString(36)}`),
      )?.id;
      return {
        id: id ?? null,
        how: `follow-up of phase "${last.phase}" (visit ${last.visit}), resuming its conversation`,
      };
    },
    'decision.list': async (p: { project?: string }) => decisions(p.project),
    'decision.show': async (p: { id: string }) => decisionById(p.id),
    'decision.resolve': async (p: { id: string; option: string; message?: string }) => {
      const d = decisionById(p.id);
      if (!d.options.includes(p.option))
        fail(
          'BAD_OPTION',
          `decision ${d.id} has no option "${p.option}"; choose one of: ${d.options.join(', ')}`,
        );
      const inflight = (
        engine.actor(d.pipeline)?.actor.getSnapshot() as { context: PipelineContext } | undefined
      )?.context.inflight;
      const item = engine.actor(d.pipeline)?.meta.item;
      if (d.cause === 'dead' && item) {
        const type = p.option === 'retry' ? ('queue:retry' as const) : ('queue:drop' as const);
        const project = engine.actor(d.pipeline)?.meta.project ?? '';
        await engine.submit({ type, project, queue: item.queue, item: item.item });
        return { id: d.id, option: p.option, pipeline: d.pipeline, status: 'failed' };
      }
      if (p.option === 'cancel')
        await engine.submit({
          type: 'pipeline:cancel',
          id: d.pipeline,
          reason: `decision ${d.id}: cancel`,
        });
      else if (d.cause === 'approval' && inflight)
        await engine.submit(
          p.option === 'approve'
            ? { type: 'effect:done', actor: d.pipeline, effect: inflight.id }
            : {
                type: 'effect:failed',
                actor: d.pipeline,
                effect: inflight.id,
                error: `rejected${p.message ? `: ${p.message}` : ''} (decision ${d.id})`,
              },
        );
      else if (d.agent === null) await engine.submit({ type: 'pipeline:resume', id: d.pipeline });
      else
        await engine.submit({
          type: 'decision:resolve',
          decision: d.id,
          option: p.option,
          ...(p.message === undefined ? {} : { message: p.message }),
        });
      return {
        id: d.id,
        option: p.option,
        pipeline: d.pipeline,
        status: toPipelineView(engine.actor(d.pipeline) as ActorEntry).status,
      };
    },
    done: async (p: { pipeline: string; epoch: string; error?: string }) => {
      const checked = checkEpoch(
        { sup: { get: (id: string) => engine.actor(id) } as never },
        p.pipeline,
        p.epoch,
      );
      if (!checked.ok) return fail('STALE_EPOCH', `oj done rejected: ${checked.error}`);
      await engine.submit({
        type: 'phase:done',
        pipeline: p.pipeline,
        epoch: p.epoch,
        ...(p.error === undefined ? {} : { error: p.error }),
      });
      return { pipeline: p.pipeline, ok: p.error === undefined };
    },
  };
}

function pipelineDecisionId(id: string, ctx: PipelineContext): string {
  const visits = Object.values(ctx.visits).reduce((a, b) => a + b, 0);
  return `dc-${id.replace(/^pl-/, '')}-e${visits}`;
}
