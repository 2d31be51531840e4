// The fake agent's command line: Claude Code's flags that matter to oj (session id, settings,
// resume, print mode) plus --scenario. Claude flags it has no use for are accepted and skipped;
// unknown ones are listed for the trace. Pure.
import { FakeAgentError } from './errors.js';
import { OUTPUT_FORMATS } from './print-output.js';
import type { OutputFormat } from './print-output.js';

export interface FakeAgentOptions {
  scenario: string | undefined;
  sessionId: string | undefined;
  settings: string | undefined;
  resume: string | undefined;
  print: boolean;
  outputFormat: OutputFormat;
  permissionMode: string | undefined;
  prompt: string | undefined;
  help: boolean;
  version: boolean;
  /** Flags (and extra positionals) it did not recognise, as written. */
  unknown: string[];
}

// Claude flags that take a value but change nothing in the fake: consumed so the value is not
// mistaken for the prompt.
const IGNORED_WITH_VALUE = new Set([
  '--model',
  '--fallback-model',
  '--allowedTools',
  '--allowed-tools',
  '--disallowedTools',
  '--disallowed-tools',
  '--append-system-prompt',
  '--system-prompt',
  '--add-dir',
  '--mcp-config',
  '--input-format',
  '--max-turns',
  '--agents',
  '--setting-sources',
]);
const IGNORED_BOOLEAN = new Set(['--verbose', '--debug', '--strict-mcp-config', '--ide']);

/** Parses argv (without node and script). Throws FakeAgentError BAD_ARGS on a malformed flag. */
export function parseArgs(argv: readonly string[]): FakeAgentOptions {
  const options: FakeAgentOptions = {
    scenario: undefined,
    sessionId: undefined,
    settings: undefined,
    resume: undefined,
    print: false,
    outputFormat: 'text',
    permissionMode: undefined,
    prompt: undefined,
    help: false,
    version: false,
    unknown: [],
  };
  let i = 0;
  const positional = (arg: string): void => {
    if (options.prompt === undefined) options.prompt = arg;
    else options.unknown.push(arg);
  };
  while (i < argv.length) {
    const arg = argv[i++] as string;
    if (arg === '--') {
      for (const rest of argv.slice(i)) positional(rest);
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const attached = name === arg ? undefined : arg.slice(eq + 1);
    const value = (): string => {
      if (attached !== undefined) return attached;
      const next = argv[i++];
      if (next === undefined)
        throw new FakeAgentError('BAD_ARGS', `flag "${name}" needs a value; e.g. ${name} <value>`);
      return next;
    };
    switch (name) {
      case '--scenario':
        options.scenario = value();
        break;
      case '--session-id':
        options.sessionId = value();
        break;
      case '--settings':
        options.settings = value();
        break;
      case '-r':
      case '--resume':
        options.resume = value();
        break;
      case '-p':
      case '--print':
        options.print = true;
        break;
      case '--output-format': {
        const format = value();
        if (!(OUTPUT_FORMATS as readonly string[]).includes(format))
          throw new FakeAgentError(
            'BAD_ARGS',
            `--output-format "${format}" is not supported; use one of ${OUTPUT_FORMATS.join(', ')}`,
          );
        options.outputFormat = format as OutputFormat;
        break;
      }
      case '--permission-mode':
        options.permissionMode = value();
        break;
      case '--dangerously-skip-permissions':
        options.permissionMode = 'bypassPermissions';
        break;
      case '-h':
      case '--help':
        options.help = true;
        break;
      case '-v':
      case '--version':
        options.version = true;
        break;
      default:
        if (IGNORED_WITH_VALUE.has(name)) value();
        else if (!IGNORED_BOOLEAN.has(name)) options.unknown.push(arg);
    }
  }
  return options;
}

export const USAGE = `Usage: oj-fake-agent [options] [prompt]

A deterministic stand-in for Claude Code, driven by a scenario file.

Options:
  --scenario <file.toml>      the scenario (or $FAKE_AGENT_SCENARIO)
  --session-id <uuid>         session id (default: [agent] session_id, else derived)
  --settings <file|json>      Claude settings; only "hooks" is read
  -r, --resume <id>           continue the session log of <id>
  -p, --print                 run one exchange, print the result, exit
  --output-format <format>    text | json | stream-json (print mode)
  --permission-mode <mode>    reported to hooks; bypassPermissions skips dialogs
  --dangerously-skip-permissions
  -v, --version               print the version
Environment: FAKE_AGENT_TRACE (trace file), CLAUDE_CONFIG_DIR, OJ_CLI (default "oj").
`;
