#!/usr/bin/env node
// The `oj` executable. CommonJS on purpose: Node starts a CommonJS entry several ms sooner than an
// ES module, and `oj status` — polled by scripts, prompts and watchers — is answered by a small
// CommonJS bundle (dist/oj-fast.cjs) without loading the full CLI. Everything else loads the
// bundled CLI (dist/oj.js), built by `npm run build` or by `npm ci`.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const dist = join(__dirname, '..', 'dist');
if (!existsSync(join(dist, 'oj.js')) || !existsSync(join(dist, 'oj-fast.cjs'))) {
  process.stderr.write(
    "oj: the CLI is not built (dist/oj.js is missing). Run 'npm run build' in the oj checkout.\n",
  );
  process.exit(2);
}
const argv = process.argv.slice(2);
const fast = require(join(dist, 'oj-fast.cjs')).fastCommand(argv);
if (fast) fast().then((code) => (process.exitCode = code));
else import(require('node:url').pathToFileURL(join(dist, 'oj.js')).href);
