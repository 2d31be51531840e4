#!/usr/bin/env node
// The `oj` executable: loads the bundled CLI from dist/ (built by `npm run build`, or by `npm ci`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/oj.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    "oj: the CLI is not built (dist/oj.js is missing). Run 'npm run build' in the oj checkout.\n",
  );
  process.exit(2);
}
await import(entry.href);
