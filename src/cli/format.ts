// Human formatting for daemon answers: durations, times, and status words (coloured on a TTY unless
// NO_COLOR is set).

const COLOURS: Record<string, string> = {
  done: '32',
  running: '36',
  waiting: '33',
  pending: '90',
  escalated: '35',
  failed: '31',
  cancelled: '90',
};

const useColour = (): boolean => process.stdout.isTTY === true && !process.env.NO_COLOR;

export function formatStatus(status: string): string {
  const code = COLOURS[status];
  return code && useColour() ? `\u001b[${code}m${status}\u001b[0m` : status;
}

/** `3.2s`, `4m12s`, `2h05m`: elapsed time in the units people read at a glance. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** How long ago `at` was, e.g. `5m12s ago`. */
export function formatAgo(at: number | null | undefined, now = Date.now()): string {
  return at ? `${formatElapsed(now - at)} ago` : '-';
}
