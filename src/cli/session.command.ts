// `oj session list|show|peek|idle-time|kill|send|nudge`: the agent registry and acting on a live
// agent through the daemon.
import { durationOption } from './duration-option.js';
import { call } from './call.js';
import { formatAgo, formatElapsed } from './format.js';
import { formatTable, printJson } from './output.js';
import { projectRoot } from './root.js';

interface SessionView {
  id: string;
  agent: string;
  pipeline: string;
  pipelineName: string;
  phase: string;
  state: string;
  health: string;
  generation: number;
  restarts: number;
  nudges: number;
  lastOutputAt: number;
  idleMs: number;
  pid: number | null;
  decision: string | null;
}

export async function listSessions(opts: { output: string; all?: boolean }): Promise<void> {
  const sessions = await call<SessionView[]>(
    'session.list',
    opts.all ? {} : { project: projectRoot() },
  );
  if (opts.output === 'json') return printJson(sessions);
  if (sessions.length === 0) {
    process.stdout.write('no agent sessions\n');
    return;
  }
  const rows = sessions.map((s) => [
    s.id,
    s.pipelineName,
    s.phase,
    s.state,
    formatElapsed(s.idleMs),
    String(s.restarts),
    s.decision ? `${s.health} (${s.decision})` : s.health,
  ]);
  process.stdout.write(
    `${formatTable(['SESSION', 'PIPELINE', 'PHASE', 'STATE', 'IDLE', 'RESTARTS', 'HEALTH'], rows)}\n`,
  );
}

/** `oj session idle-time <id> [--over 5m]`: seconds idle, or an exit code for monitors. */
export async function idleTime(id: string, opts: { output: string; over?: string }): Promise<void> {
  const overMs = durationOption('--over', opts.over);
  const result = await call<{ id: string; idleMs: number; state: string }>('session.idle-time', {
    id,
  });
  if (overMs !== undefined) {
    process.exitCode = result.idleMs >= overMs ? 0 : 1;
    return;
  }
  if (opts.output === 'json') return printJson(result);
  process.stdout.write(`${Math.floor(result.idleMs / 1000)}\n`);
}

export async function sessionOp(
  verb: 'show' | 'peek' | 'kill',
  id: string,
  opts: { output: string },
): Promise<void> {
  const result = await call<Record<string, unknown>>(`session.${verb}`, { id });
  if (opts.output === 'json') return printJson(result);
  switch (verb) {
    case 'peek':
      process.stdout.write(`${trimScreen(result.lines as string[]).join('\n')}\n`);
      return;
    case 'kill':
      process.stdout.write(`killing ${String(result.id)}\n`);
      return;
    case 'show': {
      const s = result as unknown as SessionView & { log: string[]; sessionId: string };
      const lines = [
        `${s.id}  ${s.agent}`,
        `  pipeline: ${s.pipelineName} (${s.pipeline}) at phase "${s.phase}"`,
        `  state:    ${s.state}, ${s.health}${s.decision ? `, decision ${s.decision}` : ''}`,
        `  session:  generation ${s.generation}, pid ${s.pid ?? '-'}, ${s.restarts} restart(s), ${s.nudges} nudge(s)`,
        `  output:   ${formatAgo(s.lastOutputAt)}`,
        `  conversation: ${s.sessionId}`,
        ...(s.log.length ? ['  log:', ...s.log.slice(-10).map((l) => `    ${l}`)] : []),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
  }
}

export async function sendToSession(
  id: string,
  text: string,
  opts: { output: string; enter: boolean },
): Promise<void> {
  const result = await call<{ id: string; sent: number }>('session.send', {
    id,
    text,
    enter: opts.enter,
  });
  if (opts.output === 'json') return printJson(result);
  process.stdout.write(`sent ${result.sent} characters to ${result.id}\n`);
}

export async function nudgeSession(
  id: string,
  message: string,
  opts: { output: string },
): Promise<void> {
  const result = await call<{
    id: string;
    delivered: boolean;
    reason?: string;
    stateBefore?: string;
  }>('session.nudge', { id, ...(message ? { message } : {}) });
  if (opts.output === 'json') return printJson(result);
  process.stdout.write(
    result.delivered
      ? `nudged ${result.id}\n`
      : `not delivered to ${result.id}: ${result.reason ?? `the agent is ${result.stateBefore ?? 'busy'}`}\n`,
  );
  if (!result.delivered) process.exitCode = 1;
}

/** Drops trailing blank lines of a screen. */
function trimScreen(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && (lines[end - 1] ?? '').trim() === '') end--;
  return lines.slice(0, end);
}

/** `oj session continue <id> <message>`: follow up with a live or finished agent. */
export async function continueSession(
  id: string,
  message: string,
  opts: { output: string },
): Promise<void> {
  const result = await call<{ id: string | null; how: string }>('session.continue', {
    id,
    message,
  });
  if (opts.output === 'json') return printJson(result);
  process.stdout.write(`${result.id ?? id}: ${result.how}\n`);
}
