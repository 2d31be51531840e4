#!/usr/bin/env node
// The deterministic fake agent CLI (a stand-in for Claude Code driven by a scenario file).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/fake-agent.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    "oj-fake-agent: not built (dist/fake-agent.js is missing). Run 'npm run build' in the oj checkout.\n",
  );
  process.exit(2);
}
await import(entry.href);
