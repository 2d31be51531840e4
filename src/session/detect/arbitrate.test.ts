// The arbiter's verdicts: priority, tiers, the permission-vs-dialog rule, and the flapping cases
// that motivate them.
import { describe, expect, it } from 'vitest';
import { arbitrate } from './arbitrate.js';
import type { AgentState, Current, Emission, PromptInfo, Tier, Verdict } from './types.js';

const permission = (tool?: string): PromptInfo => ({
  kind: 'permission',
  ...(tool === undefined ? {} : { tool }),
  options: [],
  ready: false,
});
const plan: PromptInfo = { kind: 'plan', options: [], ready: false };
const question: PromptInfo = { kind: 'question', options: ['A', 'B'], ready: true };
const trust: PromptInfo = { kind: 'setup', subtype: 'trust', options: ['Yes', 'No'], ready: true };
const theme: PromptInfo = { kind: 'setup', subtype: 'theme', options: ['Dark'], ready: true };

const cur = (state: AgentState, tier: Tier, prompt?: PromptInfo): Current => ({
  state,
  tier,
  ...(prompt === undefined ? {} : { prompt }),
});
const em = (state: AgentState, tier: Tier, prompt?: PromptInfo): Emission => ({
  state,
  tier,
  cause: 'test',
  ...(prompt === undefined ? {} : { prompt }),
});

const STATES = ['starting', 'working', 'idle', 'prompt'] as const;
const TIERS = [1, 2, 3, 4] as const;

describe('arbitrate', () => {
  it.each(STATES.flatMap((s) => TIERS.flatMap((t) => TIERS.map((et) => [s, t, et] as const))))(
    'accepts exited over %s (tier %i) from tier %i',
    (state, tier, eTier) => {
      expect(arbitrate(cur(state, tier), em('exited', eTier))).toBe('accept');
    },
  );

  it.each(['starting', 'working', 'idle', 'prompt', 'exited'] as const)(
    'drops %s once the agent has exited',
    (state) => {
      expect(arbitrate(cur('exited', 3), em(state, 1))).toBe('drop');
    },
  );

  it.each(['working', 'idle', 'prompt'] as const)('never returns to starting from %s', (state) => {
    expect(arbitrate(cur(state, 4), em('starting', 1))).toBe('drop');
  });

  it.each<[string, Current, Emission, Verdict]>([
    ['idle from a better tier', cur('idle', 2), em('idle', 1), 'record_tier'],
    ['working from a better tier', cur('working', 4), em('working', 3), 'record_tier'],
    ['idle from the same tier', cur('idle', 1), em('idle', 1), 'drop'],
    ['working from a worse tier', cur('working', 1), em('working', 2), 'drop'],
    [
      'the same prompt from a better tier',
      cur('prompt', 4, plan),
      em('prompt', 1, plan),
      'record_tier',
    ],
    ['the same prompt from the same tier', cur('prompt', 1, plan), em('prompt', 1, plan), 'drop'],
    [
      'a permission prompt missing the tool the current one names',
      cur('prompt', 1, permission('Bash')),
      em('prompt', 1, permission()),
      'drop',
    ],
  ])('keeps the state for %s', (_what, c, e, verdict) => {
    expect(arbitrate(c, e)).toBe(verdict);
  });

  it.each<[string, Current, Emission]>([
    ['working → idle from the same tier', cur('working', 1), em('idle', 1)],
    ['working → idle from a better tier', cur('working', 2), em('idle', 1)],
    ['prompt → working from the same tier', cur('prompt', 1, plan), em('working', 1)],
    ['prompt → idle from a better tier', cur('prompt', 4, trust), em('idle', 2)],
    ['starting → idle from the screen', cur('starting', 4), em('idle', 4)],
    ['starting → working from output', cur('starting', 4), em('working', 3)],
    ['idle → working from a worse tier (priority rises)', cur('idle', 1), em('working', 2)],
    [
      'working → prompt from a worse tier (priority rises)',
      cur('working', 1),
      em('prompt', 4, trust),
    ],
    ['idle → prompt from the screen', cur('idle', 1), em('prompt', 4, theme)],
    ['plan → question from the same tier', cur('prompt', 1, plan), em('prompt', 1, question)],
    ['question → plan from a better tier', cur('prompt', 2, question), em('prompt', 1, plan)],
    [
      'one permission → another tool’s permission from the same tier',
      cur('prompt', 1, permission('Bash')),
      em('prompt', 1, permission('Edit')),
    ],
    [
      'trust → theme setup dialog from the same tier',
      cur('prompt', 4, trust),
      em('prompt', 4, theme),
    ],
    [
      'plan → permission from a better tier',
      cur('prompt', 4, plan),
      em('prompt', 1, permission('Bash')),
    ],
  ])('accepts %s', (_what, c, e) => {
    expect(arbitrate(c, e)).toBe('accept');
  });

  it.each<[string, Current, Emission]>([
    [
      'a permission prompt over a plan prompt (Claude fires both)',
      cur('prompt', 1, plan),
      em('prompt', 1, permission('ExitPlanMode')),
    ],
    [
      'a permission prompt over a question prompt',
      cur('prompt', 1, question),
      em('prompt', 1, permission('AskUserQuestion')),
    ],
    [
      'a permission prompt over a question from a worse tier',
      cur('prompt', 1, question),
      em('prompt', 4, permission('Bash')),
    ],
    ['working → idle from a worse tier', cur('working', 1), em('idle', 4)],
    ['prompt → working from a worse tier', cur('prompt', 1, plan), em('working', 2)],
    ['prompt → idle from a worse tier', cur('prompt', 1, permission('Bash')), em('idle', 4)],
    ['another dialog from a worse tier', cur('prompt', 1, plan), em('prompt', 4, trust)],
  ])('drops %s', (_what, c, e) => {
    expect(arbitrate(c, e)).toBe('drop');
  });

  /** Feeds emissions through the arbiter the way the host does; returns the states accepted. */
  function run(start: Current, emissions: Emission[]): AgentState[] {
    let c = start;
    const seen: AgentState[] = [];
    for (const e of emissions) {
      const v = arbitrate(c, e);
      if (v === 'accept') {
        c = cur(e.state, e.tier, e.prompt);
        seen.push(e.state);
      } else if (v === 'record_tier') {
        c = { ...c, tier: e.tier };
      }
    }
    return seen;
  }

  it.each<[string, Emission[], AgentState[]]>([
    [
      'the screen showing the input box while a hook says working',
      [em('working', 1), em('idle', 4), em('idle', 4), em('working', 2)],
      ['working'],
    ],
    [
      'a Stop hook followed by the same turn’s idle log line',
      [em('working', 1), em('idle', 1), em('idle', 2)],
      ['working', 'idle'],
    ],
    [
      'a log idle confirmed by the Stop hook, then a late log line that is not newer',
      [em('working', 2), em('idle', 2), em('idle', 1), em('idle', 4)],
      ['working', 'idle'],
    ],
    [
      'a plan prompt with its PermissionRequest, then the screen',
      [em('working', 1), em('prompt', 1, plan), em('prompt', 1, permission()), em('idle', 4)],
      ['working', 'prompt'],
    ],
    [
      'generic driver: output then quiet, both from tier 3',
      [em('working', 3), em('idle', 3), em('working', 3), em('idle', 3)],
      ['working', 'idle', 'working', 'idle'],
    ],
    [
      'the exit of an agent mid-prompt, then stray emissions',
      [em('prompt', 1, question), em('exited', 3), em('idle', 1), em('working', 1)],
      ['prompt', 'exited'],
    ],
  ])('accepts only the real changes for %s', (_what, emissions, accepted) => {
    expect(run(cur('starting', 4), emissions)).toEqual(accepted);
  });
});
