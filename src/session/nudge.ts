// Nudge: type a message into an idle agent the way a person would — text, a pause, then Enter alone —
// and confirm it by a transition, re-sending the Enter once if none comes (agents.md §2, §5.1–2).
import { SessionError } from './errors.js';
import type { InputGate } from './input-gate.js';
import type { AgentState, NudgeResult, PromptInfo, RespondResult, StateFrame } from './protocol.js';

export interface NudgeDeps {
  state(): AgentState;
  prompt(): PromptInfo | undefined;
  gate: InputGate;
  onTransition(listener: (frame: StateFrame) => void): () => void;
  /** Answers the current prompt with free text (plan and question prompts take a nudge this way). */
  respondText(text: string): Promise<RespondResult>;
  /** The pause between the text and its Enter. */
  delayMs(text: string): number;
  /** No transition this long after the Enter → re-send it once. */
  timeoutMs: number;
}

/**
 * Delivers `message` when the agent is idle; routes it to a plan/question prompt as text; otherwise
 * `delivered: false` with the reason. Throws NOT_READY while starting and EXITED after exit.
 */
export async function deliverNudge(deps: NudgeDeps, message: string): Promise<NudgeResult> {
  const stateBefore = deps.state();
  if (stateBefore === 'exited')
    throw new SessionError('EXITED', 'the agent has exited; nothing to nudge');
  if (stateBefore === 'starting')
    throw new SessionError('NOT_READY', 'the agent is still starting; nudge once it is idle');
  if (stateBefore === 'prompt') {
    const kind = deps.prompt()?.kind;
    if (kind === 'plan' || kind === 'question') {
      const r = await deps.respondText(message);
      return {
        delivered: r.delivered,
        stateBefore,
        reason: r.reason ?? `answered the ${kind} prompt with the message as text`,
        enterResent: false,
      };
    }
    return {
      delivered: false,
      stateBefore,
      reason: `a ${kind ?? 'dialog'} prompt is waiting; answer it with respond`,
      enterResent: false,
    };
  }
  if (stateBefore === 'working')
    return {
      delivered: false,
      stateBefore,
      reason: 'the agent is working; nudge it once it is idle',
      enterResent: false,
    };

  // Watch from before the first byte: the transition the nudge causes may come at once.
  let moved = false;
  let wake: (() => void) | undefined;
  const stopWatching = deps.onTransition(() => {
    moved = true;
    wake?.();
  });
  let stopListening: (() => void) | undefined;
  let interrupted = false;
  try {
    const sent = await deps.gate.run(async (io) => {
      if (deps.state() !== 'idle') return false; // changed while we queued for the gate
      await io.write(message);
      await io.pause(deps.delayMs(message));
      await io.write('\r');
      // Later input from anyone (another request, an attached user) cancels the retry.
      stopListening = deps.gate.onWrite(() => {
        interrupted = true;
        wake?.();
      });
      return true;
    });
    if (!sent)
      return {
        delivered: false,
        stateBefore,
        reason: `the agent became ${deps.state()} before the message was typed`,
        enterResent: false,
      };
    if (!moved && !interrupted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deps.timeoutMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    if (moved || interrupted || deps.state() !== 'idle')
      return { delivered: true, stateBefore, enterResent: false };
    // The Enter was lost (landed in a paste, or the TUI was redrawing): send it once more.
    stopListening?.();
    await deps.gate.run((io) => io.write('\r'));
    return { delivered: true, stateBefore, enterResent: true };
  } finally {
    stopWatching();
    stopListening?.();
  }
}
