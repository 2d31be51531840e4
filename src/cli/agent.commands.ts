// Registers the agent commands: `oj session …`, `oj decision …`, `oj workspace …` and `oj done`. Each action
// imports its module only when it runs.
import { Option } from 'commander';
import type { Command } from 'commander';

const output = () =>
  new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text');
type Out = { output: string };

export function registerAgentCommands(program: Command): void {
  const session = program
    .command('session')
    .description('agent sessions: list, inspect, talk to, attach to, kill');
  session
    .command('list')
    .description('the agent registry: pipeline, state, idle time, restarts, health')
    .option('--all', 'every project served by this daemon')
    .addOption(output())
    .action(async (opts: Out & { all?: boolean }) =>
      (await import('./session.command.js')).listSessions(opts),
    );
  session
    .command('idle-time')
    .description('seconds since the agent last produced output')
    .argument('<id>', 'session id (any unique prefix) or its pipeline id')
    .option('--over <duration>', 'print nothing; exit 0 if idle at least this long (5m), else 1')
    .addOption(output())
    .action(async (id: string, opts: Out & { over?: string }) =>
      (await import('./session.command.js')).idleTime(id, opts),
    );
  for (const [verb, description] of [
    ['show', 'one session: its pipeline, state, generation, host and recent supervision log'],
    ['peek', "print the agent's screen as it is now"],
    ['kill', 'stop the agent (graceful, then its whole process group); its on_exit policy applies'],
  ] as const)
    session
      .command(verb)
      .description(description)
      .argument('<id>', 'session id (any unique prefix) or its pipeline id')
      .addOption(output())
      .action(async (id: string, opts: Out) =>
        (await import('./session.command.js')).sessionOp(verb, id, opts),
      );
  session
    .command('send')
    .description('type text into the agent, then Enter (sent separately)')
    .argument('<id>')
    .argument('<text...>')
    .option('--no-enter', 'type the text without pressing Enter')
    .addOption(output())
    .action(async (id: string, text: string[], opts: Out & { enter: boolean }) =>
      (await import('./session.command.js')).sendToSession(id, text.join(' '), opts),
    );
  session
    .command('nudge')
    .description('poke an idle agent with a message (default: continue, then oj done)')
    .argument('<id>')
    .argument('[message...]')
    .addOption(output())
    .action(async (id: string, message: string[], opts: Out) =>
      (await import('./session.command.js')).nudgeSession(id, message.join(' '), opts),
    );
  session
    .command('continue')
    .description(
      'follow up with an agent: a live one gets the message; a finished one resumes its conversation',
    )
    .argument('<id>', 'session id, or the pipeline whose last agent phase to continue')
    .argument('<message...>')
    .addOption(output())
    .action(async (id: string, message: string[], opts: Out) =>
      (await import('./session.command.js')).continueSession(id, message.join(' '), opts),
    );
  session
    .command('attach')
    .description('interactive terminal on the agent; Ctrl-] detaches (the agent keeps running)')
    .argument('<id>')
    .action(async (id: string) => (await import('./attach.command.js')).attachSession(id));

  const decision = program
    .command('decision')
    .description('what waits for a human: list, show, resolve');
  decision
    .command('list')
    .description('open decisions with their options')
    .option('--all', 'every project served by this daemon')
    .addOption(output())
    .action(async (opts: Out & { all?: boolean }) =>
      (await import('./decision.command.js')).listDecisions(opts),
    );
  decision
    .command('show')
    .argument('<id>')
    .description('one decision: its cause, detail and options')
    .addOption(output())
    .action(async (id: string, opts: Out) =>
      (await import('./decision.command.js')).showDecision(id, opts),
    );
  decision
    .command('resolve')
    .description('choose an option; the pipeline resumes accordingly')
    .argument('<id>')
    .argument('<option>')
    .option('-m, --message <text>', 'a message for the agent (nudge, retry)')
    .addOption(output())
    .action(async (id: string, option: string, opts: Out & { message?: string }) =>
      (await import('./decision.command.js')).resolveDecision(id, option, opts),
    );

  const workspace = program
    .command('workspace')
    .description('git worktrees owned by pipelines: list, show, drop, prune');
  workspace
    .command('list')
    .description("workspaces with their pipeline's status")
    .option('--all', 'every project served by this daemon')
    .option('--orphaned', 'only leftovers: of finished pipelines, or of no pipeline at all')
    .addOption(output())
    .action(async (opts: Out & { all?: boolean; orphaned?: boolean }) =>
      (await import('./workspace.command.js')).listWorkspaces(opts),
    );
  workspace
    .command('show')
    .argument('<id>')
    .description('one workspace: path, pipeline, status')
    .addOption(output())
    .action(async (id: string, opts: Out) =>
      (await import('./workspace.command.js')).showWorkspace(id, opts),
    );
  workspace
    .command('drop')
    .argument('<id>')
    .description('remove a workspace (refused while its pipeline is active unless --force)')
    .option('--force', 'remove it even though its pipeline is still active')
    .addOption(output())
    .action(async (id: string, opts: Out & { force?: boolean }) =>
      (await import('./workspace.command.js')).dropWorkspace(id, opts),
    );
  workspace
    .command('prune')
    .description('remove workspaces of finished pipelines and ones no pipeline knows')
    .option('--dry-run', 'only say what would be removed')
    .addOption(output())
    .action(async (opts: Out & { dryRun?: boolean }) =>
      (await import('./workspace.command.js')).pruneWorkspaces(opts),
    );

  program
    .command('dashboard')
    .description(
      'serve the live dashboard and HTTP API on 127.0.0.1; prints the URL with its token',
    )
    .option('--port <n>', 'the port (default: a free one)')
    .option('--no-open', 'do not open a browser')
    .addOption(output())
    .action(async (opts: Out & { port?: string; open: boolean }) =>
      (await import('./dashboard.command.js')).dashboardCommand(opts),
    );

  program
    .command('prune')
    .description('remove finished pipelines with their logs and worktrees (never running ones)')
    .option('--dry-run', 'only list what would be removed')
    .option('--status <statuses>', 'which finished statuses (default done,failed,cancelled)')
    .option('--max-age <duration>', 'only pipelines that ended at least this long ago (7d)')
    .option('--worktrees', 'also worktrees no pipeline knows')
    .option('--sessions', 'also session files of agents that are gone')
    .option('--all', 'all of the above, for every project of this daemon')
    .addOption(output())
    .action(async (opts: Out & Record<string, unknown>) =>
      (await import('./prune.command.js')).pruneCommand(opts as never),
    );

  program
    .command('done')
    .description('from inside a phase command or agent: complete the current phase')
    .option('--error <why>', 'fail the phase instead, with this reason')
    .action(async (opts: { error?: string }) =>
      (await import('./decision.command.js')).doneCommand(opts),
    );
}
