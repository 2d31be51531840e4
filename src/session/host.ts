// SessionHost: one agent in a PTY — its screen, its state, the input gate, nudge/respond/kill, and
// the channels of connected clients. Runs in-process in tests; host-main.ts adds only the socket.
import pty from 'node-pty';
import type { IPty } from 'node-pty';
import { HostChannel } from './channel.js';
import type { ChannelHost, ChannelSink } from './channel.js';
import { startDetectors } from './detectors.js';
import type { Detectors } from './detectors.js';
import { SessionError } from './errors.js';
import { EventJournal } from './event-journal.js';
import { hookEventOf, type HookReply } from './hook-events.js';
import { createInputGate } from './input-gate.js';
import type { InputGate } from './input-gate.js';
import { keyBytes, knownKeyNames } from './keys.js';
import type { LaunchPlan } from './launch.js';
import { deliverNudge } from './nudge.js';
import { OutputRing } from './output-ring.js';
import { signalName } from './proc.js';
import { SESSION_PROTOCOL_VERSION } from './protocol.js';
import type {
  AttachResult,
  Driver,
  ExitFrame,
  HelloFrame,
  InputFrame,
  InputResult,
  KillResult,
  NudgeResult,
  RespondFrame,
  RespondResult,
  ScreenResult,
  SessionEvent,
  StateFrame,
  SubscribeResult,
  Topic,
} from './protocol.js';
import { planResponse } from './respond.js';
import { ScreenModel } from './screen.js';
import { Shutdown } from './shutdown.js';
import { StateTracker } from './state-tracker.js';
import { nudgeDelayMs } from './timing.js';
import type { SessionTiming } from './timing.js';

const OUTPUT_RING_BYTES = 1 << 20; // attach resume window
const DEFAULT_COLS = 120;
const DEFAULT_ROWS = 40;

export interface SessionHostOptions {
  agentId: string;
  driver: Driver;
  launch: LaunchPlan;
  timing: SessionTiming;
  cols?: number;
  rows?: number;
  /** events.jsonl; without it the journal lives in memory only. */
  eventsPath?: string;
  /** generic/codex: a screen line matching this means idle. */
  idlePattern?: RegExp;
  /** claude: the session log to tail (tier 2). */
  claudeLogPath?: string;
  /** claude: tail the log from its current end (resumed sessions). */
  claudeLogFromEnd?: boolean;
}

export type HostLogLevel = 'info' | 'warn' | 'error';

export interface SessionHostDeps {
  log?(level: HostLogLevel, message: string): void;
  /** The verdict a Stop hook prints (a seam for blocking Stop later); default `{}`. */
  stopVerdict?(payload: unknown): object;
}

export class SessionHost implements ChannelHost {
  readonly agentId: string;
  readonly agentPid: number;
  readonly pgid: number;
  readonly startedAt: number;
  /** Resolves with the `exit` event once the agent is gone. */
  readonly exited: Promise<ExitFrame>;
  /** Resolves `hostExitDelayMs` after the exit, once every client was sent it: time to close. */
  readonly finished: Promise<void>;

  readonly #deps: SessionHostDeps;
  readonly #timing: SessionTiming;
  readonly #pty: IPty;
  readonly #screen: ScreenModel;
  readonly #ring = new OutputRing(OUTPUT_RING_BYTES);
  readonly #tracker: StateTracker;
  readonly #gate: InputGate;
  readonly #shutdown: Shutdown;
  readonly #detectors: Detectors;
  readonly #channels = new Set<HostChannel>();
  #parsed: Promise<void> = Promise.resolve();
  #screenTimer: NodeJS.Timeout | undefined;
  #lastScreen = '';
  #exit: ExitFrame | undefined;
  #nudging = false;
  #resolveExited!: (frame: ExitFrame) => void;
  #resolveFinished!: () => void;
  #closed = false;

  /** Spawns the agent in a PTY. Throws when node-pty cannot start `/bin/sh`. */
  constructor(opts: SessionHostOptions, deps: SessionHostDeps = {}) {
    this.#deps = deps;
    this.#timing = opts.timing;
    this.agentId = opts.agentId;
    this.exited = new Promise((resolve) => (this.#resolveExited = resolve));
    this.finished = new Promise((resolve) => (this.#resolveFinished = resolve));
    const cols = opts.cols ?? DEFAULT_COLS;
    const rows = opts.rows ?? DEFAULT_ROWS;
    this.#screen = new ScreenModel(cols, rows);
    const journal = new EventJournal(opts.eventsPath);
    this.#tracker = new StateTracker({
      journal,
      now: () => Date.now(),
      publish: (event) => this.#publish(event),
      log: (level, message) => this.#log(level, message),
      tentativeMs: Math.max(this.#timing.screenDebounceMs * 5, 50),
    });
    this.startedAt = Date.now();
    this.#pty = pty.spawn(opts.launch.file, opts.launch.args, {
      name: opts.launch.env.TERM ?? 'xterm-256color',
      cols,
      rows,
      cwd: opts.launch.cwd,
      env: opts.launch.env,
    });
    // node-pty's child calls setsid(): it leads its own session and process group.
    this.agentPid = this.#pty.pid;
    this.pgid = this.#pty.pid;
    this.#gate = createInputGate(
      { write: (data) => this.#writePty(data), now: () => Date.now() },
      this.#timing.inputGapMs,
    );
    this.#shutdown = new Shutdown({
      pgid: this.pgid,
      state: () => this.#tracker.state,
      sendEsc: () => this.#gate.run((io) => io.write('\x1b')),
      drainMs: this.#timing.drainMs,
      drainEscEveryMs: this.#timing.drainEscEveryMs,
      shutdownMs: this.#timing.shutdownMs,
      log: (level, message) => this.#log(level, message),
    });
    this.#detectors = startDetectors({
      driver: opts.driver,
      timing: this.#timing,
      ...(opts.idlePattern ? { idlePattern: opts.idlePattern } : {}),
      ...(opts.claudeLogPath ? { logPath: opts.claudeLogPath } : {}),
      ...(opts.claudeLogFromEnd ? { logFromEnd: true } : {}),
      offer: (e) => {
        if (!this.#exit) this.#tracker.offer(e);
      },
      log: (level, message) => this.#log(level, message),
    });
    this.#pty.onData((data) => this.#onData(data));
    this.#pty.onExit(({ exitCode, signal }) => void this.#onExit(exitCode, signal));
    this.#log(
      'info',
      `agent ${this.agentId} started: pid ${this.agentPid} (${opts.launch.program})`,
    );
  }

  get state(): StateFrame['state'] {
    return this.#tracker.state;
  }

  /** The current state, marked as a snapshot. */
  snapshot(): StateFrame {
    return this.#tracker.snapshot();
  }

  hello(): HelloFrame {
    return {
      type: 'hello',
      protocol: SESSION_PROTOCOL_VERSION,
      agentId: this.agentId,
      hostPid: process.pid,
      agentPid: this.agentPid,
      pgid: this.pgid,
      startedAt: this.startedAt,
      cols: this.#screen.cols,
      rows: this.#screen.rows,
    };
  }

  /** A new client: sends it `hello`; feed its frames to `receive`, call `close` when it goes. */
  openChannel(sink: ChannelSink): HostChannel {
    const channel = new HostChannel(this, sink);
    this.#channels.add(channel);
    channel.send(this.hello());
    return channel;
  }

  /** A Claude hook call (already authenticated): journal it, classify it, answer it. */
  handleHook(event: string, payload: unknown): HookReply {
    if (!this.#exit) {
      this.#tracker.record(hookEventOf(event, payload, Date.now()));
      const transcript = (payload as { transcript_path?: unknown } | null)?.transcript_path;
      if (typeof transcript === 'string' && transcript) this.#detectors.retargetLog(transcript);
      this.#detectors.onHook(event, payload);
    }
    if (event === 'Stop')
      return { status: 200, body: JSON.stringify(this.#deps.stopVerdict?.(payload) ?? {}) };
    return { status: 200, body: '' };
  }

  // ---- ChannelHost ----

  subscribe(channel: HostChannel, topics: Topic[], sinceSeq: number | undefined): SubscribeResult {
    // One synchronous step: replay, register (the channel already holds its topics), snapshot.
    let replayed = 0;
    if (sinceSeq !== undefined) {
      for (const event of this.#tracker.replay(sinceSeq)) {
        channel.event(event);
        replayed++;
      }
    }
    if (topics.includes('screen'))
      channel.screenChanged({ type: 'screen', ...this.screen('text') });
    return {
      snapshot: this.#tracker.snapshot(),
      ...(this.#exit ? { exit: this.#exit } : {}),
      replayed,
    };
  }

  screen(format: 'text' | 'ansi'): ScreenResult {
    const text = this.#screen.text();
    return {
      seq: this.#tracker.seq,
      ...text,
      ...(format === 'ansi' ? { ansi: this.#screen.ansi() } : {}),
    };
  }

  async input(frame: InputFrame): Promise<InputResult> {
    this.#assertRunning('take input');
    let chunks: (string | Buffer)[];
    if (frame.text !== undefined) chunks = [frame.text];
    else if (frame.data !== undefined) chunks = [Buffer.from(frame.data, 'base64')];
    else {
      chunks = (frame.keys ?? []).map((k) => {
        const bytes = keyBytes(k);
        if (bytes === undefined)
          throw new SessionError(
            'BAD_REQUEST',
            `unknown key "${k}"; use one of: ${knownKeyNames()}`,
          );
        return bytes;
      });
    }
    const bytes = await this.#gate.run(async (io) => {
      let n = 0;
      for (const c of chunks) {
        await io.write(c);
        n += Buffer.byteLength(c);
      }
      return n;
    });
    return { bytes };
  }

  async nudge(message: string): Promise<NudgeResult> {
    if (this.#nudging && this.#tracker.state !== 'exited')
      throw new SessionError(
        'BUSY',
        'another nudge is still being delivered; retry when it replies',
      );
    this.#nudging = true;
    try {
      return await deliverNudge(
        {
          state: () => this.#tracker.state,
          prompt: () => this.#tracker.prompt,
          gate: this.#gate,
          onTransition: (l) => this.#tracker.onTransition(l),
          respondText: (text) => this.respond({ text }),
          delayMs: (text) => nudgeDelayMs(text, this.#timing),
          timeoutMs: this.#timing.nudgeTimeoutMs,
        },
        message,
      );
    } finally {
      this.#nudging = false;
    }
  }

  async respond(req: Omit<RespondFrame, 'type' | 'id'>): Promise<RespondResult> {
    this.#assertRunning('answer a prompt');
    const prompt = this.#tracker.prompt;
    if (this.#tracker.state !== 'prompt' || !prompt)
      throw new SessionError(
        'NO_PROMPT',
        `the agent is ${this.#tracker.state}, not waiting at a prompt`,
      );
    const plan = planResponse(prompt, req, (text) => nudgeDelayMs(text, this.#timing));
    if (!plan.ok) throw new SessionError(plan.code, plan.reason);
    const typed = await this.#gate.run(async (io) => {
      if (this.#tracker.state !== 'prompt') return false;
      await io.play(plan.steps);
      return true;
    });
    if (!typed)
      return {
        delivered: false,
        promptKind: prompt.kind,
        reason: 'the prompt closed before the answer was typed',
      };
    const keys = plan.steps.map((s) => ('write' in s ? s.write : '')).join('');
    this.#tracker.record({
      type: 'responded',
      at: Date.now(),
      promptKind: prompt.kind,
      keys,
      ...(plan.option !== undefined ? { option: plan.option } : {}),
      ...(plan.text !== undefined ? { text: plan.text } : {}),
      ...(req.answers ? { answers: req.answers } : {}),
    });
    return { delivered: true, promptKind: prompt.kind };
  }

  attach(channel: HostChannel, cols: number, rows: number, sinceOffset?: number): AttachResult {
    this.#assertRunning('be attached to');
    if (cols !== this.#screen.cols || rows !== this.#screen.rows) {
      this.#pty.resize(cols, rows);
      this.#screen.resize(cols, rows);
    }
    const resumed = sinceOffset !== undefined ? this.#ring.since(sinceOffset) : undefined;
    if (resumed !== undefined && sinceOffset !== undefined)
      channel.send({ type: 'output', offset: sinceOffset, data: resumed });
    else channel.send({ type: 'output', ...this.#redraw(), redraw: true });
    return { cols, rows, offset: this.#ring.end };
  }

  detach(_channel: HostChannel): void {
    // Nothing to undo: the channel stops taking output; the PTY keeps the attached size.
  }

  kill(opts: { graceMs?: number; drain?: boolean }): KillResult {
    return this.#shutdown.kill(opts);
  }

  remove(channel: HostChannel): void {
    this.#channels.delete(channel);
  }

  /** Stops timers and detectors and drops every channel; does not signal the agent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#screenTimer);
    this.#detectors.stop();
    this.#tracker.dispose();
    this.#shutdown.dispose();
    for (const c of [...this.#channels]) c.close();
    this.#screen.dispose();
  }

  // ---- internals ----

  #onData(data: string): void {
    this.#detectors.onOutput(data);
    // Output reaches clients only once the terminal has parsed it, so a redraw taken at that moment
    // is exactly the screen at the ring's end offset.
    this.#parsed = this.#screen.write(data).then(() => {
      const offset = this.#ring.push(data);
      for (const c of this.#channels) c.output(offset, data, () => this.#redraw());
      this.#scheduleScreen();
    });
  }

  #redraw(): { offset: number; data: string } {
    return { offset: this.#ring.end, data: this.#screen.redraw() };
  }

  #scheduleScreen(): void {
    clearTimeout(this.#screenTimer);
    this.#screenTimer = setTimeout(() => this.#screenSettled(), this.#timing.screenDebounceMs);
  }

  #screenSettled(): void {
    if (this.#closed) return;
    const shot = this.screen('text');
    const key = shot.lines.join('\n');
    if (key === this.#lastScreen) return;
    this.#lastScreen = key;
    if (!this.#exit) this.#detectors.onScreen(shot);
    for (const c of this.#channels) c.screenChanged({ type: 'screen', ...shot });
  }

  async #onExit(exitCode: number, signal: number | undefined): Promise<void> {
    await this.#parsed; // the last output reaches clients before the exit
    this.#shutdown.agentExited();
    const sig = signal ? signalName(signal) : null;
    const cause = sig ? `exit:${sig}` : `exit:${exitCode}`;
    this.#tracker.offer({ state: 'exited', tier: 3, cause });
    this.#exit = this.#tracker.record({
      type: 'exit',
      code: sig ? null : exitCode,
      signal: sig,
      at: Date.now(),
    }) as ExitFrame;
    this.#log('info', `agent exited (${sig ?? `code ${exitCode}`})`);
    this.#detectors.stop();
    this.#resolveExited(this.#exit);
    setTimeout(() => this.#resolveFinished(), this.#timing.hostExitDelayMs);
  }

  #publish(event: SessionEvent): void {
    for (const c of this.#channels) c.event(event);
  }

  #writePty(data: string | Buffer): void {
    if (this.#exit) return;
    try {
      this.#pty.write(data);
    } catch (err) {
      this.#log('warn', `could not write to the agent's terminal: ${String(err)}`);
    }
  }

  #assertRunning(what: string): void {
    if (this.#exit || this.#tracker.state === 'exited')
      throw new SessionError('EXITED', `the agent has exited and cannot ${what}`);
  }

  #log(level: HostLogLevel, message: string): void {
    this.#deps.log?.(level, message);
  }
}
