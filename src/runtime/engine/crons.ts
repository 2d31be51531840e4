// Crons: `oj cron enable|disable|once` become events of the cron's actor, created on first use from
// its stored definition. Each run is a `runCron` effect the dispatcher executes.
import { createCronMachine } from '../../machines/index.js';
import type { CronContext } from '../../machines/index.js';
import type { CronBundle } from './cron-run.js';
import { createHash } from 'node:crypto';
import { toCanonicalJson } from '../../runbook/index.js';
import type { CronDef, Project } from '../../runbook/index.js';
import type { EngineHost } from './host.js';
import type { JournalEntry } from './records.js';
import type { ActorEntry, Supervisor } from './supervisor.js';

export type CronRecord = Extract<JournalEntry, { type: `cron:${string}` }>;

export function cronId(project: string, qualified: string): string {
  return `cron:${project}:${qualified}`;
}

export function cronMachine(defHash: string, bundle: (hash: string) => unknown) {
  return createCronMachine((bundle(defHash) as CronBundle).cron);
}

/** Routes a cron request; an edited runbook rebuilds the cron from its snapshot with the new def. */
export function routeCron(host: EngineHost, e: CronRecord, touched: Set<string>): void {
  const id = cronId(e.project, e.cron);
  let entry = host.sup.get(id);
  if (!entry) {
    entry = host.sup.spawn(
      id,
      'cron',
      cronMachine(e.defHash, host.bundle),
      { project: e.project, qualified: e.cron, defHash: e.defHash, createdAt: e.at },
      {},
    );
  } else if (entry.meta.defHash !== e.defHash) {
    host.sup.rebuild(entry, cronMachine(e.defHash, host.bundle), e.defHash);
  }
  touched.add(id);
  const type =
    e.type === 'cron:enable'
      ? 'cron.enable'
      : e.type === 'cron:disable'
        ? 'cron.disable'
        : 'cron.once';
  host.send(entry, { type, at: e.at }, touched);
}

/** Runs that were in flight when the daemon stopped: they are failed, and the cron carries on. */
export function interruptedCronRuns(sup: Supervisor): { actor: string; effect: string }[] {
  return sup
    .all('cron')
    .map((entry: ActorEntry) => ({ entry, ctx: cronContext(entry) }))
    .filter(({ ctx }) => ctx.current !== null)
    .map(({ entry, ctx }) => ({ actor: entry.id, effect: ctx.current as string }));
}

export function cronContext(entry: ActorEntry): CronContext {
  return (entry.actor.getSnapshot() as { context: CronContext }).context;
}

/** The cron with the monitors and actions it uses, ready to be stored under its content hash. */
export function cronBundle(project: Project, cron: CronDef): { hash: string; bundle: CronBundle } {
  const monitors: CronBundle['monitors'] = {};
  const actions: CronBundle['actions'] = {};
  for (const name of cron.monitors) {
    const monitor = project.monitor[name];
    if (!monitor) continue;
    monitors[name] = monitor;
    for (const step of monitor.response ?? []) {
      const action = step.action ? project.action[step.action] : undefined;
      if (action) actions[action.qualified] = action;
    }
  }
  const bundle = { cron, monitors, actions };
  const hash = `cron:${createHash('sha256').update(toCanonicalJson(bundle)).digest('hex')}`;
  return { hash, bundle };
}

export interface CronView {
  name: string;
  cron: string;
  project: string;
  enabled: boolean;
  running: boolean;
  intervalMs: number;
  nextAt: number | null;
  runs: number;
  failures: number;
  skipped: number;
  lastRunAt: number | null;
  lastResult: 'succeeded' | 'failed' | null;
  lastError: string | null;
  /** Response attempts per monitor target: what ran, how often, and when last. */
  targets: Record<string, { steps: Record<string, number>; lastStep: string; lastAt: number }>;
}

export function toCronView(project: string, def: CronDef, entry: ActorEntry | undefined): CronView {
  const ctx = entry ? cronContext(entry) : undefined;
  return {
    name: def.name,
    cron: def.qualified,
    project,
    enabled: ctx?.enabled ?? false,
    running: ctx?.current != null,
    intervalMs: def.intervalMs,
    nextAt: ctx?.nextAt ?? null,
    runs: ctx?.runs ?? 0,
    failures: ctx?.failures ?? 0,
    skipped: ctx?.skipped ?? 0,
    lastRunAt: ctx?.lastRunAt ?? null,
    lastResult: ctx?.lastResult ?? null,
    lastError: ctx?.lastError ?? null,
    targets: ctx?.targets ?? {},
  };
}
