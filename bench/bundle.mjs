// Bundles oj modules from source into a temp directory for a benchmark, so benchmarks need no
// separate build of internals. Dependencies stay external and resolve through a node_modules link.
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Bundles `{ name: 'src/…/index.ts' }` entries; returns their modules by name and the temp dir. */
export async function bundleModules(entryPoints) {
  const dir = mkdtempSync(join(tmpdir(), 'oj-bench-'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await build({
    absWorkingDir: root,
    entryPoints,
    outdir: dir,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
  const modules = {};
  for (const name of Object.keys(entryPoints))
    modules[name] = await import(pathToFileURL(join(dir, `${name}.mjs`)).href);
  return { dir, modules };
}
