// End-to-end: OJ_INSPECT streams XState inspection events of the daemon's actors over the
// @statelyai/inspect WebSocket protocol; an @statelyai/inspect receiver sees a pipeline's actor,
// event and snapshot messages.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWebSocketReceiver } from '@statelyai/inspect';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { makeProject, runOj } from './helpers/oj.js';
import { waitFor } from './helpers/wait.js';

const relay = new WebSocketServer({ host: '127.0.0.1', port: 0 });
let project = '';
let state = '';
const oj = (...args: string[]) =>
  runOj(args, {
    cwd: project,
    env: {
      OJ_STATE_DIR: state,
      OJ_INSPECT: `ws://127.0.0.1:${(relay.address() as { port: number }).port}`,
    },
  });

afterAll(() => {
  oj('daemon', 'stop', '--kill');
  relay.close();
});

describe('the inspector stream', () => {
  it('carries actor, event and snapshot messages for a running pipeline', async () => {
    await new Promise((resolve) =>
      relay.address() ? resolve(null) : relay.once('listening', resolve),
    );
    // The relay forwards what the daemon's inspector sends to every other client (the receiver).
    relay.on('connection', (ws) =>
      ws.on('message', (data) => {
        for (const client of relay.clients)
          if (client !== ws && client.readyState === client.OPEN) client.send(String(data));
      }),
    );
    const port = (relay.address() as { port: number }).port;
    const seen: { type: string; event?: { type?: string }; snapshot?: unknown }[] = [];
    createWebSocketReceiver({ server: `ws://127.0.0.1:${port}` }).subscribe((e) =>
      seen.push(e as never),
    );
    await waitFor(() => relay.clients.size >= 1, 'the receiver to connect');
    project = makeProject({
      'p.toml': `
[command.two]
run = { pipeline = "two" }

[pipeline.two]

[[pipeline.two.phase]]
name = "first"
run = "true"

[[pipeline.two.phase]]
name = "second"
run = "true"
`,
    });
    state = mkdtempSync(join(tmpdir(), 'oj-inspect-'));
    expect(oj('run', 'two').code).toBe(0);
    await waitFor(
      () => seen.some((e) => e.type === '@xstate.event' && e.event?.type === 'effect.done'),
      'inspection events of the pipeline',
    );
    const types = new Set(seen.map((e) => e.type));
    expect([...types]).toEqual(
      expect.arrayContaining(['@xstate.actor', '@xstate.event', '@xstate.snapshot']),
    );
    expect(seen.some((e) => e.type === '@xstate.event' && e.event?.type === 'pipeline.start')).toBe(
      true,
    );
  });
});
