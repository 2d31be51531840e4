// Bundles the CLI and the daemon (dist/ojd.js) into dist/ with esbuild. Bundling matters for start-up:
// loading zod, smol-toml and liquidjs as hundreds of separate files costs ~90 ms; bundled, ~20 ms.
import { build } from 'esbuild';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
// Native addons and worker-thread pools cannot be bundled; they load from node_modules.
const external = ['lmdb', 'node-pty', 'piscina', 'msgpackr', 'bufferutil', 'utf-8-validate'];

// Build beside dist/ and swap it in, so a CLI started meanwhile never finds dist/ half-written.
const staging = `dist.build-${process.pid}`;
await build({
  absWorkingDir: root,
  entryPoints: {
    oj: 'src/cli/main.ts',
    lib: 'src/lib.ts',
    ojd: 'src/runtime/daemon-main.ts',
    'session-host': 'src/session/host-main.ts',
    'shell-spawner': 'src/runtime/shell-spawner-main.ts',
    'session-hook': 'src/session/hook-main.ts',
    'fake-agent': 'src/fake-agent/main.ts',
  },
  outdir: staging,
  bundle: true,
  splitting: true, // each command's heavy modules become their own lazily loaded chunk
  format: 'esm',
  platform: 'node',
  target: 'node20',
  mainFields: ['module', 'main'],
  external,
  sourcemap: 'linked',
  minifySyntax: true,
  minifyWhitespace: true, // less source to parse at start-up; stack traces map back via dist/*.map
  legalComments: 'none',
  logLevel: 'warning',
  define: { OJ_VERSION: JSON.stringify(version) },
  // Some dependencies are CommonJS and call require() for Node built-ins.
  banner: {
    js: 'import { createRequire as __ojRequire } from "node:module"; const require = __ojRequire(import.meta.url);',
  },
});

// The CLI's fast path (src/cli/fast-main.ts) as one CommonJS file: Node loads a CommonJS bundle
// several ms sooner than ES module chunks. import.meta.url (used to find dist/ojd.js and the
// checkout) is this file's own URL, which sits in dist/ like the chunks.
await build({
  absWorkingDir: root,
  entryPoints: { 'oj-fast': 'src/cli/fast-main.ts' },
  outdir: staging,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external,
  sourcemap: 'linked',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { OJ_VERSION: JSON.stringify(version), 'import.meta.url': '__ojFileUrl' },
  banner: { js: 'const __ojFileUrl = require("node:url").pathToFileURL(__filename).href;' },
});

const retired = `${root}/dist.old-${process.pid}`;
if (existsSync(`${root}/dist`)) renameSync(`${root}/dist`, retired);
renameSync(`${root}/${staging}`, `${root}/dist`);
rmSync(retired, { recursive: true, force: true });
