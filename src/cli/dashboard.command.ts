// `oj dashboard`: makes the daemon serve the dashboard and HTTP API on 127.0.0.1, prints the URL
// with its access token, and opens it when there is a desktop to open it on.
import { spawn } from 'node:child_process';
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
  if (opts.output === 'json') return printJson(result);
  process.stdout.write(`${result.link}\n`);
  const desktop =
    process.platform === 'darwin' || !!process.env.DISPLAY || !!process.env.WAYLAND_DISPLAY;
  if (opts.open && desktop && process.stdout.isTTY) {
    const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
    spawn(opener, [result.link], { stdio: 'ignore', detached: true })
      .on('error', () => undefined)
      .unref();
  }
}
