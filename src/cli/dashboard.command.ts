// `oj dashboard`: makes the daemon serve the dashboard and HTTP API on 127.0.0.1, prints the URL
// with its access token, and opens it when there is a desktop to open it on.
import { spawn } from 'node:child_process';
import { findProjectRoot } from '../runtime/index.js';
import { call } from './call.js';
import { printJson } from './output.js';

export async function dashboardCommand(opts: {
  output: string;
  port?: string;
  open: boolean;
}): Promise<void> {
  const result = await call<{ url: string; token: string; link: string }>('dashboard.start', {
    ...(opts.port ? { port: Number(opts.port) } : {}),
  });
  // Opened from a project, the page also shows that project's queues, locks and semaphores.
  const root = findProjectRoot(process.cwd());
  const link = root ? `${result.link}&project=${encodeURIComponent(root)}` : result.link;
  if (opts.output === 'json') return printJson({ ...result, link });
  process.stdout.write(`${link}\n`);
  const desktop =
    process.platform === 'darwin' || !!process.env.DISPLAY || !!process.env.WAYLAND_DISPLAY;
  if (opts.open && desktop && process.stdout.isTTY) {
    const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
    spawn(opener, [link], { stdio: 'ignore', detached: true })
      .on('error', () => undefined)
      .unref();
  }
}
