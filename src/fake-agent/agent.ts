// The fake agent's session loop: SessionStart, the trust dialog, then message → turn → Stop hook →
// idle prompt, over and over. A Stop hook that blocks feeds its reason back as the next message;
// Esc aborts the running turn. Print mode runs the same loop until the first time it would go idle.
import { delay, schedule } from './clock.js';
import type { AgentContext } from './context.js';
import { InterruptError, isInterrupt } from './context.js';
import { choose } from './dialogs.js';
import type { Submitted } from './input.js';
import { idlePanel, trustPanel, workingPanel } from './panels.js';
import { runSteps } from './runner.js';
import type { StepCursor, TurnEnd } from './runner.js';
import { matchesTurn } from './scenario.js';

// A Stop hook that always blocks would loop forever; Claude trusts hooks to check
// stop_hook_active, the fake gives up after this many continuations in a row.
const MAX_STOP_CONTINUATIONS = 20;

/** Runs the session; resolves with the exit code (0 when stdin closes at the idle prompt). */
export async function runAgent(
  ctx: AgentContext,
  opts: { prompt: string | undefined; resumed: boolean },
): Promise<number> {
  ctx.setState('starting');
  const source = opts.resumed ? 'resume' : 'startup';
  await ctx.hooks.fire('SessionStart', { source }, source);
  if (!ctx.printer && !ctx.scenario.agent.trusted) await askTrust(ctx);
  if (ctx.scenario.timing.startup_ms) await delay(ctx.scenario.timing.startup_ms);

  const uses = ctx.scenario.turn.map(() => 0);
  let next: Submitted | undefined = opts.prompt
    ? { text: opts.prompt, source: 'prompt' }
    : undefined;
  let pending: StepCursor | undefined;
  let stopHookActive = false;
  let continuations = 0;
  for (;;) {
    if (!next) {
      if (ctx.printer) break;
      next = await waitAtIdle(ctx);
      if (!next) return 0;
    }
    const message = next;
    next = undefined;
    const cursor = pending ?? pickTurn(ctx, uses, message.text);
    pending = undefined;
    ctx.trace.write({ type: 'message', ...message, turn: cursor?.turn ?? null });
    ctx.printer?.countTurn();
    const end = await runTurn(ctx, message, cursor);
    if (end.kind === 'quiet') {
      stopHookActive = false;
      if (ctx.printer) break;
      continue;
    }
    if (end.kind === 'pause') pending = end.rest;
    const verdict = await ctx.hooks.fire('Stop', { stop_hook_active: stopHookActive });
    if (verdict.block && continuations < MAX_STOP_CONTINUATIONS) {
      next = { text: verdict.block.reason, source: 'stop_hook' };
      stopHookActive = true;
      continuations++;
    } else {
      stopHookActive = false;
      continuations = 0;
    }
  }
  const ok = ctx.failure === undefined;
  ctx.printer?.result(ctx, ok);
  return ok ? 0 : 1;
}

/** The first turn whose `on` matches and whose `max` is not used up; undefined = say nothing. */
function pickTurn(ctx: AgentContext, uses: number[], text: string): StepCursor | undefined {
  const index = ctx.scenario.turn.findIndex(
    (turn, i) =>
      (turn.max === undefined || (uses[i] ?? 0) < turn.max) && matchesTurn(turn.on, text),
  );
  const turn = ctx.scenario.turn[index];
  if (!turn) return undefined;
  uses[index] = (uses[index] ?? 0) + 1;
  return { turn: index, steps: turn.steps, from: 0, prefix: `turn[${index}].steps` };
}

async function runTurn(
  ctx: AgentContext,
  message: Submitted,
  cursor: StepCursor | undefined,
): Promise<TurnEnd> {
  ctx.setState('working');
  ctx.input.mode = 'working'; // the initial prompt and Stop-hook continuations never waited at idle
  ctx.screen.panel(workingPanel());
  const controller = new AbortController();
  ctx.interrupt = () => controller.abort(new InterruptError());
  try {
    if (message.source !== 'stop_hook') {
      const verdict = await ctx.hooks.fire('UserPromptSubmit', { prompt: message.text });
      if (verdict.block) {
        ctx.screen.transcript([
          `  ⎿  UserPromptSubmit operation blocked by hook: ${verdict.block.reason}`,
        ]);
        return { kind: 'quiet' };
      }
    }
    const logged =
      message.source === 'stop_hook' ? `Stop hook feedback:\n${message.text}` : message.text;
    ctx.log.user(logged);
    ctx.screen.transcript(logged.split('\n').map((line, i) => `${i ? '  ' : '> '}${line}`));
    if (!cursor) return { kind: 'stop' };
    return await runSteps(ctx, cursor, controller.signal);
  } catch (err) {
    if (!isInterrupt(err)) throw err;
    ctx.log.interrupted(false);
    ctx.screen.transcript(['  ⎿  Interrupted by user']);
    return { kind: 'quiet' };
  } finally {
    ctx.interrupt = undefined;
    ctx.ignoring.clear();
  }
}

/** Draws the `❯` prompt and waits for a message; fires the idle Notification after its delay. */
async function waitAtIdle(ctx: AgentContext): Promise<Submitted | undefined> {
  ctx.setState('idle');
  ctx.screen.panel(idlePanel(ctx.input.buffer, ctx.screen.width));
  const cancel = schedule(ctx.scenario.timing.idle_notification_ms, () => {
    void ctx.hooks.fire(
      'Notification',
      { message: 'Claude is waiting for your input', notification_type: 'idle_prompt' },
      'idle_prompt',
    );
  });
  const message = await ctx.input.nextMessage();
  cancel();
  return message;
}

/** "Do you trust the files in this folder?" — 1 proceeds, 2 or Esc exits 1. */
async function askTrust(ctx: AgentContext): Promise<void> {
  const choice = await choose(ctx, {
    count: 2,
    render: (cursor) => trustPanel(ctx.cwd, cursor, ctx.screen.width),
  });
  const accepted = choice !== 'escape' && choice.option === 1;
  ctx.trace.write({
    type: 'answer',
    dialog: 'trust',
    accepted,
    ...(choice === 'escape' ? { text: 'escape' } : { option: choice.option }),
  });
  if (!accepted) ctx.exit(1);
  ctx.setState('starting');
}
