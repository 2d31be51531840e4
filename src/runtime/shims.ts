// Puts `oj` and `oj-fake-agent` on the PATH of everything oj runs (phase commands, agents, the
// shell of `oj run`): small shims under `<state>/run/bin` that exec this checkout's binaries.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Puts `oj` and `oj-fake-agent` on the PATH of phase commands and agents (`<state>/run/bin`), so
 * nested `oj done` / `oj emit` reach this daemon whether or not oj is installed globally.
 */
export function withOjShims(stateDir: string, path: string | undefined): string {
  const root = packageRoot();
  if (!root) return path ?? '';
  const bin = join(stateDir, 'run', 'bin');
  mkdirSync(bin, { recursive: true, mode: 0o700 });
  for (const [name, target] of [
    ['oj', 'oj.cjs'],
    ['oj-fake-agent', 'oj-fake-agent.js'],
  ] as const) {
    const shim = join(bin, name);
    const text = `#!/bin/sh\nexec '${process.execPath}' '${join(root, 'bin', target)}' "$@"\n`;
    writeFileSync(shim, text);
    chmodSync(shim, 0o755);
  }
  if (!path) return bin;
  return path.split(':').includes(bin) ? path : `${bin}:${path}`;
}

/** The oj checkout or install this code runs from (the directory holding bin/oj.cjs). */
function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'bin', 'oj.cjs')) && existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return null;
}
