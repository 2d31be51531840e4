// The shared vocabulary of agent state detection: states, tiers, prompts, errors, and the emissions
// every detector produces for the arbiter (notes/agents.md §3).

/** What the agent is doing, in rising priority order (see arbitrate.ts). */
export type AgentState = 'starting' | 'working' | 'idle' | 'prompt' | 'exited';

/** Where an emission came from, best first: 1 hooks, 2 session log / JSONL stdout, 3 output activity, 4 screen heuristics. */
export type Tier = 1 | 2 | 3 | 4;

/** A dialog waiting on the user. `ready` is false until the options are known. */
export interface PromptInfo {
  kind: 'permission' | 'plan' | 'question' | 'setup';
  /** For setup prompts: trust, theme, login, terminal_setup, security_notes, bypass_permissions, api_key. */
  subtype?: string;
  tool?: string;
  /** What the tool would do (command, file, plan text…), at most 200 characters. */
  input?: string;
  /** The numbered choices, in order; option n (1-based) is `options[n - 1]`. */
  options: string[];
  questions?: { header?: string; question: string; options: string[]; multiSelect?: boolean }[];
  ready: boolean;
}

export interface AgentErrorInfo {
  category:
    'unauthorized' | 'out_of_credits' | 'rate_limited' | 'no_internet' | 'server_error' | 'other';
  detail: string;
}

/** One detector's opinion of the agent's state; the arbiter decides whether it wins. */
export interface Emission {
  state: AgentState;
  tier: Tier;
  /** Why, for humans and logs: `hook:Stop`, `log:tool-result`, `screen:idle`, … */
  cause: string;
  prompt?: PromptInfo;
  error?: AgentErrorInfo;
  lastMessage?: string;
  /**
   * A guess that the next entry may overturn: a text-only assistant log line can be followed by a
   * tool_use line of the same reply. Act on it only after the source has been quiet briefly.
   */
  tentative?: boolean;
}

/** The arbiter's view of the state now: the state, the best tier that reported it, its prompt. */
export interface Current {
  state: AgentState;
  tier: Tier;
  prompt?: PromptInfo;
}

/** accept: take the emission's state; record_tier: keep the state, remember the better tier; drop: ignore. */
export type Verdict = 'accept' | 'record_tier' | 'drop';

/** Which agent CLI draws the screen, for the screen heuristics. */
export type ScreenDriver = 'claude' | 'codex' | 'generic';
