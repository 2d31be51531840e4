// The process concerns of the session-host sidecar: read the spawn spec, plan the launch, start the
// SessionHost, listen, record host.json, forward signals, and exit once the agent is gone.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { claudeLogPath } from './detect/index.js';
import { distEntryPath } from './entry-paths.js';
import { messageOf, SessionError } from './errors.js';
import {
  EVENTS_FILE,
  HOST_FILE,
  SETTINGS_FILE,
  SPAWN_ERROR_FILE,
  SPAWN_FILE,
} from './agent-files.js';
import { ensurePrivateDir, writeJsonAtomic } from './files.js';
import { SessionHost } from './host.js';
import type { HostLogLevel } from './host.js';
import { serveSessionHost } from './host-server.js';
import { claudeHookSettings, planLaunch } from './launch.js';
import { processStartTime } from './proc.js';
import { agentNice, yieldCpu } from './priority.js';
import { describeIssues, SESSION_PROTOCOL_VERSION, SpawnSpecSchema } from './protocol.js';
import type { HostInfo } from './protocol.js';
import { chooseSocketPath } from './socket-path.js';
import { resolveTiming } from './timing.js';

/** Runs a host for agent dir `args[0]` until its agent is gone; resolves with the exit code. */
export async function runSessionHostProcess(args: string[]): Promise<number> {
  const dir = args[0];
  if (!dir) {
    process.stderr.write('usage: node session-host.js <agentDir>\n');
    return 2;
  }
  const log = (level: HostLogLevel, message: string): void => {
    process.stderr.write(`${new Date().toISOString()} ${level} ${message}\n`);
  };
  let started: { host: SessionHost; socketPath: string; token: string; sessionId?: string };
  try {
    started = startHost(dir, log);
  } catch (err) {
    const code = err instanceof SessionError ? err.code : 'SPAWN_FAILED';
    log('error', messageOf(err));
    writeJsonAtomic(join(dir, SPAWN_ERROR_FILE), { error: messageOf(err), code });
    return 1;
  }
  const { host, socketPath, token } = started;
  let server;
  try {
    server = await serveSessionHost(host, socketPath, token);
  } catch (err) {
    const message = `could not listen on "${socketPath}": ${messageOf(err)}`;
    log('error', message);
    writeJsonAtomic(join(dir, SPAWN_ERROR_FILE), { error: message, code: 'SPAWN_FAILED' });
    host.kill({ drain: false });
    host.kill({}); // the second kill is SIGKILL: no agent without a host
    return 1;
  }
  const { nice, warning } = agentNice(process.env.OJ_AGENT_NICE);
  if (warning) log('warn', warning);
  for (const pid of [process.pid, host.agentPid]) {
    const failed = yieldCpu(pid, nice);
    if (failed) log('warn', failed);
  }
  const startTime = processStartTime(host.agentPid);
  const info: HostInfo = {
    agentId: host.agentId,
    hostPid: process.pid,
    agentPid: host.agentPid,
    pgid: host.pgid,
    socket: socketPath,
    startedAt: host.startedAt,
    protocol: SESSION_PROTOCOL_VERSION,
    ...(startTime !== undefined ? { agentStartTime: startTime } : {}),
    ...(started.sessionId ? { sessionId: started.sessionId } : {}),
  };
  writeJsonAtomic(join(dir, HOST_FILE), info);
  log('info', `listening on ${socketPath}`);

  // SIGTERM/SIGINT: kill the agent like a `kill` request (a second one escalates to SIGKILL).
  const onSignal = (signal: NodeJS.Signals): void => {
    log('info', `received ${signal}; killing the agent`);
    host.kill({});
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', () => log('info', 'ignoring SIGHUP (the host runs detached)'));

  await host.finished;
  await server.close();
  host.close();
  log('info', 'session host exiting');
  return 0;
}

function startHost(
  dir: string,
  log: (level: HostLogLevel, message: string) => void,
): { host: SessionHost; socketPath: string; token: string; sessionId?: string } {
  const specPath = join(dir, SPAWN_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(specPath, 'utf8'));
  } catch (err) {
    throw new SessionError(
      'BAD_SPEC',
      `could not read the spawn spec "${specPath}": ${messageOf(err)}`,
    );
  }
  const parsed = SpawnSpecSchema.safeParse(raw);
  if (!parsed.success)
    throw new SessionError(
      'BAD_SPEC',
      `invalid spawn spec "${specPath}": ${describeIssues(parsed.error)}`,
    );
  const spec = parsed.data;
  ensurePrivateDir(dir);
  if (!isDirectory(spec.cwd))
    throw new SessionError(
      'BAD_SPEC',
      `the agent's working directory "${spec.cwd}" does not exist; create it or fix the agent's cwd`,
    );
  let idlePattern: RegExp | undefined;
  try {
    idlePattern = spec.idlePattern ? new RegExp(spec.idlePattern) : undefined;
  } catch (err) {
    throw new SessionError(
      'BAD_SPEC',
      `idle pattern "${spec.idlePattern}" is not a valid regex: ${messageOf(err)}`,
    );
  }
  const place = chooseSocketPath(dir, spec.env, tmpdir(), process.getuid?.());
  if (place.privateDir) ensurePrivateDir(place.privateDir);
  const token = randomBytes(24).toString('hex');
  const settingsPath = join(dir, SETTINGS_FILE);
  const sessionId =
    spec.driver === 'claude' && !spec.resumeSessionId
      ? (spec.sessionId ?? randomUUID())
      : spec.sessionId;
  const launch = planLaunch({
    command: spec.command,
    driver: spec.driver,
    ...(spec.prompt !== undefined ? { prompt: spec.prompt } : {}),
    ...(spec.resumeSessionId ? { resumeSessionId: spec.resumeSessionId } : {}),
    ...(sessionId ? { sessionId } : {}),
    cwd: spec.cwd,
    env: spec.env,
    settingsPath,
    socketPath: place.path,
    hookToken: token,
  });
  let claudeLog: string | undefined;
  if (spec.driver === 'claude') {
    writeFileSync(
      settingsPath,
      `${JSON.stringify(claudeHookSettings(process.execPath, distEntryPath('session-hook.js')), null, 2)}\n`,
      { mode: 0o600 },
    );
    const configDir = spec.env.CLAUDE_CONFIG_DIR || join(spec.env.HOME || homedir(), '.claude');
    // Claude names the project dir after the resolved cwd (no symlinks: /tmp on macOS is one).
    if (launch.sessionId)
      claudeLog = claudeLogPath(configDir, realpathSync(spec.cwd), launch.sessionId);
  }
  const host = new SessionHost(
    {
      agentId: spec.agentId,
      driver: spec.driver,
      launch,
      timing: resolveTiming(spec.timing),
      ...(spec.cols ? { cols: spec.cols } : {}),
      ...(spec.rows ? { rows: spec.rows } : {}),
      eventsPath: join(dir, EVENTS_FILE),
      ...(idlePattern ? { idlePattern } : {}),
      ...(claudeLog ? { claudeLogPath: claudeLog } : {}),
      ...(spec.resumeSessionId ? { claudeLogFromEnd: true } : {}),
    },
    { log },
  );
  return {
    host,
    socketPath: place.path,
    token,
    ...(launch.sessionId ? { sessionId: launch.sessionId } : {}),
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
