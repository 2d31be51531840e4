// Claude Code session-log entries, shaped like real ones, mapped to tier-2 (or tier-1) emissions,
// including the shapes that leave a naive detector stuck on "working".
import { describe, expect, it } from 'vitest';
import { classifyClaudeLogEntry } from './classify-claude-log.js';

const common = {
  uuid: 'b1a0c7f2-0000-4000-8000-000000000001',
  parentUuid: 'b1a0c7f2-0000-4000-8000-000000000000',
  sessionId: '5f0c6a53-8a8e-4d3e-9d0b-6a2a2f6f7c11',
  cwd: '/work/app',
  version: '2.1.29',
  timestamp: '2026-01-30T10:00:00.000Z',
  isSidechain: false,
  userType: 'external',
};
const user = (content: unknown, extra: object = {}) => ({
  ...common,
  type: 'user',
  message: { role: 'user', content },
  ...extra,
});
const assistant = (block: unknown, extra: object = {}) => ({
  ...common,
  type: 'assistant',
  message: {
    id: 'msg_01',
    model: 'claude-sonnet-4-5',
    role: 'assistant',
    content: [block],
    stop_reason: null,
    usage: { input_tokens: 10, output_tokens: 5 },
  },
  requestId: 'req_01',
  ...extra,
});
const toolResult = (content: unknown, isError = false) => ({
  type: 'tool_result',
  tool_use_id: 'toolu_01',
  content,
  is_error: isError,
});
const DENIED =
  "The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it was a file edit, the new_string was NOT written to the file). STOP what you are doing and wait for the user to tell you how to proceed.";

describe('classifyClaudeLogEntry', () => {
  it.each([
    ['a prompt as a string', user('implement the parser'), 'log:user-prompt'],
    ['a prompt as blocks', user([{ type: 'text', text: 'implement it' }]), 'log:user-prompt'],
    [
      'a prompt with an image',
      user([{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA' } }]),
      'log:user-prompt',
    ],
    [
      'a tool result',
      user([toolResult('ok\n')], {
        toolUseResult: { stdout: 'ok', stderr: '', interrupted: false },
      }),
      'log:tool-result',
    ],
    [
      'a failed tool result that is not a denial',
      user([toolResult('Exit code 1\nnpm ERR!', true)], { toolUseResult: 'Error: Exit code 1' }),
      'log:tool-result',
    ],
    [
      'a tool use',
      assistant({ type: 'tool_use', id: 'toolu_01', name: 'Bash', input: { command: 'npm test' } }),
      'log:tool-use',
    ],
    [
      'EnterPlanMode',
      assistant({ type: 'tool_use', id: 'toolu_02', name: 'EnterPlanMode', input: {} }),
      'log:tool-use',
    ],
    [
      'thinking',
      assistant({ type: 'thinking', thinking: 'Let me look', signature: 'sig' }),
      'log:thinking',
    ],
  ])('reports working for %s', (_what, entry, cause) => {
    expect(classifyClaudeLogEntry(entry)).toEqual({ state: 'working', tier: 2, cause });
  });

  it('reports a tentative idle with the text for a text-only assistant line', () => {
    expect(classifyClaudeLogEntry(assistant({ type: 'text', text: 'All tests pass.' }))).toEqual({
      state: 'idle',
      tier: 2,
      cause: 'log:assistant-text',
      tentative: true,
      lastMessage: 'All tests pass.',
    });
  });

  it('reports a question prompt for an AskUserQuestion tool use', () => {
    const input = {
      questions: [
        {
          question: 'Which database?',
          header: 'Database',
          options: [
            { label: 'Postgres', description: 'Relational' },
            { label: 'SQLite', description: 'Embedded' },
          ],
          multiSelect: false,
        },
      ],
    };
    const entry = assistant({ type: 'tool_use', id: 'toolu_03', name: 'AskUserQuestion', input });
    expect(classifyClaudeLogEntry(entry)).toMatchObject({
      state: 'prompt',
      tier: 2,
      cause: 'log:question',
      prompt: {
        kind: 'question',
        options: ['Postgres', 'SQLite'],
        questions: [
          { header: 'Database', question: 'Which database?', options: ['Postgres', 'SQLite'] },
        ],
        ready: true,
      },
    });
  });

  it('reports a plan prompt for an ExitPlanMode tool use', () => {
    const entry = assistant({
      type: 'tool_use',
      id: 'toolu_04',
      name: 'ExitPlanMode',
      input: { plan: '1. Parse\n2. Test' },
    });
    expect(classifyClaudeLogEntry(entry)).toEqual({
      state: 'prompt',
      tier: 2,
      cause: 'log:plan',
      prompt: { kind: 'plan', input: '1. Parse\n2. Test', options: [], ready: false },
    });
  });

  it.each([
    ['an Esc interrupt as a string', user('[Request interrupted by user]'), 'log:interrupted'],
    [
      'an Esc interrupt during a tool, as blocks',
      user([{ type: 'text', text: '[Request interrupted by user for tool use]' }]),
      'log:interrupted',
    ],
    [
      'a denied tool',
      user([toolResult(DENIED, true)], {
        toolUseResult: 'Error: The user doesn’t want to proceed',
      }),
      'log:denied',
    ],
    [
      'a denied tool with block content',
      user([toolResult([{ type: 'text', text: DENIED }], true)]),
      'log:denied',
    ],
    [
      'a denial in the older wording',
      user([toolResult('rejected', true)], { toolUseResult: 'User rejected tool use' }),
      'log:denied',
    ],
  ])('reports idle at tier 1 for %s (no hook fires for it)', (_what, entry, cause) => {
    expect(classifyClaudeLogEntry(entry)).toEqual({ state: 'idle', tier: 1, cause });
  });

  it.each([
    [
      'an API error entry with a code',
      assistant(
        {
          type: 'text',
          text: 'API Error: 429 {"type":"error","error":{"type":"rate_limit_error"}}',
        },
        { isApiErrorMessage: true, error: 'rate_limit' },
      ),
      'rate_limited',
      'API Error: 429 {"type":"error","error":{"type":"rate_limit_error"}}',
    ],
    [
      'a login failure',
      assistant(
        { type: 'text', text: 'Invalid API key · Please run /login' },
        { isApiErrorMessage: true, error: 'authentication_failed' },
      ),
      'unauthorized',
      'Invalid API key · Please run /login',
    ],
    [
      'an error flagged only by isApiErrorMessage',
      assistant(
        { type: 'text', text: 'API Error: Connection error.' },
        { isApiErrorMessage: true },
      ),
      'no_internet',
      'API Error: Connection error.',
    ],
    [
      'an error object without a message body',
      { ...common, type: 'assistant', error: { type: 'overloaded_error', message: 'Overloaded' } },
      'server_error',
      'overloaded_error: Overloaded',
    ],
    [
      'a billing error',
      assistant({ type: 'text', text: 'Credit balance is too low' }, { error: 'billing_error' }),
      'out_of_credits',
      'Credit balance is too low',
    ],
  ])('reports idle with the error for %s', (_what, entry, category, detail) => {
    expect(classifyClaudeLogEntry(entry)).toEqual({
      state: 'idle',
      tier: 2,
      cause: 'log:error',
      error: { category, detail },
    });
  });

  it.each([
    [
      'a meta entry',
      user('<local-command-caveat>Caveat: …</local-command-caveat>', { isMeta: true }),
    ],
    [
      'a sidechain (subagent) entry',
      assistant({ type: 'tool_use', name: 'Bash', input: {} }, { isSidechain: true }),
    ],
    [
      'a local slash command',
      user(
        '<command-name>/model</command-name>\n<command-message>model</command-message>\n<command-args></command-args>',
      ),
    ],
    [
      'local command output',
      user('<local-command-stdout>Set model to opus</local-command-stdout>'),
    ],
    ['a ! shell command', user('<bash-input>ls</bash-input>')],
    [
      '! shell output',
      user([{ type: 'text', text: '<bash-stdout>a.ts</bash-stdout><bash-stderr></bash-stderr>' }]),
    ],
    ['a compact summary', user('This session is being continued…', { isCompactSummary: true })],
    ['a file-history-snapshot', { type: 'file-history-snapshot', messageId: 'm', snapshot: {} }],
    ['progress', { ...common, type: 'progress', data: { type: 'hook_progress' } }],
    [
      'a system api_error written while Claude retries',
      {
        ...common,
        type: 'system',
        subtype: 'api_error',
        level: 'error',
        error: { status: 529 },
        retryAttempt: 1,
      },
    ],
    ['queue-operation', { type: 'queue-operation', operation: 'enqueue', content: 'next' }],
    ['summary', { type: 'summary', summary: 'Parser work', leafUuid: 'x' }],
    ['an unknown type', { ...common, type: 'future-thing', message: { content: 'x' } }],
    [
      'an assistant line with no content',
      { ...common, type: 'assistant', message: { content: [] } },
    ],
    ['a user line with no content', user([])],
  ])('ignores %s', (_what, entry) => {
    expect(classifyClaudeLogEntry(entry)).toBeUndefined();
  });

  it.each([null, 'text', 42, [], {}, { type: 7 }, { type: 'user', message: { content: 5 } }])(
    'ignores the malformed entry %j instead of throwing',
    (entry) => {
      expect(classifyClaudeLogEntry(entry)).toBeUndefined();
    },
  );
});
