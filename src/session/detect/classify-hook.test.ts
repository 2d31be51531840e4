// Claude Code hook calls, with payloads shaped like the real ones, mapped to tier-1 emissions.
import { describe, expect, it } from 'vitest';
import { classifyHook } from './classify-hook.js';

const base = {
  session_id: '5f0c6a53-8a8e-4d3e-9d0b-6a2a2f6f7c11',
  transcript_path: '/tmp/claude/projects/-work-app/5f0c6a53.jsonl',
  cwd: '/work/app',
  permission_mode: 'default',
};
const tool = (event: string, name: string, input: unknown) => ({
  ...base,
  hook_event_name: event,
  tool_name: name,
  tool_input: input,
  tool_use_id: 'toolu_01',
});

const QUESTIONS = {
  questions: [
    {
      question: 'Which framework should we use?',
      header: 'Framework',
      options: [
        { label: 'React', description: 'Component-based' },
        { label: 'Vue', description: 'Progressive' },
      ],
      multiSelect: false,
    },
    {
      question: 'Which extras?',
      header: 'Extras',
      options: [{ label: 'Router' }, { label: 'Store' }],
      multiSelect: true,
    },
  ],
};

describe('classifyHook', () => {
  it('reports idle on Stop, with the last message when the payload carries it', () => {
    expect(classifyHook('Stop', { ...base, stop_hook_active: false })).toEqual({
      state: 'idle',
      tier: 1,
      cause: 'hook:Stop',
    });
    expect(
      classifyHook('Stop', { ...base, stop_hook_active: true, last_assistant_message: 'Done.' }),
    ).toMatchObject({ state: 'idle', lastMessage: 'Done.' });
  });

  it.each([
    ['UserPromptSubmit', { ...base, prompt: 'implement it' }, 'hook:UserPromptSubmit'],
    ['PreToolUse', tool('PreToolUse', 'Bash', { command: 'npm test' }), 'hook:PreToolUse:Bash'],
    ['PreToolUse', tool('PreToolUse', 'EnterPlanMode', {}), 'hook:PreToolUse:EnterPlanMode'],
    ['PreToolUse', { ...base, tool_name: 'TodoWrite' }, 'hook:PreToolUse:TodoWrite'],
  ])('reports working on %s (%s)', (event, payload, cause) => {
    expect(classifyHook(event, payload)).toEqual({ state: 'working', tier: 1, cause });
  });

  it('reports a question prompt with its questions and options on PreToolUse AskUserQuestion', () => {
    expect(classifyHook('PreToolUse', tool('PreToolUse', 'AskUserQuestion', QUESTIONS))).toEqual({
      state: 'prompt',
      tier: 1,
      cause: 'hook:PreToolUse:AskUserQuestion',
      prompt: {
        kind: 'question',
        input: 'Which framework should we use?',
        options: ['React', 'Vue'],
        questions: [
          {
            header: 'Framework',
            question: 'Which framework should we use?',
            options: ['React', 'Vue'],
            multiSelect: false,
          },
          {
            header: 'Extras',
            question: 'Which extras?',
            options: ['Router', 'Store'],
            multiSelect: true,
          },
        ],
        ready: true,
      },
    });
  });

  it('still reports a question prompt, not ready, when AskUserQuestion input is malformed', () => {
    expect(
      classifyHook('PreToolUse', tool('PreToolUse', 'AskUserQuestion', { questions: 'x' }))?.prompt,
    ).toEqual({ kind: 'question', options: [], ready: false });
  });

  it('reports a plan prompt with the plan as input on PreToolUse ExitPlanMode', () => {
    const plan = `# Plan\n${'- step\n'.repeat(100)}`;
    const e = classifyHook('PreToolUse', tool('PreToolUse', 'ExitPlanMode', { plan }));
    expect(e).toMatchObject({ state: 'prompt', tier: 1, prompt: { kind: 'plan', ready: false } });
    expect(e?.prompt?.input).toHaveLength(200);
    expect(e?.prompt?.input?.startsWith('# Plan\n- step')).toBe(true);
  });

  it.each([
    ['Bash', { command: 'rm -rf build', description: 'Clean' }, 'rm -rf build'],
    ['Edit', { file_path: '/work/app/a.ts', old_string: 'a', new_string: 'b' }, '/work/app/a.ts'],
    ['WebFetch', { url: 'https://example.com', prompt: 'read' }, 'https://example.com'],
    ['mcp__db__query', { sql: 'select 1' }, '{"sql":"select 1"}'],
  ])('reports a permission prompt for %s on PermissionRequest', (name, input, summary) => {
    expect(classifyHook('PermissionRequest', tool('PermissionRequest', name, input))).toEqual({
      state: 'prompt',
      tier: 1,
      cause: `hook:PermissionRequest:${name}`,
      prompt: { kind: 'permission', tool: name, input: summary, options: [], ready: false },
    });
  });

  it('truncates a long permission input to 200 characters', () => {
    const e = classifyHook(
      'PermissionRequest',
      tool('PermissionRequest', 'Bash', { command: `echo ${'x'.repeat(500)}` }),
    );
    expect(e?.prompt?.input).toHaveLength(200);
    expect(e?.prompt?.input?.endsWith('…')).toBe(true);
  });

  it.each([
    ['AskUserQuestion', QUESTIONS, 'question'],
    ['ExitPlanMode', { plan: 'do it' }, 'plan'],
  ])('routes a PermissionRequest about %s to a %s prompt', (name, input, kind) => {
    expect(
      classifyHook('PermissionRequest', tool('PermissionRequest', name, input))?.prompt?.kind,
    ).toBe(kind);
  });

  it('reports a permission prompt from a permission_prompt Notification, naming the tool', () => {
    const payload = {
      ...base,
      hook_event_name: 'Notification',
      notification_type: 'permission_prompt',
      message: 'Claude needs your permission to use Bash',
    };
    expect(classifyHook('Notification', payload)).toEqual({
      state: 'prompt',
      tier: 1,
      cause: 'hook:Notification:permission_prompt',
      prompt: { kind: 'permission', tool: 'Bash', options: [], ready: false },
    });
  });

  it('reports idle from an idle_prompt Notification', () => {
    const payload = {
      ...base,
      notification_type: 'idle_prompt',
      message: 'Claude is waiting for your input',
    };
    expect(classifyHook('Notification', payload)).toEqual({
      state: 'idle',
      tier: 1,
      cause: 'hook:Notification:idle_prompt',
    });
  });

  it.each([
    ['PostToolUse', tool('PostToolUse', 'Bash', { command: 'ls' })],
    ['SubagentStop', { ...base, stop_hook_active: false }],
    ['SessionStart', { ...base, source: 'startup' }],
    ['SessionEnd', { ...base, reason: 'exit' }],
    ['PreCompact', { ...base, trigger: 'auto' }],
    ['Notification', { ...base, notification_type: 'auth_success', message: 'ok' }],
    ['SomeFutureEvent', base],
  ])('ignores %s', (event, payload) => {
    expect(classifyHook(event, payload)).toBeUndefined();
  });

  it.each([
    ['Stop', null],
    ['Stop', 'idle'],
    ['UserPromptSubmit', 42],
    ['PreToolUse', { ...base }],
    ['PreToolUse', { ...base, tool_name: 7 }],
    ['PermissionRequest', []],
    ['Notification', { notification_type: 3 }],
  ])('ignores %s with a malformed payload %j instead of throwing', (event, payload) => {
    expect(classifyHook(event, payload)).toBeUndefined();
  });
});
