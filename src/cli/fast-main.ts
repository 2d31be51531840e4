// The CLI's fast path (dist/oj-fast.cjs, loaded by bin/oj.cjs): the commands people and scripts
// poll — `oj status` — run from this small CommonJS bundle without commander or the full CLI,
// which roughly halves what the CLI adds to Node's own start-up. Anything it does not recognise
// exactly (help, other flags, other commands) returns null and goes to the full CLI.
import { reportError } from './errors.js';
import { statusCommand } from './status.command.js';

const OUTPUTS = new Set(['text', 'json']);

/** The command `argv` names, ready to run (resolving to the exit code), or null for the full CLI. */
export function fastCommand(argv: readonly string[]): (() => Promise<number>) | null {
  const [command, ...rest] = argv;
  if (command !== 'status') return null;
  const output = outputOf(rest);
  if (output === null) return null;
  return () => statusCommand({ output }).then(() => 0, reportError);
}

/** `-o json`, `--output json`, `--output=json` or nothing; null for anything else. */
function outputOf(args: readonly string[]): string | null {
  if (args.length === 0) return 'text';
  const [flag, value] = args;
  if (args.length === 1 && flag?.startsWith('--output=')) {
    const format = flag.slice('--output='.length);
    return OUTPUTS.has(format) ? format : null;
  }
  if (args.length === 2 && (flag === '-o' || flag === '--output') && OUTPUTS.has(value ?? ''))
    return value as string;
  return null;
}
