// The session folder's front door: what the daemon and the CLI need to start agents in session
// hosts, talk to them and judge their liveness. The host itself (node-pty, xterm) is not loaded here.
export * from './protocol.js';
export { spawnSessionHost, readHostInfo, isAgentAlive, killSessionGroup } from './spawn.js';
export type { DetachedStart, SpawnHostOptions, StartDetached } from './spawn.js';
export { connectSession } from './client.js';
export type {
  ConnectSessionOptions,
  RespondOptions,
  SessionClient,
  SessionInput,
  SubscribeOptions,
  SubscribedFrame,
} from './client.js';
export { SessionError } from './errors.js';
export type { SessionErrorCode } from './errors.js';
export { TIMING_PRESETS, resolveTiming, nudgeDelayMs } from './timing.js';
export type { SessionTiming } from './timing.js';
export { readSessionEvents } from './event-journal.js';
export {
  EVENTS_FILE,
  HOST_FILE,
  HOST_LOG_FILE,
  SPAWN_ERROR_FILE,
  SPAWN_FILE,
} from './agent-files.js';
export { killAllSessions, killStraySessions } from './sweep.js';
