// Runs every benchmark in bench/ in turn (`npm run bench`).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
let failed = 0;
for (const script of [
  'startup.mjs',
  'journal.mjs',
  'phases.mjs',
  'daemon.mjs',
  'wake.mjs',
  'agents.mjs',
  'load.mjs',
]) {
  const r = spawnSync(process.execPath, [`${dir}${script}`, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
