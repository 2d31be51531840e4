// `oj init`: writes `.oj/runbooks/` into a project — the standard runbooks, their prompt templates
// and the fake-agent scenarios (used when OJ_FAKE_AGENTS points at them). Never overwrites a file
// unless --force.
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from './errors.js';

export async function initCommand(opts: { force?: boolean; dir?: string }): Promise<void> {
  const root = opts.dir ?? process.cwd();
  const source = shippedRunbooks();
  const target = join(root, '.oj', 'runbooks');
  mkdirSync(target, { recursive: true });
  const written: string[] = [];
  const kept: string[] = [];
  for (const file of walk(source)) {
    const to = join(target, relative(source, file));
    if (existsSync(to) && !opts.force) {
      kept.push(relative(root, to));
      continue;
    }
    mkdirSync(dirname(to), { recursive: true });
    cpSync(file, to);
    written.push(relative(root, to));
  }
  process.stdout.write(
    `${written.length ? `wrote ${written.length} files into .oj/runbooks/` : 'nothing to write'}` +
      `${kept.length ? ` (kept ${kept.length} existing; --force overwrites them)` : ''}\n` +
      'next: oj runbook list · oj run build <name> "<what to build>" ' +
      '(OJ_FAKE_AGENTS=.oj/runbooks/scenarios runs the fake agent instead of claude)\n',
  );
}

/** The `runbooks/` directory shipped with this oj (beside bin/ and dist/). */
function shippedRunbooks(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'runbooks');
    if (existsSync(join(candidate, 'build.toml'))) return candidate;
    dir = dirname(dir);
  }
  throw new CliError('NOT_INSTALLED', 'the standard runbooks are missing from this oj install');
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
