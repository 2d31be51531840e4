// The files of an agent dir, by name: what the daemon writes, what the host writes back.

/** Written by the spawner: the SpawnSpec. */
export const SPAWN_FILE = 'spawn.json';
/**
 * Written by the spawner as soon as the host process exists: `{pid, startTime}`. A spawner that
 * finds it (a daemon restarted while the host was starting) waits for that host, not a second one.
 */
export const HOST_PID_FILE = 'host-pid.json';
/** Written by the host, atomically, once it listens: the HostInfo. */
export const HOST_FILE = 'host.json';
/** Written by the host when it could not start its agent: `{error, code}`. */
export const SPAWN_ERROR_FILE = 'spawn-error.json';
/** claude: the generated settings that route hooks to the host. */
export const SETTINGS_FILE = 'settings.json';
/** The host's stdout and stderr. */
export const HOST_LOG_FILE = 'host.log';
/** Every transition, hook call, answer and the exit, one JSON frame per line with its seq. */
export const EVENTS_FILE = 'events.jsonl';
