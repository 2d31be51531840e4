// Where the bundled session-host and hook entry points are: beside this code when it runs from
// dist/ (the bundle), else `<repo>/dist/` (sources under vitest, where import.meta.url ends in .ts).
import { fileURLToPath } from 'node:url';

export type DistEntry = 'session-host.js' | 'session-hook.js';

/** The absolute path of a bundled entry point. */
export function distEntryPath(name: DistEntry, here: string = import.meta.url): string {
  const url = here.endsWith('.ts')
    ? new URL(`../../dist/${name}`, here)
    : new URL(`./${name}`, here);
  return fileURLToPath(url);
}
