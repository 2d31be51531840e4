// Prunes optional platform packages that this machine's registry does not serve from
// package-lock.json, so `npm ci` accepts the lock. npm records every optionalDependency a package
// declares, but writes no entry for one it cannot fetch (here: msgpackr-extract's darwin, win32
// and linux-arm builds, which the registry answers with 404); `npm ci` then refuses the lock as
// out of sync. Run after `npm install` changes the lock: `node scripts/fix-lock.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const present = new Set(Object.keys(lock.packages));
let pruned = 0;
for (const [key, entry] of Object.entries(lock.packages)) {
  if (!entry.optionalDependencies) continue;
  for (const name of Object.keys(entry.optionalDependencies)) {
    // Resolution looks beside the package first, then at the top level.
    const nested = `${key}/node_modules/${name}`;
    if (present.has(nested) || present.has(`node_modules/${name}`)) continue;
    delete entry.optionalDependencies[name];
    pruned++;
  }
}
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: pruned ${pruned} optional dependencies with no lock entry`);
