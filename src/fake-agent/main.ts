// Entry point of `oj-fake-agent` (bundled to dist/fake-agent.js): a deterministic stand-in for
// Claude Code that tests, the demo and runbook tests run instead of a paid model.
import { startFakeAgent } from './start.js';

await startFakeAgent(process.argv.slice(2));
