// ojd, the daemon's entry point (bundled to dist/ojd.js). `oj daemon start` runs it detached;
// `oj daemon start --foreground` imports it into the CLI process with OJ_DAEMON_FOREGROUND=1.
//
// Environment: OJ_STATE_DIR (which daemon: DESIGN.md §4); OJ_DAEMON_FOREGROUND=1 echoes the log to
// stderr; OJ_DAEMON_VERSION (tests only) overrides the version reported in `hello`, to exercise
// the CLI's version handshake.
import { runDaemon } from './daemon.js';
import type { ServicesFactory } from './daemon.js';
import { resolveStateDir } from './paths.js';

declare const OJ_VERSION: string | undefined;

// The engine: opens the journal, restores, replays and reconciles, then serves its methods; close()
// drains running phases and writes final snapshots.
const services: ServicesFactory = async ({ stateDir, paths, log }) => {
  const { createEngineServices } = await import('./engine/index.js');
  const engine = await createEngineServices({ stateDir, journalDir: paths.journal, version, log });
  return { handlers: engine.handlers as never, close: (opts) => engine.close(opts) };
};

const env = process.env;
const foreground = env.OJ_DAEMON_FOREGROUND === '1';
delete env.OJ_DAEMON_FOREGROUND; // not for the commands and agents this daemon will run
const version =
  env.OJ_DAEMON_VERSION || (typeof OJ_VERSION === 'string' ? OJ_VERSION : '0.0.0-dev');

let code: number;
try {
  code = await runDaemon({ stateDir: resolveStateDir(env), version, services, env, foreground });
} catch (err) {
  process.stderr.write(`ojd: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
  code = 1;
}
// A stopped daemon goes away even if a service left a handle open.
process.exit(code);
