import { afterEach, describe, expect, it } from 'vitest';
import { SessionHost } from './host.js';
import { planLaunch } from './launch.js';
import type { HostFrame } from './protocol.js';
import { resolveTiming } from './timing.js';

const hosts: SessionHost[] = [];

afterEach(async () => {
  for (const host of hosts.splice(0)) {
    host.kill({ drain: false });
    host.kill({}); // the second kill is SIGKILL
    await host.exited;
    host.close();
  }
});

function startHost(command: string): SessionHost {
  const launch = planLaunch({
    command,
    driver: 'generic',
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    settingsPath: '/nonexistent/settings.json',
    socketPath: '/nonexistent/s.sock',
    hookToken: 'tok',
  });
  const host = new SessionHost({
    agentId: 'ag-in-process',
    driver: 'generic',
    launch,
    timing: resolveTiming('test'),
    cols: 40,
    rows: 5,
  });
  hosts.push(host);
  return host;
}

function open(host: SessionHost) {
  const frames: HostFrame[] = [];
  const channel = host.openChannel({ send: (f) => frames.push(f), bufferedAmount: () => 0 });
  const replies = () => frames.filter((f) => f.type === 'reply');
  return { channel, frames, replies };
}

async function until<T>(check: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('SessionHost in-process', () => {
  it('greets a channel with hello and answers a bad frame with BAD_REQUEST and its id', () => {
    const host = startHost('sleep 30');
    const { channel, frames } = open(host);
    expect(frames[0]).toMatchObject({
      type: 'hello',
      agentId: 'ag-in-process',
      agentPid: host.agentPid,
      cols: 40,
    });
    channel.receive('{"type":"nudge","id":9}');
    channel.receive('{"oops"');
    expect(frames.slice(1)).toEqual([
      {
        type: 'reply',
        id: 9,
        ok: false,
        error: { code: 'BAD_REQUEST', message: expect.stringContaining('"message"') },
      },
      {
        type: 'reply',
        id: null,
        ok: false,
        error: { code: 'BAD_REQUEST', message: 'bad frame: frame is not JSON' },
      },
    ]);
  });

  it('replays missed events ahead of the subscribe reply, whose snapshot has the newest seq', async () => {
    const host = startHost('sh -c "echo hello; sleep 30"');
    await until(() => host.state === 'idle' || undefined, 'idle');
    const { channel, frames } = open(host);
    channel.receive('{"type":"subscribe","id":1,"topics":["state"],"sinceSeq":0}');
    expect(frames.slice(1).map((f) => f.type)).toEqual(['state', 'state', 'reply']);
    expect(frames[3]).toMatchObject({
      ok: true,
      result: { replayed: 2, snapshot: { seq: 2, state: 'idle' } },
    });
  });

  it('answers NO_PROMPT to a respond without a dialog, and EXITED once the agent is gone', async () => {
    const host = startHost('sleep 30');
    const { channel, replies } = open(host);
    channel.receive('{"type":"respond","id":1,"accept":true}');
    await until(() => replies()[0], 'the respond reply');
    expect(replies()[0]).toMatchObject({ ok: false, error: { code: 'NO_PROMPT' } });
    host.kill({});
    const exit = await host.exited;
    expect(exit).toMatchObject({ type: 'exit', signal: 'SIGHUP', code: null });
    channel.receive('{"type":"input","id":2,"text":"x"}');
    await until(() => replies()[1], 'the input reply');
    expect(replies()[1]).toMatchObject({ ok: false, error: { code: 'EXITED' } });
  });
});
