// Runs the external effects machines emit (shell phases, guard conditions, cancellations) and
// journals each result as an input. Also decides, after a restart, what to do with an effect
// that was in flight when the daemon stopped (re-run it if the phase is idempotent, else fail it).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ProcessGroups } from './groups.js';
import { matchesEventPattern } from './wake.js';
import { interpolateShell, interpolateText, renderTemplate } from '../../runbook/index.js';
import type { AgentDef, GuardDef, PipelineBundle, QueueDef } from '../../runbook/index.js';
import {
  TIMEOUT_DEADLINE_ID,
  createGuardMachine,
  guardDeadlines,
  listQueueItems,
} from '../../machines/index.js';
import type { GuardMachine, InflightEffect, PipelineContext } from '../../machines/index.js';
import { createActor } from 'xstate';
import type { Actor } from 'xstate';
import { runCapture } from '../../actors/index.js';
import { parseQueueItems } from '../../wire/index.js';
import type { ShellRequest, ShellResult } from '../../actors/index.js';
import { contentId } from './ids.js';
import { runCronOnce } from './cron-run.js';
import { branchOf, ensureWorkspace, workspaceDefOf, workspacePath } from './workspaces.js';
import type { CronBundle } from './cron-run.js';
import { cronContext } from './crons.js';
import type { Clock } from '../clock.js';
import type { RecordBody } from './records.js';
import type { ActorEntry, EmittedEffect } from './supervisor.js';

export interface DispatchDeps {
  stateDir: string;
  gitTimeoutMs?: number | undefined; // per git command of a workspace (OJ_GIT_TIMEOUT)
  clock: Clock;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  runShell: (request: ShellRequest) => Promise<ShellResult>;
  /** The environment phases start from (the daemon's, minus OJ_* — see buildShellEnv). */
  baseEnv: Record<string, string | undefined>;
  buildEnv: (
    base: Record<string, string | undefined>,
    extra: Record<string, string>,
  ) => Record<string, string>;
  submit: (body: RecordBody) => void;
  bundle: (hash: string) => unknown;
  /** The actor with this id (a strategy run's effects use its pipeline's variables and log). */
  actor: (id: string) => ActorEntry | undefined;
  /** Listens to the names of journaled events (`bug:created`, `pipeline:<name>:<phase>`…). */
  onEvent: (listener: (names: readonly string[]) => void) => () => void;
}

/** An agent session's start: the interpolated command, rendered prompt, cwd and environment. */
export interface AgentLaunch {
  command: string;
  prompt?: string;
  cwd: string;
  env: Record<string, string>;
}

/** A phase with no timeout of its own still never runs longer than this. */
const MAX_SHELL_MS = 24 * 3_600_000;
const HOOK_TIMEOUT_MS = 60_000; // hooks notify; they must not linger
const SOURCE_TIMEOUT_MS = 60_000; // a source lists items; it should never take long
const NOT_YET: Record<string, string> = {
  runStrategy: 'strategy phases are not supported by this daemon yet',
  acquireLock: 'locks are not supported by this daemon yet',
  acquireSemaphore: 'semaphores are not supported by this daemon yet',
};

interface Running {
  abort: AbortController;
  done: Promise<void>;
}

export class Dispatcher {
  readonly #deps: DispatchDeps;
  readonly #running = new Map<string, Running>();
  readonly #groups: ProcessGroups;

  constructor(deps: DispatchDeps) {
    this.#deps = deps;
    this.#groups = new ProcessGroups(join(deps.stateDir, 'run', 'groups'));
  }

  /** Kills process groups recorded by an earlier daemon whose effects are not in flight any more. */
  sweep(inflight: ReadonlySet<string>): void {
    for (const id of this.#groups.recorded()) {
      if (inflight.has(id)) continue;
      const killed = this.#groups.kill(id);
      if (killed) this.#deps.log('warn', `killed orphaned process group ${killed} (effect ${id})`);
    }
  }

  /** Starts one effect emitted by `entry` (live processing only). */
  run(emitted: EmittedEffect, entry: ActorEntry | undefined): void {
    const effect = emitted.effect;
    if (!entry) return;
    switch (effect.kind) {
      case 'shell':
        if (entry.kind === 'strategy') return this.#strategyShell(entry, effect);
        return this.#shell(
          entry,
          effect.id,
          String(effect.script),
          effect.phase as string | null,
          effect.timeoutMs as number | undefined,
        );
      case 'evalGuard':
        return this.#guard(entry, effect.id, String(effect.guard), String(effect.phase));
      case 'cancelEffect':
        this.#running.get(String(effect.target))?.abort.abort();
        return;
      case 'releaseLock':
      case 'releaseSemaphore':
        return; // nothing can be held while acquiring is unsupported
      case 'pollSource':
        return this.#poll(entry, effect.id);
      case 'runCron':
        return this.#cron(entry, effect.id);
      case 'notify':
        this.#deps.log(
          'warn',
          `queue ${entry.meta.qualified}: ${String(effect.reason ?? 'needs attention')} (item ${String(effect.item)})`,
        );
        return;
      default: {
        const reason =
          NOT_YET[effect.kind] ?? `effect "${effect.kind}" is not supported by this daemon`;
        this.#deps.submit({
          type: 'effect:failed',
          actor: entry.id,
          effect: effect.id,
          error: reason,
        });
      }
    }
  }

  /** Decides what to do with an effect that was in flight when the daemon stopped. */
  resume(entry: ActorEntry, inflight: InflightEffect): void {
    // Strategy and agent runs resume on their own (an agent's session outlived the daemon).
    if (['runStrategy', 'spawnAgent', 'awaitApproval'].includes(inflight.kind)) return;
    // A request for a lock or slot is still queued in that actor (restored with it): the grant
    // will come when it is free. Nothing ran, so nothing was interrupted.
    if (inflight.kind === 'acquireLock' || inflight.kind === 'acquireSemaphore') return;
    // A phase still running from before the crash must not run alongside its retry or on_fail.
    const killed = this.#groups.kill(inflight.id);
    if (killed)
      this.#deps.log(
        'warn',
        `${entry.id}: killed process group ${killed} left running by the previous daemon`,
      );
    const bundle = this.#deps.bundle(entry.meta.defHash) as PipelineBundle;
    const phase = bundle.pipeline.phases.find((p) => p.name === inflight.phase);
    if (inflight.kind === 'evalGuard' && phase) {
      // Guard conditions only observe the world: evaluating one again is always safe.
      const guard = (inflight.step === 'pre' ? phase.pre : phase.post)[inflight.index];
      if (guard) return this.#guard(entry, inflight.id, guard, phase.name);
    }
    if (inflight.kind === 'shell' && phase?.run !== undefined && phase.idempotent) {
      this.#deps.log(
        'info',
        `${entry.id}: re-running idempotent phase "${phase.name}" interrupted by the restart`,
      );
      return this.#shell(entry, inflight.id, phase.run, phase.name, phase.timeoutMs);
    }
    const error =
      inflight.kind === 'shell'
        ? `phase "${inflight.phase}" was interrupted by a daemon restart and is not marked idempotent, so it was not run again (set idempotent = true if re-running it is safe)`
        : `${inflight.kind} of phase "${inflight.phase}" was interrupted by a daemon restart`;
    this.#deps.submit({ type: 'effect:failed', actor: entry.id, effect: inflight.id, error });
  }

  /** Waits for running effects up to `ms`, then cancels what is left. */
  async drain(ms: number): Promise<void> {
    const all = Promise.all([...this.#running.values()].map((r) => r.done));
    let cancel: () => void = () => undefined;
    const timeout = new Promise<void>(
      (resolve) => (cancel = this.#deps.clock.setTimer(this.#deps.clock.now() + ms, resolve)),
    );
    await Promise.race([all, timeout]);
    cancel();
    for (const r of this.#running.values()) r.abort.abort();
    await all;
  }

  #shell(
    entry: ActorEntry,
    id: string,
    script: string,
    phase: string | null,
    timeoutMs: number | undefined,
  ): void {
    const inputs = this.#phaseInputs(entry, phase);
    const ws = workspaceDefOf(entry, this.#deps.bundle);
    if (inputs.length === 0 && !ws)
      return this.#runShellEffect(entry, id, script, phase, timeoutMs, {});
    this.#track(`${id}:inputs`, async (signal) => {
      const vars =
        (await this.ensureWorkspace(entry, phase, signal)) ??
        (await this.#evaluateInputs(entry, inputs, phase, signal));
      if (typeof vars === 'string') {
        this.#deps.submit({ type: 'effect:failed', actor: entry.id, effect: id, error: vars });
        return;
      }
      this.#runShellEffect(entry, id, script, phase, timeoutMs, vars);
    });
  }

  /** A strategy's checkpoint (its output is kept), attempt or rollback, run for its pipeline. */
  #strategyShell(run: ActorEntry, effect: EmittedEffect['effect']): void {
    const pipeline = run.meta.owner ? this.#deps.actor(run.meta.owner) : undefined;
    const id = effect.id;
    if (!pipeline)
      return this.#deps.submit({
        type: 'effect:failed',
        actor: run.id,
        effect: id,
        error: 'its pipeline is gone',
      });
    const phase = (effect.phase as string | null) ?? null;
    const vars = (effect.vars as Record<string, unknown> | undefined) ?? {};
    const fail = (error: string) =>
      this.#deps.submit({ type: 'effect:failed', actor: run.id, effect: id, error });
    this.#track(id, async (signal) => {
      // The checkpoint, attempts and rollbacks all run in the pipeline's workspace.
      const wsError = await this.ensureWorkspace(pipeline, phase, signal);
      if (wsError) return fail(wsError);
      const timeoutMs = effect.timeoutMs as number | undefined;
      const request = this.#request(pipeline, id, String(effect.script), phase, timeoutMs, vars);
      if (!request.ok) return fail(request.error);
      if (id.endsWith(':checkpoint')) {
        const { script, cwd, env } = request.value;
        const out = await runCapture({ script, cwd, env, timeoutMs: SOURCE_TIMEOUT_MS, signal });
        if (out.ok)
          this.#deps.submit({
            type: 'effect:done',
            actor: run.id,
            effect: id,
            output: out.stdout.trim(),
          });
        else
          this.#deps.submit({ type: 'effect:failed', actor: run.id, effect: id, error: out.error });
        return;
      }
      const result = await this.#deps.runShell({ ...request.value, signal });
      if (result.ok)
        this.#deps.submit({ type: 'effect:done', actor: run.id, effect: id, exitCode: 0 });
      else
        this.#deps.submit({
          type: 'effect:failed',
          actor: run.id,
          effect: id,
          error: result.error ?? 'failed',
          ...(result.exitCode === null ? {} : { exitCode: result.exitCode }),
        });
    });
  }

  /** One run of a cron: its script and monitors; the report (attempts, errors) goes back as output. */
  #cron(entry: ActorEntry, id: string): void {
    const bundle = this.#deps.bundle(entry.meta.defHash) as CronBundle;
    const project = entry.meta.project;
    const env = this.#deps.buildEnv(this.#deps.baseEnv, {
      OJ_STATE_DIR: this.#deps.stateDir,
      OJ_PROJECT: project,
      OJ_CRON: bundle.cron.name,
    });
    this.#track(id, async (signal) => {
      const report = await runCronOnce(bundle, cronContext(entry), id, {
        project,
        stateDir: this.#deps.stateDir,
        env,
        now: () => this.#deps.clock.now(),
        runShell: this.#deps.runShell,
        log: this.#deps.log,
        signal,
      });
      for (const error of report.errors)
        this.#deps.log('warn', `cron ${bundle.cron.qualified}: ${error}`);
      this.#deps.submit({
        type: 'effect:done',
        actor: entry.id,
        effect: id,
        output: JSON.stringify(report),
      });
    });
  }

  /**
   * What an agent session of pipeline `entry` starts with: its command and rendered prompt (phase
   * and agent `inputs` evaluated first), working directory, and environment with `epoch`.
   */
  async prepareAgent(
    entry: ActorEntry,
    def: AgentDef,
    phase: string,
    epoch: string,
    signal: AbortSignal,
  ): Promise<AgentLaunch | string> {
    const inputs = [...this.#phaseInputs(entry, phase), ...def.inputs];
    const values =
      (await this.ensureWorkspace(entry, phase, signal)) ??
      (inputs.length ? await this.#evaluateInputs(entry, inputs, phase, signal) : {});
    if (typeof values === 'string') return values;
    const request = this.#request(entry, epoch, def.command, phase, undefined, values);
    if (!request.ok) return `agent "${def.qualified}": ${request.error}`;
    const { vars, value } = request;
    try {
      const env = { ...value.env };
      for (const [k, v] of Object.entries(def.env)) env[k] = interpolateText(v, vars);
      return {
        command: value.script,
        cwd: def.cwd === undefined ? value.cwd : resolve(value.cwd, interpolateText(def.cwd, vars)),
        env,
        ...(def.prompt ? { prompt: renderTemplate(def.prompt, vars) } : {}),
      };
    } catch (err) {
      return `agent "${def.qualified}": ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  /** Creates the pipeline's worktree before its first command; resolves with an error, or null. */
  async ensureWorkspace(entry: ActorEntry, phase: string | null, signal: AbortSignal) {
    const ws = workspaceDefOf(entry, this.#deps.bundle);
    const request = ws ? this.#request(entry, `${entry.id}:workspace`, '', phase, undefined) : null;
    if (!ws || !request?.ok) return request && !request.ok ? request.error : null;
    return ensureWorkspace(this.#deps, entry, ws, request.vars, request.value.env, signal);
  }

  /** The phase's `inputs = [{ name, source }]`: commands whose output becomes `{name}`. */
  #phaseInputs(entry: ActorEntry, phase: string | null): { name: string; source: string }[] {
    if (phase === null) return [];
    const bundle = this.#deps.bundle(entry.meta.defHash) as PipelineBundle;
    return bundle.pipeline.phases.find((p) => p.name === phase)?.inputs ?? [];
  }

  /** Runs each input's source in order (later ones may use earlier ones); JSON output is parsed. */
  async #evaluateInputs(
    entry: ActorEntry,
    inputs: readonly { name: string; source: string }[],
    phase: string | null,
    signal: AbortSignal,
  ): Promise<Record<string, unknown> | string> {
    const vars: Record<string, unknown> = {};
    for (const input of inputs) {
      const request = this.#request(
        entry,
        `${entry.id}:input:${input.name}`,
        input.source,
        phase,
        SOURCE_TIMEOUT_MS,
        vars,
      );
      if (!request.ok) return `input "${input.name}": ${request.error}`;
      const { script, cwd, env } = request.value;
      const result = await runCapture({ script, cwd, env, timeoutMs: SOURCE_TIMEOUT_MS, signal });
      if (!result.ok) return `input "${input.name}" (${input.source}) ${result.error}`;
      const text = result.stdout.trim();
      try {
        vars[input.name] = /^[[{]/.test(text) ? (JSON.parse(text) as unknown) : text;
      } catch {
        vars[input.name] = text;
      }
    }
    return vars;
  }

  #runShellEffect(
    entry: ActorEntry,
    id: string,
    script: string,
    phase: string | null,
    timeoutMs: number | undefined,
    inputs: Record<string, unknown>,
  ): void {
    const request = this.#request(entry, id, script, phase, timeoutMs, inputs);
    if (!request.ok) {
      this.#deps.submit({
        type: 'effect:failed',
        actor: entry.id,
        effect: id,
        error: request.error,
      });
      return;
    }
    this.#track(id, async (signal) => {
      const groupFile = this.#groups.fileOf(id);
      const result = await this.#deps.runShell({ ...request.value, signal, groupFile });
      if (id.endsWith(':on_cancel')) return; // the pipeline is already cancelled: nothing waits for it
      if (result.ok)
        this.#deps.submit({ type: 'effect:done', actor: entry.id, effect: id, exitCode: 0 });
      else
        this.#deps.submit({
          type: 'effect:failed',
          actor: entry.id,
          effect: id,
          error: result.error ?? 'failed',
          ...(result.exitCode === null ? {} : { exitCode: result.exitCode }),
        });
    });
  }

  #guard(entry: ActorEntry, id: string, name: string, phase: string): void {
    const bundle = this.#deps.bundle(entry.meta.defHash) as PipelineBundle;
    const guard = bundle.guards[name] as GuardDef | undefined;
    if (!guard) {
      this.#deps.submit({
        type: 'effect:failed',
        actor: entry.id,
        effect: id,
        error: `guard "${name}" is missing from the pipeline's definition`,
      });
      return;
    }
    const { clock } = this.#deps;
    const inputs = this.#phaseInputs(entry, phase);
    this.#track(id, async (signal) => {
      // Guards never create the workspace: a pre guard may be what its creation waits for.
      const vars = inputs.length ? await this.#evaluateInputs(entry, inputs, phase, signal) : {};
      const request =
        typeof vars === 'string'
          ? ({ ok: false, error: vars } as const)
          : this.#request(entry, id, guard.condition, phase, guard.timeoutMs, vars);
      if (!request.ok) {
        this.#deps.submit({
          type: 'effect:failed',
          actor: entry.id,
          effect: id,
          error: request.error,
        });
        return;
      }
      // With wake_on, the condition is evaluated again when a matching event arrives (listening
      // starts before the first evaluation, so an event in between is not missed); else it polls.
      let wake: EventWaiter | undefined;
      if (guard.wakeOn.length) {
        const patterns = guard.wakeOn.map((p) => interpolateText(p, { ...request.vars }));
        wake = new EventWaiter(patterns, this.#deps.onEvent, clock);
      }
      let last: ShellResult | undefined;
      // The guard machine decides (try again, wait, give up); this loop runs what it asks for.
      const machine = createActor(createGuardMachine(guard), {
        input: { id, at: clock.now() },
      }).start();
      try {
        while (machine.getSnapshot().status === 'active') {
          const snapshot = machine.getSnapshot();
          if (signal.aborted) {
            machine.send({ type: 'guard.cancel', at: clock.now() });
          } else if (snapshot.value === 'evaluating') {
            last = await this.#deps.runShell({ ...request.value, signal });
            const result = { type: 'guard.result', at: clock.now(), met: last.ok } as const;
            machine.send(last.error ? { ...result, error: last.error } : result);
            if (machine.getSnapshot().value !== 'waiting') continue;
            const { tries } = machine.getSnapshot().context;
            const of = wake
              ? `waiting for ${guard.wakeOn.join(' or ')}`
              : `try ${tries} of ${guard.retry.max + 1}`;
            this.#deps.submit({
              type: 'effect:progress',
              actor: entry.id,
              effect: id,
              waiting: true,
              reason: `guard "${guard.name}" not met (${of}): ${last.error ?? 'failed'}`,
            });
          } else {
            await this.#waitForGuard(machine, wake, signal);
          }
        }
      } finally {
        wake?.stop();
      }
      const { value, context } = machine.getSnapshot();
      if (value === 'met') {
        this.#deps.submit({ type: 'effect:done', actor: entry.id, effect: id });
        return;
      }
      this.#deps.submit({
        type: 'effect:failed',
        actor: entry.id,
        effect: id,
        error: `condition ${context.outcome ?? 'not met'}: ${last?.error ?? 'failed'}`,
        ...(last?.exitCode == null ? {} : { exitCode: last.exitCode }),
      });
    });
  }

  /** A waiting guard: until its next try (polling), a `wake_on` event, or its timeout. */
  async #waitForGuard(
    machine: Actor<GuardMachine>,
    wake: EventWaiter | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    const { clock } = this.#deps;
    const deadlines = guardDeadlines(machine.getSnapshot());
    const timeout = deadlines.find((d) => d.id === TIMEOUT_DEADLINE_ID);
    const retry = deadlines.find((d) => d.id !== TIMEOUT_DEADLINE_ID);
    const until = Math.min(retry?.at ?? Infinity, timeout?.at ?? Infinity);
    if (wake) {
      if (await wake.next(until, signal))
        return machine.send({ type: 'guard.wake', at: clock.now() });
    } else if (until !== Infinity) {
      await sleepUntil(clock, until, signal);
    }
    if (signal.aborted) return;
    const at = clock.now();
    const due = deadlines.filter((d) => d.at <= at).sort((a, b) => a.at - b.at);
    if (due.length === 0 && until === Infinity) {
      machine.send({ type: 'guard.cancel', at }); // nothing can wake it: never hang silently
      return;
    }
    for (const d of due) machine.send({ type: 'deadline', at, id: d.id });
  }

  /** Runs an `[events]` hook for a pipeline (fire and forget; its output goes to the pipeline's log). */
  hook(entry: ActorEntry, hook: string, script: string, vars: Record<string, string>): void {
    const request = this.#request(
      entry,
      `${entry.id}:${hook}:${this.#deps.clock.now()}`,
      script,
      vars.phase || null,
      HOOK_TIMEOUT_MS,
      vars,
    );
    if (!request.ok) {
      this.#deps.log('warn', `${entry.id}: [events] ${hook} not run: ${request.error}`);
      return;
    }
    this.#track(request.value.id, async (signal) => {
      const result = await this.#deps.runShell({
        ...request.value,
        label: `[events] ${hook}`,
        signal,
      });
      if (!result.ok)
        this.#deps.log('warn', `${entry.id}: [events] ${hook} failed: ${result.error ?? 'failed'}`);
    });
  }

  /** Runs a queue's `source`, adds the items it has not seen (any status), then records the poll. */
  #poll(queue: ActorEntry, id: string): void {
    const def = this.#deps.bundle(queue.meta.defHash) as QueueDef;
    const project = queue.meta.project;
    const done = (): void =>
      this.#deps.submit({ type: 'queue:polled', project, queue: queue.meta.qualified });
    if (def.source === undefined) return done();
    this.#track(id, async (signal) => {
      const fail = (why: string) => {
        this.#deps.log(
          'warn',
          `queue ${def.qualified}: source "${def.source}" ${why}; will poll again in ${Math.round(def.pollMs / 1000)}s`,
        );
        done();
      };
      let script: string;
      try {
        script = interpolateShell(def.source as string, {
          project,
          state_dir: this.#deps.stateDir,
        });
      } catch (err) {
        return fail(err instanceof Error ? err.message : String(err));
      }
      const env = this.#deps.buildEnv(this.#deps.baseEnv, {
        OJ_STATE_DIR: this.#deps.stateDir,
        OJ_PROJECT: project,
      });
      const result = await runCapture({
        script,
        cwd: project,
        env,
        timeoutMs: SOURCE_TIMEOUT_MS,
        signal,
      });
      if (!result.ok) return fail(result.error);
      let items: ReturnType<typeof parseQueueItems>;
      try {
        items = parseQueueItems(result.stdout);
      } catch (err) {
        return fail(
          `printed something that is not JSON items (${err instanceof Error ? err.message : String(err)})`,
        );
      }
      const known = new Set(listQueueItems(queue.actor.getSnapshot().context).map((i) => i.id));
      for (const item of items) {
        const itemId = item.id ?? contentId(item.data);
        if (known.has(itemId)) continue; // a source lists what exists; each id is taken once
        known.add(itemId);
        this.#deps.submit({
          type: 'queue:add',
          project,
          queue: def.qualified,
          defHash: queue.meta.defHash,
          item: {
            id: itemId,
            data: item.data,
            priority: item.priority ?? 0,
            after: item.after ?? [],
          },
        });
      }
      done();
    });
  }

  /** The request for a script of a pipeline: `{vars}` escaped, the DESIGN §4 environment, its log. */
  #request(
    entry: ActorEntry,
    id: string,
    script: string,
    phase: string | null,
    timeoutMs: number | undefined,
    extra: Record<string, unknown> = {},
  ):
    | { ok: true; value: ShellRequest; vars: Record<string, unknown> }
    | { ok: false; error: string } {
    const ctx = (entry.actor.getSnapshot() as { context: PipelineContext }).context;
    const project = entry.meta.project;
    const ws = workspaceDefOf(entry, this.#deps.bundle);
    const workspace = ws ? workspacePath(this.#deps.stateDir, entry.id) : project;
    const vars: Record<string, unknown> = {
      pipeline: entry.id,
      name: entry.meta.name ?? entry.id,
      phase: phase ?? '',
      workspace,
      branch: `oj/${entry.id}`,
      project,
      state_dir: this.#deps.stateDir,
      ...ctx.inputs,
      ...extra,
    };
    let interpolated: string;
    try {
      if (ws && !('branch' in ctx.inputs)) vars.branch = branchOf(ws, vars); // an input wins
      interpolated = interpolateShell(script, vars);
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    const env = this.#deps.buildEnv(this.#deps.baseEnv, {
      OJ_STATE_DIR: this.#deps.stateDir,
      OJ_PROJECT: project,
      OJ_PIPELINE: entry.id,
      OJ_PHASE: phase ?? '',
      OJ_WORKSPACE: workspace,
      OJ_EPOCH: id,
    });
    return {
      ok: true,
      vars,
      value: {
        id,
        script: interpolated,
        cwd: existsSync(workspace) ? workspace : project,
        env,
        timeoutMs: Math.min(
          timeoutMs === undefined ? MAX_SHELL_MS : timeoutMs + 5_000,
          MAX_SHELL_MS,
        ),
        logFile: pipelineLogPath(this.#deps.stateDir, entry.id),
      },
    };
  }

  #track(id: string, work: (signal: AbortSignal) => Promise<void>): void {
    if (this.#running.has(id)) return; // the same effect is never run twice at once
    const abort = new AbortController();
    const done = work(abort.signal)
      .catch((err: unknown) =>
        this.#deps.log(
          'error',
          `effect ${id} crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        ),
      )
      .finally(() => this.#running.delete(id));
    this.#running.set(id, { abort, done });
  }
}

/** Where a pipeline's output is captured. */
export function pipelineLogPath(stateDir: string, id: string): string {
  return join(stateDir, 'logs', 'pipelines', `${id}.log`);
}

function sleepUntil(clock: Clock, at: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const cancel = clock.setTimer(at, resolve);
    signal.addEventListener(
      'abort',
      () => {
        cancel();
        resolve();
      },
      { once: true },
    );
  });
}

/** Counts events matching any of `patterns` from the moment it is made; `next` waits for one. */
class EventWaiter {
  #pending = 0;
  #notify: (() => void) | null = null;
  readonly #stop: () => void;
  readonly #clock: Clock;

  constructor(patterns: readonly string[], onEvent: DispatchDeps['onEvent'], clock: Clock) {
    this.#clock = clock;
    this.#stop = onEvent((names) => {
      if (!names.some((n) => patterns.some((p) => matchesEventPattern(p, n)))) return;
      this.#pending++;
      this.#notify?.();
    });
  }

  /** Resolves true when a matching event came (now or earlier), false at the deadline or abort. */
  next(deadline: number, signal: AbortSignal): Promise<boolean> {
    if (this.#pending > 0) {
      this.#pending = 0;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const cancel =
        deadline === Infinity ? () => undefined : this.#clock.setTimer(deadline, () => done(false));
      const onAbort = () => done(false);
      signal.addEventListener('abort', onAbort, { once: true });
      const done = (woke: boolean) => {
        cancel();
        signal.removeEventListener('abort', onAbort);
        this.#notify = null;
        this.#pending = 0;
        resolve(woke);
      };
      this.#notify = () => done(true);
    });
  }

  stop(): void {
    this.#stop();
  }
}
