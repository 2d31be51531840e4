// The executor of agent runs' effects: spawns a session host per agent generation, follows its
// state stream (journaling state changes, throttled output heartbeats and the exit), and carries
// out nudges, answers and kills. Session hosts outlive the daemon; on start it re-attaches to them.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  connectSession,
  isAgentAlive,
  killSessionGroup,
  killStraySessions,
  readHostInfo,
  spawnSessionHost,
} from '../../session/index.js';
import type { HostInfo, SessionClient, SpawnSpec, StartDetached } from '../../session/index.js';
import type { AgentContext, AgentEffect } from '../../machines/index.js';
import type { ActionDef, AgentDef, PipelineBundle } from '../../runbook/index.js';
import type { Clock } from '../clock.js';
import type { AgentLaunch } from './dispatch.js';
import type { RecordBody } from './records.js';
import type { Dispatcher } from './dispatch.js';
import type { EngineDeps } from './engine.js';
import type { ActorEntry, Supervisor } from './supervisor.js';

export interface SessionsDeps {
  stateDir: string;
  clock: Clock;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  submit: (body: RecordBody) => void;
  actor: (id: string) => ActorEntry | undefined;
  bundle: (hash: string) => unknown;
  prepare: (
    pipeline: ActorEntry,
    def: AgentDef,
    phase: string,
    epoch: string,
    signal: AbortSignal,
  ) => Promise<AgentLaunch | string>;
  /** Runs a named action's script for an agent run (with `{session}` bound to its id). */
  runAction: (run: ActorEntry, action: ActionDef) => void;
  /** Tells humans a decision waits (desktop/webhook/log); never throws. */
  notify: (run: ActorEntry, decision: NonNullable<AgentContext['decision']>) => void;
  /** Session host timing preset: `test` makes nudges, drains and exits fast. */
  timing: 'production' | 'test';
  /** OJ_FAKE_AGENTS: run Claude agents as the fake agent on `<dir>/<agent name>.toml`. */
  fakeAgents?: string;
  /** Where session hosts are started from (default: this process forks them). */
  startDetached?: StartDetached;
}

interface Live {
  agent: string;
  generation: number;
  dir: string;
  info: HostInfo | null;
  client: SessionClient | null;
  lastSeq: number;
  state: string;
  lastOutputAt: number;
  activityJournaledAt: number;
  trailing: (() => void) | null;
  exited: boolean;
  closing: boolean;
}

type HostFrame = { type: string; [k: string]: unknown };

const ACTIVITY_EVERY_MS = 250;
/** After `oj done`, how long a still-working agent may finish its turn before it is stopped. */
const AFTER_TURN_GRACE_MS = { production: 30_000, test: 2_000 } as const; // output heartbeats are journaled at most this often per agent

export class Sessions {
  readonly #deps: SessionsDeps;
  readonly #live = new Map<string, Live>();
  readonly #abort = new AbortController();

  constructor(deps: SessionsDeps) {
    this.#deps = deps;
  }

  /** Where generation `generation` of agent `agent` keeps host.json, its socket and logs. */
  dirOf(agent: string, generation: number): string {
    return join(this.#deps.stateDir, 'sessions', `${agent}.${generation}`);
  }

  run(effect: AgentEffect): void {
    switch (effect.kind) {
      case 'sessionSpawn':
        return void this.#spawn(effect.agent, effect.generation, effect.resume, effect.message);
      case 'sessionNudge':
        return void this.#act(effect.agent, effect.generation, 'nudge', (c) =>
          c.nudge(effect.message),
        );
      case 'sessionRespond':
        return void this.#act(effect.agent, effect.generation, 'respond', (c) =>
          c.respond({ accept: effect.accept }),
        );
      case 'sessionKill':
        return void this.#kill(effect.agent, effect.generation, effect.afterTurn === true);
      case 'runAction': {
        const run = this.#deps.actor(effect.agent);
        const action = run ? this.#bundleOf(run)?.actions?.[effect.action] : undefined;
        if (run && action) this.#deps.runAction(run, action);
        else this.#deps.log('warn', `${effect.agent}: action ${effect.action} is not available`);
        return;
      }
      case 'escalate': {
        const run = this.#deps.actor(effect.agent);
        if (run) this.#deps.notify(run, effect.decision);
        return;
      }
    }
  }

  /**
   * After a restart: re-attach to the live session of each run, or report what happened to it;
   * then stop the sessions no run owns any more (see killStraySessions).
   */
  reattach(runs: readonly ActorEntry[]): void {
    const owned = new Set<string>();
    for (const run of runs) {
      const c = run.actor.getSnapshot().context as AgentContext;
      if (c.outcome) continue;
      const dir = this.dirOf(c.id, c.generation);
      owned.add(dir);
      const info = readHostInfo(dir);
      if (info && 'socket' in info && isAgentAlive(info)) {
        if (!c.session) this.#deps.submit(spawnedRecord(c.id, c.generation, dir, info));
        void this.#follow(this.#track(c.id, c.generation, dir), info);
        continue;
      }
      if (c.session || existsSync(join(dir, 'host.json'))) {
        this.#deps.submit({
          type: 'agent:exited',
          actor: c.id,
          generation: c.generation,
          code: null,
          signal: 'lost',
        });
      } else if (c.state !== 'exited') {
        // The spawn was requested but never started: start it now (exactly once).
        void this.#spawn(c.id, c.generation, c.generation > 1);
      }
    }
    killStraySessions(this.#deps.stateDir, owned, this.#deps.log).catch((err: unknown) =>
      this.#deps.log('warn', `stopping sessions no run owns failed: ${String(err)}`),
    );
  }

  /** The live session of an agent run, for `oj session …`. */
  client(agent: string): SessionClient | null {
    return this.#live.get(agent)?.client ?? null;
  }

  lastOutputAt(agent: string): number | null {
    return this.#live.get(agent)?.lastOutputAt ?? null;
  }

  hostInfo(agent: string): HostInfo | null {
    return this.#live.get(agent)?.info ?? null;
  }

  /** Disconnects from every session (they keep running), e.g. when the daemon stops. */
  close(): void {
    this.#abort.abort();
    for (const live of this.#live.values()) {
      live.closing = true;
      live.trailing?.();
      live.client?.close();
    }
  }

  #bundleOf(run: ActorEntry): PipelineBundle | null {
    try {
      return this.#deps.bundle(run.meta.defHash) as PipelineBundle;
    } catch {
      return null;
    }
  }

  #track(agent: string, generation: number, dir: string): Live {
    const old = this.#live.get(agent);
    if (old && old.generation !== generation) {
      old.closing = true;
      old.trailing?.();
      old.client?.close();
    }
    const live: Live = {
      agent,
      generation,
      dir,
      info: null,
      client: null,
      lastSeq: 0,
      state: 'starting',
      lastOutputAt: this.#deps.clock.now(),
      activityJournaledAt: 0,
      trailing: null,
      exited: false,
      closing: false,
    };
    this.#live.set(agent, live);
    return live;
  }

  async #spawn(agent: string, generation: number, resume: boolean, message?: string) {
    const run = this.#deps.actor(agent);
    if (!run) return;
    const c = run.actor.getSnapshot().context as AgentContext;
    const pipeline = this.#deps.actor(c.pipeline);
    const def = this.#bundleOf(run)?.agents[run.meta.qualified];
    const fail = (error: string) =>
      this.#deps.submit({
        type: 'effect:failed',
        actor: agent,
        effect: `${agent}:spawn:${generation}`,
        error,
      });
    if (!pipeline || !def)
      return fail(`agent ${run.meta.qualified}: its pipeline or definition is gone`);
    const dir = this.dirOf(agent, generation);
    const live = this.#track(agent, generation, dir);
    const launch = await this.#deps.prepare(
      pipeline,
      def,
      c.phase,
      `${agent}#${generation}`,
      this.#abort.signal,
    );
    if (typeof launch === 'string') return fail(launch);
    const command = this.#commandOf(def, launch.command, pipeline.meta.project);
    if (command.error) return fail(command.error);
    const spec: SpawnSpec = {
      agentId: agent,
      dir,
      command: command.line,
      driver: def.driver,
      cwd: launch.cwd,
      env: launch.env,
      timing: this.#deps.timing,
      ...(def.driver === 'claude' ? { sessionId: c.sessionId } : {}),
      ...(resume && def.driver === 'claude' ? { resumeSessionId: c.sessionId } : {}),
      ...(resume
        ? message === undefined
          ? {}
          : { prompt: message }
        : launch.prompt === undefined
          ? {}
          : { prompt: launch.prompt }),
    };
    let info: HostInfo;
    try {
      const start = this.#deps.startDetached;
      info = await spawnSessionHost(spec, {
        signal: this.#abort.signal,
        ...(start ? { start } : {}),
      });
    } catch (err) {
      return fail(err instanceof Error ? err.message : String(err));
    }
    this.#deps.submit(spawnedRecord(agent, generation, dir, info));
    await this.#follow(live, info);
  }

  /** The agent's command, or with OJ_FAKE_AGENTS set, the fake agent on `<dir>/<agent>.toml`. */
  #commandOf(def: AgentDef, line: string, project: string): { line: string; error?: string } {
    const dir = this.#deps.fakeAgents;
    if (!dir || def.driver !== 'claude') return { line };
    const scenario = resolve(project, dir, `${def.name}.toml`);
    if (!existsSync(scenario))
      return {
        line,
        error: `OJ_FAKE_AGENTS is set but there is no scenario for agent "${def.name}" (${scenario}); add one or unset OJ_FAKE_AGENTS`,
      };
    return { line: `oj-fake-agent --scenario '${scenario.replace(/'/g, "'\\''")}'` };
  }

  async #follow(live: Live, info: HostInfo): Promise<void> {
    live.info = info;
    let client: SessionClient;
    try {
      client = await connectSession(info.socket, { timeoutMs: 5_000 });
    } catch (err) {
      return this.#lost(live, `could not connect to its session host: ${String(err)}`);
    }
    if (live.closing) return client.close();
    live.client = client;
    client.onClose(() => {
      live.client = null;
      if (!live.closing && !live.exited) void this.#probe(live);
    });
    try {
      const result = await client.subscribe(undefined, (frame) =>
        this.#frame(live, frame as unknown as HostFrame),
      );
      // The current state (and the exit, if the agent ended while nobody listened).
      this.#frame(live, { ...result.snapshot, seq: 0 } as unknown as HostFrame);
      if (result.exit) this.#frame(live, result.exit as unknown as HostFrame);
    } catch (err) {
      this.#deps.log('warn', `${live.agent}: subscribing to its session failed: ${String(err)}`);
    }
  }

  #frame(live: Live, frame: HostFrame): void {
    const seq = typeof frame.seq === 'number' && frame.seq > 0 ? frame.seq : undefined;
    if (seq !== undefined) {
      if (seq <= live.lastSeq) return;
      live.lastSeq = seq;
    }
    if (frame.type === 'output') return this.#heartbeat(live);
    if (frame.type === 'state' && typeof frame.state === 'string') {
      if (frame.state === 'exited' || frame.state === live.state) return;
      live.state = frame.state;
      if (frame.state === 'working') this.#heartbeat(live);
      const prompt = frame.prompt as AgentContext['prompt'] | undefined;
      const error = frame.error as { category: string; detail: string } | undefined;
      this.#deps.submit({
        type: 'agent:state',
        actor: live.agent,
        generation: live.generation,
        state: frame.state as 'working',
        ...(prompt ? { prompt: toPrompt(prompt) } : {}),
        ...(error ? { error: `${error.category}: ${error.detail}` } : {}),
      });
      return;
    }
    if (frame.type === 'exit' && !live.exited) {
      live.exited = true;
      live.trailing?.();
      this.#deps.submit({
        type: 'agent:exited',
        actor: live.agent,
        generation: live.generation,
        code: typeof frame.code === 'number' ? frame.code : null,
        signal: typeof frame.signal === 'string' ? frame.signal : null,
      });
    }
  }

  /** Journals output heartbeats at most every ACTIVITY_EVERY_MS, the last one always. */
  #heartbeat(live: Live): void {
    const now = this.#deps.clock.now();
    live.lastOutputAt = now;
    if (live.trailing) return;
    const due = live.activityJournaledAt + ACTIVITY_EVERY_MS;
    const journal = () => {
      live.trailing = null;
      live.activityJournaledAt = this.#deps.clock.now();
      this.#deps.submit({ type: 'agent:activity', actor: live.agent, generation: live.generation });
    };
    if (now >= due) journal();
    else live.trailing = this.#deps.clock.setTimer(due, journal);
  }

  /** A closed connection is "look now", not death: reconnect while the agent lives. */
  async #probe(live: Live): Promise<void> {
    const info = readHostInfo(live.dir);
    if (info && 'socket' in info && isAgentAlive(info)) return this.#follow(live, info);
    this.#lost(live, 'its session host and agent are gone');
  }

  #lost(live: Live, why: string): void {
    if (live.exited || live.closing) return;
    live.exited = true;
    this.#deps.log('warn', `${live.agent}: session ${live.generation} ${why}`);
    this.#deps.submit({
      type: 'agent:exited',
      actor: live.agent,
      generation: live.generation,
      code: null,
      signal: 'lost',
    });
  }

  async #act(
    agent: string,
    generation: number,
    what: string,
    act: (client: SessionClient) => Promise<unknown>,
  ): Promise<void> {
    const live = this.#live.get(agent);
    if (!live?.client || live.generation !== generation) {
      this.#deps.log('warn', `${agent}: cannot ${what}: session ${generation} is not connected`);
      return;
    }
    try {
      const result = await act(live.client);
      this.#deps.log('info', `${agent}: ${what} → ${JSON.stringify(result)}`);
    } catch (err) {
      this.#deps.log('warn', `${agent}: ${what} failed: ${String(err)}`);
    }
  }

  async #kill(agent: string, generation: number, afterTurn: boolean): Promise<void> {
    const live = this.#live.get(agent);
    if (!live || live.generation !== generation) {
      const info = readHostInfo(this.dirOf(agent, generation));
      if (info && 'socket' in info) killSessionGroup(info);
      return;
    }
    if (afterTurn) {
      const deadline = this.#deps.clock.now() + AFTER_TURN_GRACE_MS[this.#deps.timing];
      while (live.state === 'working' && !live.exited && this.#deps.clock.now() < deadline)
        await new Promise<void>((resolve) =>
          this.#deps.clock.setTimer(this.#deps.clock.now() + 50, resolve),
        );
    }
    if (live.exited) return;
    try {
      await live.client?.kill({});
    } catch {
      if (live.info) killSessionGroup(live.info);
    }
  }
}

function spawnedRecord(agent: string, generation: number, dir: string, info: HostInfo): RecordBody {
  return {
    type: 'agent:spawned',
    actor: agent,
    generation,
    session: {
      dir,
      socket: info.socket,
      hostPid: info.hostPid,
      agentPid: info.agentPid,
      pgid: info.pgid,
      startedAt: info.startedAt,
    },
  };
}

function toPrompt(p: NonNullable<AgentContext['prompt']>): NonNullable<AgentContext['prompt']> {
  return {
    kind: p.kind,
    options: p.options,
    ...(p.tool === undefined ? {} : { tool: p.tool }),
    ...(p.input === undefined ? {} : { input: p.input }),
  };
}

/** The agent-session executor, with the engine's journal, dispatcher and notifier plugged in. */
export function createSessions(
  deps: Pick<
    EngineDeps,
    | 'stateDir'
    | 'clock'
    | 'log'
    | 'store'
    | 'notify'
    | 'sessionTiming'
    | 'fakeAgents'
    | 'startDetached'
  >,
  dispatch: Dispatcher,
  sup: Supervisor,
  submit: (body: RecordBody) => unknown,
): Sessions {
  return new Sessions({
    stateDir: deps.stateDir,
    clock: deps.clock,
    log: deps.log,
    submit: (body) => void submit(body),
    actor: (id) => sup.get(id),
    bundle: (hash) => deps.store.getDefinition(hash),
    prepare: (pipeline, def, phase, epoch, signal) =>
      dispatch.prepareAgent(pipeline, def, phase, epoch, signal),
    runAction: (run, action) => {
      const pipeline = run.meta.owner ? sup.get(run.meta.owner) : undefined;
      if (pipeline)
        dispatch.hook(pipeline, `action ${action.qualified}`, action.run, {
          session: run.id,
          agent: run.id,
        });
    },
    notify: (run, decision) =>
      deps.notify?.({
        event: 'decision:created',
        title: `oj: ${run.meta.owner ?? run.id} needs a decision`,
        body: `${decision.detail} — oj decision resolve ${decision.id} <${decision.options.join('|')}>`,
        data: {
          decision: decision.id,
          agent: run.id,
          pipeline: run.meta.owner,
          options: decision.options,
        },
      }),
    timing: deps.sessionTiming ?? 'production',
    ...(deps.fakeAgents ? { fakeAgents: deps.fakeAgents } : {}),
    ...(deps.startDetached ? { startDetached: deps.startDetached } : {}),
  });
}
