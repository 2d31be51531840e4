// `list_commands` and `run_command`: the project's runbook commands, bound exactly as `oj run` binds
// them; a pipeline command starts a pipeline on the daemon, a shell command runs here.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { bindArgs, formatUsageLine, interpolateShell, suggest } from '../runbook/index.js';
import type { BoundArgs, CommandDef } from '../runbook/index.js';
import type { OjMcpDeps } from './deps.js';
import { McpToolError } from './errors.js';
import { toArgv } from './named-args.js';
import { addTool, toJsonResult } from './tool.js';

const DEFAULT_TIMEOUT_S = 300; // a shell command's default limit; pipelines run on the daemon
const MAX_TIMEOUT_S = 3_600;

const NamedValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);

export function registerRunTools(server: McpServer, deps: OjMcpDeps): void {
  addTool(
    server,
    'list_commands',
    {
      title: 'List runbook commands',
      description:
        "The project's runbook commands (what run_command can run): name, description, usage line, " +
        'whether it starts a pipeline or runs a shell script, and its positional arguments and flags.',
      input: {},
      annotations: { readOnlyHint: true },
    },
    async () => toJsonResult({ commands: deps.loadCommands().map(describeCommand) }),
    deps.log,
  );

  addTool(
    server,
    'run_command',
    {
      title: 'Run a runbook command',
      description:
        'Runs a runbook command like `oj run <command> [args]`. Give arguments either as `args`, the ' +
        'argv words (["prod", "--tag", "v1", "api"]), or as `named` ({"env": "prod", "tag": "v1", ' +
        '"force": true, "targets": ["api"]}); use `args` for positionals and `named` for flags when ' +
        'mixing. A pipeline command starts a pipeline and returns its id and name (follow it with ' +
        'show_pipeline or wait_pipeline); a shell command runs in the project directory and returns ' +
        'its exit code, stdout and stderr (isError when it exits non-zero or times out). ' +
        'list_commands shows the commands and their arguments.',
      input: {
        command: z.string().min(1).describe('the runbook command name, e.g. "deploy"'),
        args: z
          .array(z.string())
          .optional()
          .describe('argv words exactly as typed after `oj run <command>`'),
        named: z
          .record(z.string(), NamedValue)
          .optional()
          .describe(
            'arguments by name: strings for values, true/false for flags, a list for a variadic',
          ),
        timeout_seconds: z
          .number()
          .int()
          .min(1)
          .max(MAX_TIMEOUT_S)
          .optional()
          .describe(`shell commands only: kill it after this long (default ${DEFAULT_TIMEOUT_S})`),
      },
      annotations: { destructiveHint: true, openWorldHint: true },
    },
    async (input) => {
      const root = deps.projectRoot();
      const command = findCommand(deps.loadCommands(), input.command);
      const bound = bindArgs(command.args, toCommandArgv(command, input), command.name);
      if (!bound.ok) throw new McpToolError('BAD_ARGS', bound.error.message);
      if (command.run.kind === 'pipeline') {
        const created = (await deps.call('pipeline.create', {
          project: root,
          pipeline: command.run.pipeline,
          inputs: toInputs(bound.args),
        })) as { id: string; name: string; status?: string };
        return toJsonResult({
          kind: 'pipeline',
          command: command.name,
          id: created.id,
          name: created.name,
          status: created.status,
        });
      }
      const stateDir = deps.stateDir();
      const vars = { ...toVars(bound.args), project: root, state_dir: stateDir };
      const result = await deps.runShell({
        command: command.name,
        script: interpolateShell(command.run.script, vars),
        cwd: root,
        env: {
          ...deps.env,
          PATH: deps.shellPath(stateDir),
          OJ_PROJECT: root,
          OJ_STATE_DIR: stateDir,
          OJ_COMMAND: command.name,
        },
        timeoutMs: (input.timeout_seconds ?? DEFAULT_TIMEOUT_S) * 1000,
        ...(deps.signal ? { signal: deps.signal } : {}),
      });
      const failed = result.timedOut || result.exitCode !== 0;
      return toJsonResult({ kind: 'shell', command: command.name, ...result }, failed);
    },
    deps.log,
  );
}

function findCommand(commands: readonly CommandDef[], name: string): CommandDef {
  const command = commands.find((c) => c.name === name || c.qualified === name);
  if (command) return command;
  const names = commands.map((c) => c.name);
  const close = suggest(name, names);
  throw new McpToolError(
    'UNKNOWN_COMMAND',
    `unknown command "${name}"${close ? `; did you mean "${close}"?` : ''} (commands: ${names.join(', ') || 'none'}; list_commands describes them)`,
  );
}

function toCommandArgv(
  command: CommandDef,
  input: { args?: string[] | undefined; named?: Record<string, z.infer<typeof NamedValue>> },
): string[] {
  const args = input.args ?? [];
  if (!input.named) return args;
  const positional = command.args.positionals.find((p) =>
    Object.keys(input.named ?? {}).some((k) => k === p.name || k.replace(/_/g, '-') === p.name),
  );
  if (positional && args.length)
    throw new McpToolError(
      'BAD_ARGS',
      `"${positional.name}" is a positional argument of "${command.name}": give positionals either in "args" or in "named", not both`,
    );
  const named = toArgv(command.args, input.named, command.name);
  if (!named.ok) throw new McpToolError('BAD_ARGS', named.message);
  // Named flags go first, so `args` may still hold positionals (and a `--` of its own).
  return [...named.argv, ...args];
}

/** Pipeline inputs are strings: a variadic's words are joined with spaces, as `oj run` does. */
function toInputs(args: BoundArgs): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(args)) inputs[k] = Array.isArray(v) ? v.join(' ') : String(v);
  return inputs;
}

/** Flags like `--dry-run` are also readable as `{dry_run}` in the script. */
function toVars(args: BoundArgs): Record<string, unknown> {
  const vars: Record<string, unknown> = { ...args };
  for (const [k, v] of Object.entries(args)) vars[k.replace(/-/g, '_')] = v;
  return vars;
}

function describeCommand(c: CommandDef) {
  return {
    name: c.name,
    description: c.description ?? null,
    usage: formatUsageLine(c.name, c.args),
    runs: c.run.kind === 'pipeline' ? { pipeline: c.run.pipeline } : 'shell',
    positionals: c.args.positionals,
    flags: c.args.flags.map((f) => ({
      name: f.name,
      takesValue: f.takesValue,
      required: f.required,
      ...(f.short.length ? { short: f.short } : {}),
      ...(f.default !== undefined ? { default: f.default } : {}),
    })),
  };
}
