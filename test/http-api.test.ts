// End-to-end: the daemon's HTTP API behind `oj dashboard` — token-protected JSON endpoints over
// the same methods as the CLI, a live WebSocket event stream, and the dashboard page.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { makeProject, runOj } from './helpers/oj.js';
import { waitFor } from './helpers/wait.js';

const RUNBOOK = `
[command.hold]
args = "<tag>"
run = { pipeline = "hold" }

[pipeline.hold]
inputs = ["tag"]

[[pipeline.hold.phase]]
name = "wait"
run = "while [ ! -e go-{tag} ]; do sleep 0.05; done"

[command.broken]
run = { pipeline = "broken" }

[pipeline.broken]

[[pipeline.broken.phase]]
name = "fail"
run = "exit 1"
on_fail = "escalate"
`;

let project: string;
let state: string;
let base: string;
let token: string;
const oj = (...args: string[]) => runOj(args, { cwd: project, env: { OJ_STATE_DIR: state } });
const get = (path: string, auth = token) =>
  fetch(new URL(path, base), { headers: auth ? { authorization: `Bearer ${auth}` } : {} });
const post = (path: string, body: unknown) =>
  fetch(new URL(path, base), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

beforeAll(() => {
  project = makeProject({ 'web.toml': RUNBOOK });
  state = mkdtempSync(join(tmpdir(), 'oj-web-'));
  const r = oj('dashboard', '--no-open', '-o', 'json');
  expect(r.code).toBe(0);
  ({ url: base, token } = JSON.parse(r.stdout) as { url: string; token: string });
});

afterAll(() => {
  oj('daemon', 'stop', '--kill');
});

describe('the HTTP API', () => {
  it('listens on 127.0.0.1 and refuses requests without the right token', async () => {
    expect(new URL(base).hostname).toBe('127.0.0.1');
    expect((await get('/api/pipelines', '')).status).toBe(401);
    expect((await get('/api/pipelines', 'not-the-token')).status).toBe(401);
    expect((await fetch(new URL('/', base))).status).toBe(401);
    const page = await fetch(new URL(`/?token=${token}`, base));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>oj dashboard</title>');
  });

  it('serves pipelines and streams journal events live over the WebSocket', async () => {
    const events: { type: string }[] = [];
    const ws = new WebSocket(`${base.replace('http', 'ws')}api/stream?token=${token}`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.on('message', (data) => events.push(JSON.parse(String(data)) as { type: string }));
    oj('run', 'hold', 'a');
    await waitFor(() => events.some((e) => e.type === 'pipeline:create'), 'the create event');
    const pipelines = (await (
      await get(`/api/pipelines?project=${encodeURIComponent(project)}`)
    ).json()) as {
      id: string;
      name: string;
      status: string;
    }[];
    const held = pipelines.find((p) => p.name === 'hold-a');
    expect(held?.status).toMatch(/running|pending/);
    const shown = (await (await get(`/api/pipelines/${held?.id}`)).json()) as { phase: string };
    expect(shown.phase).toBe('wait');
    writeFileSync(join(project, 'go-a'), '');
    await waitFor(() => events.some((e) => e.type === 'pipeline:done'), 'the done notice');
    ws.close();
  });

  it('resolves a decision, and answers bad requests and unknown ids with clear errors', async () => {
    oj('run', 'broken');
    const decision = await waitFor(async () => {
      const list = (await (await get('/api/decisions')).json()) as {
        id: string;
        pipeline: string;
      }[];
      return list[0];
    }, 'the decision');
    const resolved = await post(`/api/decisions/${decision.id}/resolve`, { option: 'cancel' });
    expect(resolved.status).toBe(200);
    expect(((await resolved.json()) as { status: string }).status).toBe('cancelled');
    const bad = await post(`/api/decisions/${decision.id}/resolve`, '{not json');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /not valid JSON/,
    );
    const missing = await post(`/api/decisions/${decision.id}/resolve`, {});
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(
      /option/,
    );
    const unknown = await get('/api/pipelines/pl-nope');
    expect(unknown.status).toBe(404);
    expect((await get('/api/nowhere')).status).toBe(404);
  });
});
