// The cron machine's data: its persisted context (schedule, the run in flight, history), the events
// it accepts, the `runCron` effect it emits, and the pure selectors the runtime reads it with.

import type { Deadline } from './pipeline.context.js';

/** The machine id; its states are `cron.idle` and `cron.running`. */
export const CRON_MACHINE_ID = 'cron';

export interface CronContext {
  /** Whether its interval fires; a disabled cron still runs on `cron.once`. */
  enabled: boolean;
  /** The next scheduled run (epoch ms) while enabled; null when disabled. */
  nextAt: number | null;
  /** The effect id of the run in flight; null while idle. */
  current: string | null;
  runs: number;
  failures: number;
  /** Intervals that came due while the previous run was still going (a cron never overlaps). */
  skipped: number;
  lastRunAt: number | null;
  lastResult: 'succeeded' | 'failed' | null;
  lastError: string | null;
  /** Per monitor target (`<monitor>:<target>`): how often each response step ran, and when last. */
  targets: Record<string, TargetAttempts>;
}

export interface TargetAttempts {
  steps: Record<string, number>;
  /** The step taken last, and when: its action's cooldown runs from then. */
  lastStep: string;
  lastAt: number;
}

/** What a finished run reports (the `output` of its effect.done, as JSON). */
export interface CronRunReport {
  errors: string[];
  attempts: { target: string; step: string; at: number }[];
}

/** Reads a run's report; output that is not a report counts as a clean run with no attempts. */
export function parseCronReport(output: string | undefined): CronRunReport {
  try {
    const value = JSON.parse(output ?? '') as Partial<CronRunReport>;
    return {
      errors: Array.isArray(value.errors) ? value.errors.map(String) : [],
      attempts: Array.isArray(value.attempts) ? value.attempts : [],
    };
  } catch {
    return { errors: [], attempts: [] };
  }
}

/** Adds a run's attempts to the per-target counts. Pure. */
export function recordAttempts(
  targets: Record<string, TargetAttempts>,
  attempts: CronRunReport['attempts'],
): Record<string, TargetAttempts> {
  const next = { ...targets };
  for (const { target, step, at } of attempts) {
    const prev = next[target] ?? { steps: {}, lastStep: step, lastAt: at };
    next[target] = {
      steps: { ...prev.steps, [step]: (prev.steps[step] ?? 0) + 1 },
      lastStep: at >= prev.lastAt ? step : prev.lastStep,
      lastAt: Math.max(prev.lastAt, at),
    };
  }
  return next;
}

export type CronEvent =
  | { type: 'cron.enable'; at: number }
  | { type: 'cron.disable'; at: number }
  | { type: 'cron.once'; at: number }
  | { type: 'deadline'; at: number; id: string }
  | { type: 'effect.done'; at: number; id: string; output?: string }
  | { type: 'effect.failed'; at: number; id: string; error?: string };

export const CRON_EVENT_TYPES = [
  'cron.enable',
  'cron.disable',
  'cron.once',
  'deadline',
  'effect.done',
  'effect.failed',
] as const;

/** Run the cron once: its `run` script, then each of its monitors. Answered with effect.done/failed. */
export interface RunCronEffect {
  kind: 'runCron';
  id: string;
  cron: string;
}

export interface CronEffectEmitted {
  type: 'effect';
  effect: RunCronEffect;
}

/** The id of the scheduled tick at `at`; a new schedule gets a new id. */
export function toTickDeadlineId(at: number): string {
  return `tick:${at}`;
}

/** A run's effect id; `runs` makes it unique even when two runs share `at`. */
export function toCronRunId(cron: string, runs: number): string {
  return `cron:${cron}:${runs}`;
}

/** The first scheduled time after `at` on the cadence that `from` started (never in the past). */
export function nextTick(from: number, intervalMs: number, at: number): number {
  if (from > at) return from;
  const missed = Math.floor((at - from) / intervalMs) + 1;
  return from + missed * intervalMs;
}

/** The live deadlines of a cron snapshot (its next tick while enabled). */
export function cronDeadlines(snapshot: { context: CronContext }): Deadline[] {
  const at = snapshot.context.nextAt;
  return at === null ? [] : [{ id: toTickDeadlineId(at), at }];
}
