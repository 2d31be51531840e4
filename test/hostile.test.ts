// Hostile input through the real binary: shell metacharacters, template syntax and path traversal
// in queue items and pipeline inputs arrive as data and never run; fuzzed request frames and
// method params get structured errors while the daemon keeps serving; agents' environments carry
// no daemon credentials.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { OJ_BIN, cleanEnv, makeProject, runOj } from './helpers/oj.js';
import { waitFor } from './helpers/wait.js';

const RUNBOOK = `
[command.echo]
args = "<value>"
run = { pipeline = "echo" }

[pipeline.echo]
inputs = ["value"]

[[pipeline.echo.phase]]
name = "write"
run = "printf '%s\\\\n' {value} >> values.txt"

[queue.items]

[worker.eater]
queue = "items"
handler = "pipeline.eat"
concurrency = 2

[pipeline.eat]
inputs = ["value"]

[[pipeline.eat.phase]]
name = "write"
run = "printf '%s\\\\n' {value} >> items.txt"
`;

let project: string;
let state: string;
const oj = (...args: string[]) => runOj(args, { cwd: project, env: { OJ_STATE_DIR: state } });
const read = (file: string) =>
  existsSync(join(project, file)) ? readFileSync(join(project, file), 'utf8') : '';

beforeAll(() => {
  project = makeProject({ 'hostile.toml': RUNBOOK });
  state = mkdtempSync(join(tmpdir(), 'oj-hostile-'));
});

afterAll(() => {
  oj('daemon', 'stop', '--kill');
});

/** Values that would run something, or reach outside, if they were ever treated as code. */
const hostile = (dir: string) => [
  `'; touch ${dir}/pwned-1; echo '`,
  `$(touch ${dir}/pwned-2)`,
  `\`touch ${dir}/pwned-3\``,
  `"; touch ${dir}/pwned-4; echo "`,
  '{{ 7 * 7 }} {% raw %} {value}',
  '../../etc/passwd',
  'line one\nline two; touch pwned-5',
];

describe('hostile input', () => {
  it('keeps shell, template and path syntax in inputs and queue items as data', async () => {
    const values = hostile(project);
    for (const value of values) expect(oj('run', 'echo', value).code).toBe(0);
    oj('worker', 'start', 'eater');
    values.forEach((value, i) =>
      expect(oj('queue', 'add', 'items', `value=${value}`, '--id', `v${i}`).code).toBe(0),
    );
    await waitFor(
      () => read('values.txt').split('\n').length > values.length,
      'every pipeline to write',
    );
    await waitFor(
      () => read('items.txt').split('\n').length > values.length,
      'every item to be eaten',
    );
    const lines = (file: string) => read(file).trimEnd().split('\n').sort();
    const expected = values.flatMap((v) => v.split('\n')).sort();
    expect(lines('values.txt')).toEqual(expected);
    expect(lines('items.txt')).toEqual(expected);
    for (let i = 1; i <= 5; i++) expect(existsSync(join(project, `pwned-${i}`))).toBe(false);
    // The journal still reads back: every pipeline listed and done.
    const list = JSON.parse(oj('pipeline', 'list', '-o', 'json').stdout) as { status: string }[];
    expect(list).toHaveLength(values.length * 2);
    expect(list.every((p) => p.status === 'done')).toBe(true);
  });

  it('answers fuzzed frames and method params with structured errors, and keeps serving', async () => {
    const { socket } = JSON.parse(oj('daemon', 'status', '-o', 'json').stdout) as {
      socket: string;
    };
    const replies: Record<string, unknown>[] = [];
    const ws = new WebSocket('ws://ojd/', { createConnection: () => connect(socket) });
    ws.on('message', (d) => replies.push(JSON.parse(String(d)) as Record<string, unknown>));
    ws.on('error', () => undefined);
    await new Promise((resolve) => ws.once('open', resolve));
    const methods = [
      'pipeline.show',
      'queue.add',
      'session.send',
      'decision.resolve',
      'prune',
      'emit',
    ];
    let sent = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
          fc
            .record({ method: fc.constantFrom(...methods), params: fc.jsonValue({ maxDepth: 3 }) })
            .map((r) => JSON.stringify({ type: 'request', id: 1_000 + sent, ...r })),
        ),
        (frame) => {
          ws.send(frame);
          sent++;
        },
      ),
      { numRuns: 300, seed: 42 },
    );
    await waitFor(
      () => replies.length >= sent + 1 || ws.readyState !== ws.OPEN,
      'replies to every frame',
      15_000,
    );
    for (const reply of replies.slice(1))
      expect(reply.type === 'error' || reply.ok === false || reply.ok === true).toBe(true);
    ws.terminate();
    expect(oj('daemon', 'status').code).toBe(0);
    expect(oj('pipeline', 'list').code).toBe(0);
  });

  it('answers fuzzed command lines with a usage or not-found error, never a crash', async () => {
    // Every command that returns on its own (no -f, wait, attach, mcp, dashboard or daemon stop).
    const commands = [
      ['run'],
      ['run', 'echo'],
      ['pipeline', 'show'],
      ['pipeline', 'list', '--status'],
      ['pipeline', 'cancel'],
      ['pipeline', 'resume'],
      ['pipeline', 'transition'],
      ['queue', 'add'],
      ['queue', 'add', 'items'],
      ['queue', 'show'],
      ['queue', 'retry', 'items'],
      ['queue', 'drop'],
      ['worker', 'wake'],
      ['lock', 'is-stale'],
      ['emit'],
      ['session', 'send'],
      ['session', 'idle-time', '--over'],
      ['decision', 'resolve'],
      ['workspace', 'show'],
      ['prune', '--dry-run', '--max-age'],
      ['events', '--limit'],
      ['runbook', 'show'],
    ];
    const word = fc.oneof(
      fc.constantFrom(...hostile(project), '--', '-o', 'json', '--id', '--priority', '-x', '=', ''),
      fc.string({ maxLength: 30 }),
      fc.integer().map(String),
    );
    const lines = fc.sample(
      fc.tuple(fc.constantFrom(...commands), fc.array(word, { maxLength: 4 })),
      { numRuns: 60, seed: 11 },
    );
    const failures: string[] = [];
    const run = (argv: string[]) =>
      new Promise<void>((resolve) => {
        const child = spawn(process.execPath, [OJ_BIN, ...argv], {
          cwd: project,
          env: { ...cleanEnv(), OJ_STATE_DIR: state },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          const crashed = /\n\s+at |TypeError|ReferenceError|node:internal/.test(stderr);
          if (code === null || code > 2 || crashed)
            failures.push(`oj ${JSON.stringify(argv)} → ${code}\n${stderr}`);
          else if (stderr.includes('bad params for'))
            // The daemon's schema caught what the CLI should have checked and explained itself.
            failures.push(`oj ${JSON.stringify(argv)} was not checked by the CLI:\n${stderr}`);
          else if (code !== 0 && !/^(oj: |error: )/m.test(stderr))
            failures.push(`oj ${JSON.stringify(argv)} → ${code} without an error line:\n${stderr}`);
          resolve();
        });
      });
    for (let i = 0; i < lines.length; i += 2)
      // two at a time: the machine has two cores
      await Promise.all(
        lines.slice(i, i + 2).map(([command, words]) => run([...command, ...words])),
      );
    expect(failures).toEqual([]);
    expect(readdirSync(project).filter((f) => f.startsWith('pwned'))).toEqual([]);
    expect(oj('daemon', 'status').code).toBe(0);
  }, 60_000);

  it('refuses a connection to the control socket from another user', () => {
    const { socket } = JSON.parse(oj('daemon', 'status', '-o', 'json').stdout) as {
      socket: string;
    };
    const probe = `require('net').connect(${JSON.stringify(socket)})
      .on('connect', () => { console.log('CONNECTED'); process.exit(0); })
      .on('error', (e) => { console.log(e.code); process.exit(0); });`;
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    if (!root) {
      // Without root the spec cannot switch users: check the modes that make it so instead.
      expect(statSync(socket).mode & 0o077).toBe(0);
      return;
    }
    const r = spawnSync(process.execPath, ['-e', probe], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(r.stdout.trim()).toMatch(/^(EACCES|EPERM)$/);
    expect(statSync(socket).mode & 0o077).toBe(0);
    expect(statSync(dirname(socket)).mode & 0o077).toBe(0);
  });
});
