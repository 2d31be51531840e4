// `oj run <command> [args]`: binds arguments by the command's spec, then runs its shell script in the
// project directory with every value shell-escaped. `oj run <command> --help` prints its usage.
import { spawn } from 'node:child_process';
import { bindArgs, formatUsage, interpolateShell, suggest } from '../runbook/index.js';
import type { CommandDef } from '../runbook/index.js';
import { CliError, EXIT, usageError } from './errors.js';
import { loadValidRunbooks } from './project.js';
import { stateDir } from './root.js';
import { withOjShims } from '../runtime/index.js';

export async function runCommand(name: string, argv: string[]): Promise<void> {
  const loaded = loadValidRunbooks();
  const root = loaded.root as string;
  const commands = Object.values(loaded.project.command);
  const command = commands.find((c) => c.name === name || c.qualified === name);
  if (!command) {
    const close = suggest(
      name,
      commands.map((c) => c.name),
    );
    const known = commands.map((c) => c.name).join(', ') || 'none';
    throw usageError(
      `unknown command "${name}"${close ? `; did you mean "${close}"?` : ''} (commands: ${known})`,
    );
  }
  const dashDash = argv.indexOf('--');
  const flags = dashDash === -1 ? argv : argv.slice(0, dashDash);
  if (flags.includes('--help') || flags.includes('-h')) {
    process.stdout.write(`${formatUsage(command.name, command.args, command.description)}\n`);
    return;
  }
  // `--wait` belongs to oj (wait for the pipeline, with progress) unless the command declares it.
  const ownsWait = command.args.flags.some((f) => f.name === 'wait');
  const wait = command.run.kind === 'pipeline' && !ownsWait && flags.includes('--wait');
  if (wait) argv = argv.filter((a, i) => a !== '--wait' || (dashDash !== -1 && i > dashDash));
  const bound = bindArgs(command.args, argv, command.name);
  if (!bound.ok) throw usageError(`${bound.error.message}\n(see: oj run ${command.name} --help)`);
  if (command.run.kind === 'pipeline') {
    const id = await startPipeline(root, command.run.pipeline, bound.args);
    if (wait) await (await import('./pipeline.command.js')).waitPipelines([id], { output: 'text' });
    return;
  }
  const vars = { ...varsOf(bound.args), project: root, state_dir: stateDir() };
  await runScript(command, interpolateShell(command.run.script, vars), root, vars.state_dir);
}

/** A `run = { pipeline = "…" }` command: the daemon starts the pipeline with the bound args as inputs. */
async function startPipeline(
  root: string,
  pipeline: string,
  args: Record<string, unknown>,
): Promise<string> {
  const inputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(args)) inputs[k] = Array.isArray(v) ? v.join(' ') : String(v);
  const { call } = await import('./call.js');
  const p = await call<{ id: string; name: string }>('pipeline.create', {
    project: root,
    pipeline,
    inputs,
  });
  process.stdout.write(`${p.id}  ${p.name}\n`);
  return p.id;
}

/** Flags like `--dry-run` are also readable as `{dry_run}`. */
function varsOf(args: Record<string, unknown>): Record<string, unknown> {
  const vars: Record<string, unknown> = { ...args };
  for (const [k, v] of Object.entries(args)) vars[k.replace(/-/g, '_')] = v;
  return vars;
}

function runScript(command: CommandDef, script: string, cwd: string, state: string): Promise<void> {
  const env = {
    ...process.env,
    PATH: withOjShims(state, process.env.PATH), // nested `oj …` calls reach the same daemon
    OJ_PROJECT: cwd,
    OJ_STATE_DIR: state,
    OJ_COMMAND: command.name,
  };
  const child = spawn('/bin/sh', ['-c', script], { cwd, env, stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.on('error', (err) =>
      reject(
        new CliError(
          'SPAWN_FAILED',
          `could not start /bin/sh for command "${command.name}": ${err.message}`,
          EXIT.failed,
          { cause: err },
        ),
      ),
    );
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new CliError(
            'COMMAND_FAILED',
            `command "${command.name}" ${signal ? `was killed by ${signal}` : `exited with code ${code}`}`,
            EXIT.failed,
          ),
        );
    });
  });
}
