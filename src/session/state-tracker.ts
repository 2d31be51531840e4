// The host's state: applies the arbiter's verdict to each detector emission, gives each accepted
// transition the next seq, journals it, then broadcasts it. Also journals hook calls, answers and exit.
import { arbitrate } from './detect/index.js';
import type { Emission } from './detect/index.js';
import type { EventJournal, WithoutSeq } from './event-journal.js';
import type {
  AgentErrorInfo,
  AgentState,
  PromptInfo,
  SessionEvent,
  StateFrame,
  Tier,
} from './protocol.js';

export interface StateTrackerDeps {
  journal: EventJournal;
  now(): number;
  /** Broadcasts a journaled event to the subscribers of its topic. */
  publish(event: SessionEvent): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** How long a tentative emission must stand unchallenged before it is applied. */
  tentativeMs: number;
  /** Runs `fire` after `ms`; returns a cancel function (default: setTimeout). */
  setTimer?(ms: number, fire: () => void): () => void;
}

function defaultSetTimer(ms: number, fire: () => void): () => void {
  const handle = setTimeout(fire, ms);
  return () => clearTimeout(handle);
}

interface Current {
  state: AgentState;
  prev: AgentState;
  tier: Tier;
  at: number;
  cause: string;
  prompt?: PromptInfo;
  error?: AgentErrorInfo;
  lastMessage?: string;
}

export class StateTracker {
  readonly #deps: StateTrackerDeps;
  #cur: Current;
  #listeners = new Set<(frame: StateFrame) => void>();
  #tentative: { tier: Tier; cancel: () => void } | undefined;
  #ended = false;

  constructor(deps: StateTrackerDeps) {
    this.#deps = deps;
    // Tier 4 so that any detector may take the agent out of `starting`.
    this.#cur = { state: 'starting', prev: 'starting', tier: 4, at: deps.now(), cause: 'spawn' };
  }

  get state(): AgentState {
    return this.#cur.state;
  }

  get prompt(): PromptInfo | undefined {
    return this.#cur.prompt;
  }

  /** The seq of the newest journaled event. */
  get seq(): number {
    return this.#deps.journal.seq;
  }

  /** Every journaled event with seq > `sinceSeq`, oldest first. */
  replay(sinceSeq: number): SessionEvent[] {
    return this.#deps.journal.since(sinceSeq);
  }

  /** Calls `listener` after every accepted transition (journaled and published). */
  onTransition(listener: (frame: StateFrame) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Offers a detector's emission. A tentative one is applied only if nothing from the same or a
   * better tier follows within `tentativeMs` (a text-only log line may be followed by a tool_use).
   */
  offer(e: Emission): void {
    if (this.#tentative && e.tier <= this.#tentative.tier) {
      this.#tentative.cancel();
      this.#tentative = undefined;
    }
    if (e.tentative) {
      const cancel = (this.#deps.setTimer ?? defaultSetTimer)(this.#deps.tentativeMs, () => {
        this.#tentative = undefined;
        this.#apply(e);
      });
      this.#tentative = { tier: e.tier, cancel };
      return;
    }
    this.#apply(e);
  }

  /** The current state as a `state` frame marked `snapshot`, carrying the newest seq. */
  snapshot(): StateFrame {
    const { state, prev, tier, at, cause, prompt, error, lastMessage } = this.#cur;
    return {
      type: 'state',
      seq: this.#deps.journal.seq,
      state,
      prev,
      at,
      cause,
      tier,
      snapshot: true,
      ...(prompt ? { prompt } : {}),
      ...(error ? { error } : {}),
      ...(lastMessage !== undefined ? { lastMessage } : {}),
    };
  }

  /** Journals and publishes an event (hook call, answer, exit); nothing follows an `exit`. */
  record(event: WithoutSeq<SessionEvent>): SessionEvent {
    if (this.#ended) {
      this.#deps.log('warn', `dropped a ${event.type} event that came after the exit`);
      return { ...event, seq: this.#deps.journal.seq } as SessionEvent;
    }
    if (event.type === 'exit') this.#ended = true;
    let full: SessionEvent;
    try {
      full = this.#deps.journal.append(event);
    } catch (err) {
      // Still publish: a live subscriber must not miss it because the disk is full.
      this.#deps.log('error', `could not append to events.jsonl: ${String(err)}`);
      full = { ...event, seq: this.#deps.journal.seq } as SessionEvent;
    }
    this.#deps.publish(full);
    return full;
  }

  /** Stops the tentative timer (the host is closing). */
  dispose(): void {
    this.#tentative?.cancel();
    this.#tentative = undefined;
  }

  #apply(e: Emission): void {
    const cur = this.#cur;
    const verdict = arbitrate(
      { state: cur.state, tier: cur.tier, ...(cur.prompt ? { prompt: cur.prompt } : {}) },
      e,
    );
    if (verdict === 'accept') {
      this.#transition(e);
      return;
    }
    if (verdict === 'record_tier') cur.tier = e.tier;
    // A hook reports a dialog before its options are drawn; the screen tier fills them in later.
    if (cur.state === 'prompt' && e.state === 'prompt' && e.prompt?.ready && !cur.prompt?.ready) {
      if (cur.prompt && cur.prompt.kind !== e.prompt.kind) return;
      const prompt: PromptInfo = {
        ...cur.prompt,
        ...e.prompt,
        ...(cur.prompt?.input ? { input: cur.prompt.input } : {}),
        ...(cur.prompt?.tool ? { tool: cur.prompt.tool } : {}),
      };
      this.#transition({ ...e, tier: cur.tier, prompt, cause: `${e.cause}:options` });
    }
  }

  #transition(e: Emission): void {
    const prev = this.#cur.state;
    const next: Current = {
      state: e.state,
      prev,
      tier: e.tier,
      at: this.#deps.now(),
      cause: e.cause,
      ...(e.state === 'prompt' && e.prompt ? { prompt: e.prompt } : {}),
      ...(e.error ? { error: e.error } : {}),
      ...(e.lastMessage !== undefined
        ? { lastMessage: e.lastMessage }
        : this.#cur.lastMessage !== undefined
          ? { lastMessage: this.#cur.lastMessage }
          : {}),
    };
    this.#cur = next;
    const { snapshot: _snapshot, ...frame } = this.snapshot();
    const event = this.record(frame) as StateFrame;
    this.#deps.log('info', `state ${prev} → ${next.state} (tier ${next.tier}, ${next.cause})`);
    for (const l of this.#listeners) l(event);
  }
}
