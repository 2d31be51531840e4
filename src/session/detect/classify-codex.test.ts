// `codex exec --json` lines mapped to tier-2 emissions.
import { describe, expect, it } from 'vitest';
import { classifyCodexEvent } from './classify-codex.js';

describe('classifyCodexEvent', () => {
  it.each([
    [
      { type: 'thread.started', thread_id: '0199a213-81c0-7800-8aa1-bbab2a035a53' },
      'codex:thread.started',
    ],
    [{ type: 'turn.started' }, 'codex:turn.started'],
    [
      {
        type: 'item.started',
        item: {
          id: 'item_1',
          type: 'command_execution',
          command: 'bash -lc ls',
          status: 'in_progress',
        },
      },
      'codex:item.started:command_execution',
    ],
    [
      {
        type: 'item.updated',
        item: { id: 'item_2', type: 'todo_list', items: [{ text: 'a', completed: false }] },
      },
      'codex:item.updated:todo_list',
    ],
    [
      { type: 'item.completed', item: { id: 'item_0', type: 'reasoning', text: '**Scanning**' } },
      'codex:item.completed:reasoning',
    ],
    [
      { type: 'item.completed', item: { id: 'item_5', item_type: 'file_change', changes: [] } },
      'codex:item.completed:file_change',
    ],
  ])('reports working for %j', (entry, cause) => {
    expect(classifyCodexEvent(entry)).toEqual({ state: 'working', tier: 2, cause });
  });

  it('carries a completed agent message as the last message', () => {
    expect(
      classifyCodexEvent({
        type: 'item.completed',
        item: { id: 'item_3', type: 'agent_message', text: 'Done.' },
      }),
    ).toEqual({
      state: 'working',
      tier: 2,
      cause: 'codex:item.completed:agent_message',
      lastMessage: 'Done.',
    });
  });

  it('reports idle when the turn completes', () => {
    expect(
      classifyCodexEvent({
        type: 'turn.completed',
        usage: { input_tokens: 24763, cached_input_tokens: 24448, output_tokens: 122 },
      }),
    ).toEqual({ state: 'idle', tier: 2, cause: 'codex:turn.completed' });
  });

  it.each([
    [
      {
        type: 'turn.failed',
        error: { message: 'stream error: unexpected status 401 Unauthorized' },
      },
      'codex:turn.failed',
      'unauthorized',
      'stream error: unexpected status 401 Unauthorized',
    ],
    [
      { type: 'turn.failed', error: 'exceeded retry limit, last status: 429 Too Many Requests' },
      'codex:turn.failed',
      'rate_limited',
      'exceeded retry limit, last status: 429 Too Many Requests',
    ],
    [{ type: 'turn.failed' }, 'codex:turn.failed', 'other', 'turn failed'],
    [
      { type: 'error', message: 'stream disconnected before completion: error sending request' },
      'codex:error',
      'no_internet',
      'stream disconnected before completion: error sending request',
    ],
    [
      {
        type: 'item.completed',
        item: { id: 'item_9', type: 'error', message: 'You exceeded your current quota' },
      },
      'codex:item.completed:error',
      'out_of_credits',
      'You exceeded your current quota',
    ],
  ])('reports idle with the error for %j', (entry, cause, category, detail) => {
    expect(classifyCodexEvent(entry)).toEqual({
      state: 'idle',
      tier: 2,
      cause,
      error: { category, detail },
    });
  });

  it.each([
    null,
    'turn.completed',
    [],
    {},
    { type: 3 },
    { type: 'session.configured' },
    { type: 'item.started' },
  ])('ignores %j', (entry) => {
    expect(classifyCodexEvent(entry)).toBeUndefined();
  });
});
