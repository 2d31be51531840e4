// `oj daemon start|stop|status|logs`: run, stop and inspect the daemon (ojd) of the state dir.
// `logs` reads the log file directly, so it works whether or not the daemon is running.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  isDaemonProcess,
  isProcessAlive,
  readDaemonPid,
  readSocketPath,
  resolveStateDir,
  statePaths,
} from '../runtime/index.js';
import type { StatePaths } from '../runtime/index.js';
import { CLI_VERSION, connectDaemon, stopDaemon } from './client.js';
import { daemonEntry } from './daemon-process.js';
import { CliError, EXIT, usageError } from './errors.js';
import { formatElapsed } from './format.js';
import { printJson } from './output.js';
import type { DaemonStatus } from '../wire/index.js';

/** How often `logs -f` re-reads the file besides fs.watch (which misses events on some file systems). */
const LOG_POLL_MS = 250;

const paths = (): StatePaths => statePaths(resolveStateDir(process.env), process.env);

export async function daemonStartCommand(opts: { foreground?: boolean }): Promise<void> {
  const stateDir = resolveStateDir(process.env);
  if (opts.foreground) {
    // The daemon's own entry, run in this process: it logs to stderr too and exits when stopped.
    process.env.OJ_STATE_DIR = stateDir;
    process.env.OJ_DAEMON_FOREGROUND = '1';
    await import(pathToFileURL(daemonEntry()).href);
    return;
  }
  const client = await connectDaemon({ stateDir, version: CLI_VERSION });
  client.close();
  const { pid, version } = client.hello;
  const where = `state dir ${client.paths.root}`;
  if (client.origin === 'running')
    say(`ojd is already running (pid ${pid}, version ${version}, ${where})`);
  else if (client.replaced)
    say(
      `ojd restarted: pid ${client.replaced.pid} (version ${client.replaced.version}) replaced by pid ${pid} (version ${version})`,
    );
  else say(`ojd started (pid ${pid}, version ${version}, ${where})`);
}

export async function daemonStopCommand(opts: { kill?: boolean }): Promise<void> {
  const p = paths();
  const outcome = await stopDaemon(p, { kill: opts.kill === true });
  if (outcome.how === 'not-running') say('ojd is not running');
  else say(`ojd ${outcome.how} (pid ${outcome.pid})`);
  if (!opts.kill) return;
  // Sessions outlive the daemon on purpose; --kill is the way to end them all too.
  const { killAllSessions } = await import('../session/index.js');
  let killed = 0;
  await killAllSessions(p.root, () => void killed++);
  if (killed) say(`killed ${killed} agent session${killed === 1 ? '' : 's'}`);
}

/** Exit 0 when the daemon answers, 1 when it does not (DESIGN.md §4: the operation "failed"). */
export async function daemonStatusCommand(opts: { output: string }): Promise<void> {
  const p = paths();
  let problem: string;
  try {
    const client = await connectDaemon({
      stateDir: p.root,
      version: CLI_VERSION,
      autoStart: false,
      restartOnMismatch: false,
    });
    try {
      const status = await client.request('daemon.status');
      if (opts.output === 'json')
        return printJson({ running: true, ...status, cliVersion: CLI_VERSION });
      const note =
        status.version === CLI_VERSION
          ? ''
          : ` (this oj is ${CLI_VERSION}; "oj daemon start" replaces it)`;
      say(
        [
          'ojd is running',
          `  pid:      ${status.pid}`,
          `  version:  ${status.version}${note}`,
          `  uptime:   ${formatElapsed(status.uptimeMs)}`,
          `  state:    ${status.stateDir}`,
          `  socket:   ${status.socket}`,
          ...(status.eventLoop ? [`  loop:     ${describeLoad(status)}`] : []),
        ].join('\n'),
      );
      return;
    } finally {
      client.close();
    }
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    problem = err.code === 'DAEMON_NOT_RUNNING' ? '' : err.message;
  }
  process.exitCode = EXIT.failed;
  const pid = readDaemonPid(p.pid);
  const holder = pid !== undefined && isProcessAlive(pid) && isDaemonProcess(pid) ? pid : undefined;
  const socket = readSocketPath(p);
  if (opts.output === 'json')
    return printJson({
      running: false,
      stateDir: p.root,
      socket,
      pid: holder ?? null,
      problem: problem || null,
    });
  if (holder !== undefined)
    say(
      `ojd (pid ${holder}) is not answering on ${socket}${problem ? `: ${problem}` : ''}\n(see: oj daemon logs; restart it with: oj daemon stop --kill && oj daemon start)`,
    );
  else say(`ojd is not running (state dir ${p.root})${problem ? `: ${problem}` : ''}`);
}

/** Prints the daemon log (the last `lines` lines), then with `follow` prints what is appended until Ctrl-C. */
export async function daemonLogsCommand(opts: { follow?: boolean; lines?: string }): Promise<void> {
  const file = paths().log;
  const lines = opts.lines === undefined ? undefined : Number(opts.lines);
  if (lines !== undefined && !(Number.isInteger(lines) && lines >= 0))
    throw usageError(`--lines expects a whole number, got "${opts.lines}"`);
  if (!existsSync(file) && !opts.follow)
    throw new CliError(
      'NO_LOG',
      `no daemon log at ${file} yet: ojd has not run with this state dir`,
    );
  let offset = 0;
  if (existsSync(file)) {
    const bytes = readFileSync(file);
    offset = bytes.length;
    const text = bytes.toString('utf8');
    process.stdout.write(lines === undefined ? text : lastLines(text, lines));
  }
  if (opts.follow) await follow(file, offset);
}

function lastLines(text: string, n: number): string {
  if (n === 0) return '';
  const all = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return `${all.slice(-n).join('\n')}\n`;
}

/** Copies what is appended to `file` to stdout until Ctrl-C (or stdout closes); survives truncation. */
function follow(file: string, from: number): Promise<void> {
  return new Promise((done) => {
    let offset = from;
    let watcher: FSWatcher | undefined;
    const pump = () => {
      let fd: number;
      try {
        fd = openSync(file, 'r');
      } catch {
        return; // not there yet (or rotated away): the next poll looks again
      }
      try {
        const { size } = fstatSync(fd);
        if (size < offset) offset = 0; // truncated: start over
        const chunk = Buffer.alloc(size - offset);
        const read = chunk.length ? readSync(fd, chunk, 0, chunk.length, offset) : 0;
        offset += read;
        if (read) process.stdout.write(chunk.subarray(0, read));
        watcher ??= watchQuietly(file, pump);
      } finally {
        closeSync(fd);
      }
    };
    const timer = setInterval(pump, LOG_POLL_MS);
    const stop = () => {
      clearInterval(timer);
      watcher?.close();
      process.off('SIGINT', stop);
      done();
    };
    process.on('SIGINT', stop); // Ctrl-C is how following ends: exit 0
    process.stdout.on('error', stop); // e.g. piped into head
    pump();
  });
}

function watchQuietly(file: string, onChange: () => void): FSWatcher | undefined {
  try {
    return watch(file, { persistent: false }, onChange).on('error', () => {});
  } catch {
    return undefined; // polling alone still follows
  }
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** "delay p99 12 ms · main thread ran 4.1 s, waited 0.3 s for a CPU" */
function describeLoad(status: DaemonStatus): string {
  const loop = status.eventLoop;
  const delay = loop ? `delay p99 ${loop.p99.toFixed(1)} ms, max ${loop.max.toFixed(1)} ms` : '';
  const cpu = status.mainThread;
  if (!cpu) return delay;
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return `${delay} · main thread ran ${s(cpu.runMs)}, waited ${s(cpu.waitMs)} for a CPU`;
}
