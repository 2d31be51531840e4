// The `oj` command line: parses argv with commander and loads each command's module only when that
// command runs, so `oj --help` stays fast (heavy modules such as zod are never imported for it).
import { Command, CommanderError, Option } from 'commander';
import { registerEngineCommands } from './engine.commands.js';
import { registerAgentCommands } from './agent.commands.js';
import { CliError, EXIT, reportError } from './errors.js';

declare const OJ_VERSION: string | undefined;

const outputOption = () =>
  new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text');

function buildProgram(): Command {
  const program = new Command('oj')
    .description('odd jobs: an automated team of AI coding agents, driven by runbooks')
    .version(typeof OJ_VERSION === 'string' ? OJ_VERSION : '0.0.0-dev', '-V, --version')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .exitOverride()
    .hook('preAction', (_program, action) => refuseEmptyArguments(action));

  const runbook = program.command('runbook').description('check, list, show and graph runbooks');
  runbook
    .command('check')
    .description(
      "validate runbooks (the project's .oj/runbooks, or the given files); exit 2 on errors",
    )
    .argument('[paths...]', 'runbook files to check together')
    .addOption(outputOption())
    .action(async (paths: string[], opts: { output: string }) => {
      const { checkCommand } = await import('./runbook.command.js');
      return checkCommand(paths, opts);
    });
  runbook
    .command('list')
    .description('list every entrypoint and building block with its file')
    .addOption(outputOption())
    .action(async (opts: { output: string }) => {
      const { listCommand } = await import('./runbook.command.js');
      return listCommand(opts);
    });
  runbook
    .command('show')
    .description('show one primitive as compiled (name, kind.name or runbook.name)')
    .argument('<name>')
    .addOption(outputOption())
    .action(async (name: string, opts: { output: string }) => {
      const { showCommand } = await import('./runbook.command.js');
      return showCommand(name, opts);
    });
  runbook
    .command('graph')
    .description("print a pipeline's state machine as Graphviz dot or JSON")
    .argument('<pipeline>')
    .addOption(
      new Option('--format <format>', 'graph format').choices(['dot', 'json']).default('dot'),
    )
    .action(async (name: string, opts: { format: 'dot' | 'json' }) => {
      const { graphCommand } = await import('./runbook.command.js');
      return graphCommand(name, opts);
    });

  program
    .command('run')
    .description(
      'run a runbook command: oj run <command> [args...]  (oj run <command> --help for its usage)',
    )
    .argument('<command>')
    .argument('[args...]')
    .helpOption(false) // `oj run deploy --help` is the command's own usage, not commander's
    .allowUnknownOption()
    .passThroughOptions()
    .action(async (command: string, args: string[]) => {
      const { runCommand } = await import('./run.command.js');
      return runCommand(command, args);
    });

  const daemon = program
    .command('daemon')
    .description('start, stop and inspect the daemon (ojd) of the state dir ($OJ_STATE_DIR)');
  daemon
    .command('start')
    .description('start ojd in the background (or report the one running); exit when it answers')
    .option('--foreground', 'run ojd in this process, logging to stderr too, until stopped')
    .action(async (opts: { foreground?: boolean }) => {
      const { daemonStartCommand } = await import('./daemon.command.js');
      return daemonStartCommand(opts);
    });
  daemon
    .command('stop')
    .description(
      'stop ojd gracefully (it drains running work); SIGKILL if it does not stop in time',
    )
    .option('--kill', 'SIGKILL it at once and remove its socket and pid file')
    .action(async (opts: { kill?: boolean }) => {
      const { daemonStopCommand } = await import('./daemon.command.js');
      return daemonStopCommand(opts);
    });
  daemon
    .command('status')
    .description('whether ojd is running (exit 0) or not (exit 1), with pid, version and uptime')
    .addOption(outputOption())
    .action(async (opts: { output: string }) => {
      const { daemonStatusCommand } = await import('./daemon.command.js');
      return daemonStatusCommand(opts);
    });
  daemon
    .command('logs')
    .description("print ojd's log (no daemon needed); -f follows it until Ctrl-C")
    .option('-f, --follow', 'keep printing what is appended')
    .option('-n, --lines <n>', 'only the last n lines')
    .action(async (opts: { follow?: boolean; lines?: string }) => {
      const { daemonLogsCommand } = await import('./daemon.command.js');
      return daemonLogsCommand(opts);
    });
  program
    .command('init')
    .description(
      'write the standard runbooks, templates and fake-agent scenarios into .oj/runbooks/',
    )
    .option('--force', 'overwrite files that already exist')
    .action(async (opts: { force?: boolean }) =>
      (await import('./init.command.js')).initCommand(opts),
    );
  program
    .command('mcp')
    .description('serve oj to other agents over MCP (stdio)')
    .action(async () => (await import('./mcp.command.js')).mcpCommand());
  program
    .command('completion')
    .description('print a shell completion script: oj completion bash|zsh')
    .argument('<shell>', 'bash or zsh')
    .action(async (shell: string) =>
      (await import('./completion.command.js')).completionCommand(shell, program),
    );
  registerEngineCommands(program);
  registerAgentCommands(program);
  return program;
}

/** An empty `<id>` or `<name>` (e.g. from an unset shell variable) is a usage error, said here. */
function refuseEmptyArguments(action: Command): void {
  action.registeredArguments.forEach((arg, i) => {
    const value: unknown = action.processedArgs[i];
    const values = Array.isArray(value) ? (value as unknown[]) : [value];
    if (!arg.required || !values.includes('')) return;
    const path: string[] = [];
    for (let c: Command | null = action; c?.parent; c = c.parent) path.unshift(c.name());
    throw new CliError(
      'USAGE',
      `${path.join(' ')}: <${arg.name()}> is empty (an unset shell variable?)`,
      EXIT.usage,
    );
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are "errors" in commander's exitOverride mode.
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      )
        return EXIT.ok;
      return EXIT.usage; // commander already printed the message
    }
    return reportError(err);
  }
}

process.exitCode = await main(process.argv.slice(2));
