// The session-host sidecar: `node dist/session-host.js <agentDir>` reads <agentDir>/spawn.json, runs
// the agent in a SessionHost, serves it on a 0600 socket, records host.json, and exits ~2 s after
// the agent (notes/agents.md §2, §5). A spawn failure goes to <agentDir>/spawn-error.json, exit 1.
import { runSessionHostProcess } from './host-process.js';

runSessionHostProcess(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `oj session host: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
