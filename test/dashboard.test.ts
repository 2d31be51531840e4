// Browser tests of the dashboard in real headless Chromium (Debian's, driven by playwright-core;
// scripts/ensure-chromium.mjs installs it when missing): the board follows a pipeline live, a
// decision is resolved from the page, requests without the token are refused. Screenshots of the
// board go to test-results/screenshots/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, makeProject, runOj } from './helpers/oj.js';

const RUNBOOK = `
[command.hold]
args = "<tag>"
run = { pipeline = "hold" }

[pipeline.hold]
inputs = ["tag"]

[[pipeline.hold.phase]]
name = "wait"
lock = "gate"
run = "while [ ! -e go-{tag} ]; do sleep 0.05; done"

[lock.gate]

[queue.todo]

[command.chat]
run = { pipeline = "chat" }

[pipeline.chat]

[[pipeline.chat.phase]]
name = "talk"
agent = "talker"

[agent.talker]
command = "oj-fake-agent --scenario SCENARIO"
driver = "claude"
prompt = "Say hello."
env = { CLAUDE_CONFIG_DIR = "CLAUDEDIR" }

[command.fragile]
run = { pipeline = "fragile" }

[pipeline.fragile]

[[pipeline.fragile.phase]]
name = "try"
run = "test -e fixed"
on_fail = "escalate"
`;

const SHOTS = join(REPO_ROOT, 'test-results', 'screenshots');
let project: string;
let state: string;
let link: string;
let browser: Browser;
let page: Page;
const oj = (...args: string[]) =>
  runOj(args, { cwd: project, env: { OJ_STATE_DIR: state, OJ_SESSION_TIMING: 'test' } });
const card = (name: string, status: string) =>
  page.locator(`.column[data-status="${status}"] .card`, { hasText: name });

beforeAll(async () => {
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'ensure-chromium.mjs')], {
    stdio: 'inherit',
  });
  state = mkdtempSync(join(tmpdir(), 'oj-dash-'));
  const scenario = join(state, 'talker.toml');
  writeFileSync(
    scenario,
    `[[turn]]\non = { contains = "ship it" }\nsteps = [{ say = "Shipping." }, { done = {} }]\n\n` +
      `[[turn]]\non = "*"\nsteps = [{ say = "Hello from the fake agent." }, { idle = true }]\n`,
  );
  project = makeProject({
    'web.toml': RUNBOOK.replace('SCENARIO', scenario).replace('CLAUDEDIR', join(state, 'claude')),
  });
  link = (JSON.parse(oj('dashboard', '--no-open', '-o', 'json').stdout) as { link: string }).link;
  browser = await chromium.launch({
    executablePath: process.env.OJ_CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  mkdirSync(SHOTS, { recursive: true });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  oj('daemon', 'stop', '--kill');
});

describe('the dashboard', () => {
  it('shows a running pipeline and moves its card when it finishes, without a reload', async () => {
    await page.goto(link);
    await page.locator('#status', { hasText: 'live' }).waitFor();
    oj('run', 'hold', 'a');
    await card('hold-a', 'running').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(SHOTS, 'board-running.png'), fullPage: true });
    const loads: string[] = [];
    page.on('load', () => loads.push(page.url()));
    writeFileSync(join(project, 'go-a'), '');
    await card('hold-a', 'done').waitFor({ timeout: 15_000 });
    expect(await card('hold-a', 'running').count()).toBe(0);
    expect(loads).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'board-done.png'), fullPage: true });
  });

  it('opens a pipeline page: phase timeline, log, and its machine with the current state lit', async () => {
    oj('run', 'hold', 'b');
    await card('hold-b', 'running').waitFor({ timeout: 15_000 });
    await card('hold-b', 'running').click();
    await page.locator('#pipeline-title', { hasText: 'hold-b' }).waitFor();
    await page.locator('#timeline tr[data-phase="wait"]', { hasText: 'running' }).waitFor();
    const lit = page.locator(
      '#diagram svg g.node polygon[fill="#ffd54f"], #diagram svg g.node path[fill="#ffd54f"]',
    );
    await lit.first().waitFor({ timeout: 15_000 });
    expect(await page.locator('#diagram svg g.node', { hasText: 'wait' }).count()).toBeGreaterThan(
      0,
    );
    await page.screenshot({ path: join(SHOTS, 'pipeline-page.png'), fullPage: true });
    writeFileSync(join(project, 'go-b'), '');
    await page.locator('#pipeline-title', { hasText: 'done' }).waitFor({ timeout: 15_000 });
    await page.locator('#timeline tr[data-phase="wait"]', { hasText: 'done' }).waitFor();
  });

  it('shows queues with their items and dependency graph, and who holds a lock', async () => {
    oj('queue', 'add', 'todo', '--id', 'first', 'x=1');
    oj('queue', 'add', 'todo', '--id', 'second', '--after', 'first', 'x=2');
    oj('run', 'hold', 'c');
    const queue = page.locator('.queue[data-queue="todo"]');
    await queue
      .locator('li[data-item="second"]', { hasText: 'after first' })
      .waitFor({ timeout: 15_000 });
    await queue.locator('.deps svg g.edge').first().waitFor();
    await page
      .locator('.lock[data-lock="gate"]', { hasText: 'held by' })
      .waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(SHOTS, 'queues-locks.png'), fullPage: true });
    writeFileSync(join(project, 'go-c'), '');
    await page.locator('.lock[data-lock="gate"]', { hasText: 'free' }).waitFor({ timeout: 15_000 });
  });

  it('resolves a decision from the page, which resumes the pipeline', async () => {
    oj('run', 'fragile');
    const decision = page.locator('.decision', { hasText: 'fragile' });
    await decision.waitFor({ timeout: 15_000 });
    await card('fragile', 'escalated').waitFor();
    writeFileSync(join(project, 'fixed'), '');
    await decision.locator('button[data-option="retry"]').click();
    await card('fragile', 'done').waitFor({ timeout: 15_000 });
    await page.locator('#decisions', { hasText: 'none' }).waitFor();
  });

  it("shows an agent's terminal live, and sends it a message from the page", async () => {
    oj('run', 'chat');
    const row = page.locator('.session', { hasText: 'chat' });
    await row.waitFor({ timeout: 20_000 });
    await page.locator('.session', { hasText: 'idle' }).waitFor({ timeout: 20_000 });
    await row.locator('button[data-watch]').click();
    await page
      .locator('#terminal', { hasText: 'Hello from the fake agent.' })
      .waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(SHOTS, 'agent-terminal.png'), fullPage: true });
    await page.fill('#say', 'ship it');
    await page.click('#send');
    await card('chat', 'done').waitFor({ timeout: 20_000 });
  });

  it('refuses the page and the API without the token', async () => {
    const url = new URL(link);
    url.search = '';
    const response = await page.goto(url.toString());
    expect(response?.status()).toBe(401);
    expect(await page.textContent('body')).toContain('missing or wrong access token');
  });
});
