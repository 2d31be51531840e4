// One run of a cron: its `run` script, then each monitor — `source` lists items, `condition` picks
// the matches, and each match gets the monitor's direct `action` or the next step of its `response`
// chain that its attempts and cooldown allow. The run reports what it attempted; the cron's machine
// keeps the per-target counts, so limits and cooldowns hold across runs and restarts.
import { join } from 'node:path';
import { runCapture } from '../../actors/index.js';
import { parseQueueItems } from '../../wire/index.js';
import type { ShellRequest, ShellResult } from '../../actors/index.js';
import type { CronContext, CronRunReport, TargetAttempts } from '../../machines/index.js';
import { interpolateShell } from '../../runbook/index.js';
import type { ActionDef, CronDef, MonitorDef, RecoveryStep } from '../../runbook/index.js';

/** What a cron's stored definition holds: the cron and the monitors and actions it uses. */
export interface CronBundle {
  cron: CronDef;
  monitors: Record<string, MonitorDef>;
  actions: Record<string, ActionDef>;
}

export interface CronRunDeps {
  project: string;
  stateDir: string;
  env: Record<string, string>;
  now: () => number;
  runShell: (request: ShellRequest) => Promise<ShellResult>;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  signal: AbortSignal;
}

const SOURCE_TIMEOUT_MS = 60_000;
const CONDITION_TIMEOUT_MS = 60_000;
const ACTION_TIMEOUT_MS = 10 * 60_000;

export function cronLogPath(stateDir: string, qualified: string): string {
  return join(stateDir, 'logs', 'crons', `${qualified}.log`);
}

export async function runCronOnce(
  bundle: CronBundle,
  ctx: CronContext,
  id: string,
  deps: CronRunDeps,
): Promise<CronRunReport> {
  const report: CronRunReport = { errors: [], attempts: [] };
  const cron = bundle.cron;
  const logFile = cronLogPath(deps.stateDir, cron.qualified);
  const shell = async (
    label: string,
    script: string,
    vars: Record<string, unknown>,
    timeoutMs: number,
  ) => {
    const result = await deps.runShell({
      id,
      label,
      script: interpolateShell(script, {
        project: deps.project,
        state_dir: deps.stateDir,
        ...vars,
      }),
      cwd: deps.project,
      env: deps.env,
      timeoutMs,
      logFile,
      signal: deps.signal,
    });
    if (!result.ok)
      throw new Error(`${label}: ${result.error ?? `exit ${String(result.exitCode)}`}`);
  };
  if (cron.run !== undefined) {
    try {
      await shell(`cron ${cron.name}`, cron.run, {}, ACTION_TIMEOUT_MS);
    } catch (err) {
      report.errors.push(message(err));
    }
  }
  for (const name of cron.monitors) {
    const monitor = bundle.monitors[name];
    if (!monitor) {
      report.errors.push(`monitor ${name} is not defined`);
      continue;
    }
    try {
      await runMonitor(monitor, bundle, ctx, report, deps, shell);
    } catch (err) {
      report.errors.push(`monitor ${monitor.name}: ${message(err)}`);
    }
  }
  return report;
}

type Shell = (
  label: string,
  script: string,
  vars: Record<string, unknown>,
  timeoutMs: number,
) => Promise<void>;

async function runMonitor(
  monitor: MonitorDef,
  bundle: CronBundle,
  ctx: CronContext,
  report: CronRunReport,
  deps: CronRunDeps,
  shell: Shell,
): Promise<void> {
  const listed = await runCapture({
    script: monitor.source,
    cwd: deps.project,
    env: deps.env,
    timeoutMs: SOURCE_TIMEOUT_MS,
    signal: deps.signal,
  });
  if (!listed.ok) throw new Error(`source failed: ${listed.error}`);
  for (const item of parseQueueItems(listed.stdout)) {
    const vars = { ...item.data, item: JSON.stringify(item.data) };
    if (monitor.condition !== undefined) {
      const matched = await runCapture({
        script: interpolateShell(monitor.condition, vars),
        cwd: deps.project,
        env: deps.env,
        timeoutMs: CONDITION_TIMEOUT_MS,
        signal: deps.signal,
      });
      if (!matched.ok) continue;
    }
    const target = `${monitor.qualified}:${targetOf(item)}`;
    if (monitor.action !== undefined) {
      await shell(
        `monitor ${monitor.name} ${targetOf(item)}`,
        monitor.action,
        vars,
        ACTION_TIMEOUT_MS,
      );
      continue;
    }
    const step = nextStep(monitor.response ?? [], bundle.actions, ctx.targets[target], deps.now());
    if (!step) continue;
    report.attempts.push({ target, step: step.name, at: deps.now() });
    const action = step.action ? bundle.actions[step.action] : undefined;
    if (action) {
      await shell(`action ${action.name} ${targetOf(item)}`, action.run, vars, ACTION_TIMEOUT_MS);
    } else if (step.builtin === 'escalate') {
      deps.log(
        'warn',
        `monitor ${monitor.qualified}: escalating ${targetOf(item)} (needs a human)`,
      );
    } else if (step.builtin && SESSION_STEPS[step.builtin] && item.data.session) {
      // Built-in steps on an agent session act through the CLI, exactly as a named action would.
      await shell(
        `${step.name} ${item.data.session}`,
        SESSION_STEPS[step.builtin] as string,
        vars,
        ACTION_TIMEOUT_MS,
      );
    } else {
      deps.log(
        'warn',
        `monitor ${monitor.qualified}: "${step.name}" needs a target with a {session} (got ${targetOf(item)}); name an action to run instead`,
      );
    }
  }
}

/** What `nudge` and `restart` do to a monitored agent session (a kill lets its on_exit restart it). */
const SESSION_STEPS: Partial<Record<string, string>> = {
  nudge: 'oj session nudge {session}',
  restart: 'oj session kill {session}',
};

/**
 * The response step a target is due for: the first whose attempts are not used up (`restart:N`
 * allows N, an action's `max_attempts` its count, any other step once) — or none while the
 * cooldown of the action taken last lasts, or once the chain is exhausted. Pure.
 */
export function nextStep(
  chain: readonly RecoveryStep[],
  actions: Readonly<Record<string, ActionDef>>,
  seen: TargetAttempts | undefined,
  now: number,
): RecoveryStep | undefined {
  const step = chain.find((s) => (seen?.steps[s.name] ?? 0) < limitOf(s, actions));
  if (!step || !seen) return step;
  const last = chain.find((s) => s.name === seen.lastStep);
  const cooldown = (last?.action ? actions[last.action]?.cooldownMs : undefined) ?? 0;
  return now - seen.lastAt < cooldown ? undefined : step;
}

function limitOf(step: RecoveryStep, actions: Readonly<Record<string, ActionDef>>): number {
  return step.max ?? (step.action ? actions[step.action]?.maxAttempts : undefined) ?? 1;
}

function targetOf(item: { id?: string; data: Record<string, string> }): string {
  return item.id ?? item.data.session ?? item.data.name ?? JSON.stringify(item.data);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
