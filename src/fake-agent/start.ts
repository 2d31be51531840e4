// Wires one fake-agent process: argv and scenario, session log, hooks, trace, terminal, signals;
// then runs the session and exits. Setup problems exit 2 (1 for an unknown --resume id) with a
// message on stderr naming the culprit.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { constants } from 'node:os';
import { runAgent } from './agent.js';
import { parseArgs, USAGE } from './args.js';
import type { FakeAgentOptions } from './args.js';
import { deriveUuid, FakeClock } from './clock.js';
import type { AgentContext } from './context.js';
import { FakeAgentError } from './errors.js';
import { HookRunner, loadSettings } from './hooks.js';
import { Input } from './input.js';
import { idlePanel } from './panels.js';
import { PrintOutput } from './print-output.js';
import { parseScenario } from './scenario.js';
import { NullScreen, TtyScreen } from './screen.js';
import { SessionLog, sessionLogPath } from './session-log.js';
import { createTrace } from './trace.js';
import type { AgentState, Trace } from './trace.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HANDLED_SIGNALS = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;

/** Runs the fake agent for `argv` (without node and script); never returns. */
export async function startFakeAgent(argv: readonly string[]): Promise<never> {
  const trace = createTrace(process.env.FAKE_AGENT_TRACE);
  try {
    const options = parseArgs(argv);
    if (options.help || options.version) {
      process.stdout.write(options.help ? USAGE : '2.1.29 (Claude Code, fake)\n');
      return process.exit(0);
    }
    const ctx = createContext(options, trace);
    const prompt =
      options.print && options.prompt === undefined ? readStdinPrompt() : options.prompt;
    if (options.print && prompt === undefined)
      throw new FakeAgentError(
        'BAD_ARGS',
        'print mode (-p) needs a prompt, as an argument or on stdin',
      );
    if (prompt !== undefined) trace.write({ type: 'prompt', text: prompt });
    ctx.printer?.init(ctx);
    const code = await runAgent(ctx, { prompt, resumed: options.resume !== undefined });
    return ctx.exit(code);
  } catch (err) {
    const known = err instanceof FakeAgentError;
    const code = known ? (err.code === 'NO_SESSION' ? 1 : 2) : 3;
    process.stderr.write(
      `oj-fake-agent: ${known ? err.message : String((err as Error).stack ?? err)}\n`,
    );
    trace.write({ type: 'exit', code });
    return process.exit(code);
  }
}

function readScenario(file: string | undefined) {
  if (!file)
    throw new FakeAgentError(
      'BAD_SCENARIO',
      'no scenario: pass --scenario <file.toml> or set FAKE_AGENT_SCENARIO',
    );
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new FakeAgentError(
      'BAD_SCENARIO',
      `scenario "${file}" cannot be read (${why}); check the path`,
      {
        cause: err,
      },
    );
  }
  return { text, scenario: parseScenario(text, file) };
}

function createContext(options: FakeAgentOptions, trace: Trace): AgentContext {
  const env = process.env;
  const { text, scenario } = readScenario(options.scenario ?? env.FAKE_AGENT_SCENARIO);
  for (const [flag, id] of [
    ['--session-id', options.sessionId],
    ['--resume', options.resume],
  ] as const) {
    if (id !== undefined && !UUID.test(id))
      throw new FakeAgentError('BAD_ARGS', `${flag} "${id}" is not a UUID; pass a session UUID`);
  }
  const cwd = realpathSync(process.cwd());
  const sessionId =
    options.resume ??
    options.sessionId ??
    scenario.agent.session_id ??
    deriveUuid('session', text, cwd);
  const logPath = sessionLogPath(env, cwd, sessionId);
  if (options.resume !== undefined && !existsSync(logPath))
    throw new FakeAgentError(
      'NO_SESSION',
      `No conversation found with session ID: ${options.resume}`,
    );
  const settings = loadSettings(options.settings);
  const tty = process.stdin.isTTY === true;
  const printer = options.print
    ? new PrintOutput(options.outputFormat, (line) => process.stdout.write(line))
    : undefined;
  const screen = printer
    ? new NullScreen()
    : new TtyScreen(
        (data) => process.stdout.write(data),
        () => process.stdout.columns ?? 100,
      );
  const clock = new FakeClock(scenario.agent.clock, scenario.agent.clock_step_ms);
  const log = new SessionLog(
    {
      path: logPath,
      sessionId,
      cwd,
      version: scenario.agent.version,
      model: scenario.agent.model,
      clock,
      onEntry: (entry) => printer?.entry(sessionId, entry),
    },
    options.resume !== undefined,
  );
  let state: AgentState | undefined;
  let exiting = false;
  const exit = (code: number): never => {
    if (!exiting) {
      exiting = true;
      trace.write({ type: 'exit', code });
      screen.close();
      if (tty) process.stdin.setRawMode(false);
    }
    return process.exit(code);
  };
  const input = new Input({
    trace,
    enterInPaste: scenario.agent.enter_in_paste,
    pasteWindowMs: scenario.timing.paste_window_ms,
    onBufferChange: (buffer, hint) => screen.panel(idlePanel(buffer, screen.width, hint)),
    onInterrupt: () => ctx.interrupt?.(),
    onQuit: () => exit(0),
    onEndInDialog: () => exit(0),
  });
  const permissionMode = options.permissionMode ?? 'default';
  const ctx: AgentContext = {
    scenario,
    cwd,
    env,
    sessionId,
    permissionMode,
    log,
    hooks: new HookRunner({
      settings,
      cwd,
      trace,
      base: () => ({
        session_id: sessionId,
        transcript_path: logPath,
        cwd,
        permission_mode: permissionMode,
      }),
    }),
    trace,
    screen,
    input,
    printer,
    allowedTools: new Set(),
    ignoring: new Set(),
    lastText: '',
    failure: undefined,
    interrupt: undefined,
    setState(next) {
      if (next === state) return;
      state = next;
      trace.write({ type: 'state', state: next });
    },
    writeOut: (data) => void process.stdout.write(data),
    exit,
  };
  trace.write({
    type: 'start',
    argv: process.argv.slice(2),
    env: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('OJ_'))) as Record<
      string,
      string
    >,
    cwd,
    pid: process.pid,
    sessionId,
    logPath,
    print: options.print,
    unknownFlags: options.unknown,
  });
  // A closed terminal (the host went away) must not turn a clean exit into an EIO crash.
  process.stdout.on('error', () => undefined);
  for (const signal of HANDLED_SIGNALS) {
    process.on(signal, () => {
      const ignored = ctx.ignoring.has(signal);
      trace.write({ type: 'signal', signal, ignored });
      if (!ignored) exit(128 + constants.signals[signal]);
    });
  }
  if (!printer) {
    if (tty) process.stdin.setRawMode(true);
    process.stdin.on('data', (chunk: Buffer) => input.feed(chunk));
    process.stdin.on('end', () => input.end());
    process.stdin.on('error', () => input.end());
    process.stdin.resume();
    const resumed = options.resume ? ` (resumed ${options.resume})` : '';
    screen.transcript(['✻ Welcome to Claude Code!', '', `  cwd: ${cwd}${resumed}`, '']);
  }
  return ctx;
}

/** `claude -p` with no prompt argument reads it from stdin. */
function readStdinPrompt(): string | undefined {
  if (process.stdin.isTTY) return undefined;
  try {
    const text = readFileSync(0, 'utf8').trim();
    return text || undefined;
  } catch {
    return undefined;
  }
}
