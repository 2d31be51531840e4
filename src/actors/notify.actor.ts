// Tells humans that something needs them: always the daemon log, a desktop notification when a
// notifier is installed (notify-send on Linux, osascript on macOS), and an optional webhook. A
// failing notifier is logged and never blocks or fails what triggered it.
import { execa } from 'execa';

export interface Notification {
  /** `decision:created`, `pipeline:failed`, … — which ones notify is configurable. */
  event: string;
  title: string;
  body: string;
  data?: Record<string, unknown>;
}

export interface NotifyOptions {
  /** Events that notify; `*` for all. Default: decisions, escalations and failures. */
  events: readonly string[];
  desktop: boolean;
  webhook?: string;
  timeoutMs: number;
}

export interface NotifyDeps {
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  platform: NodeJS.Platform;
  fetch: typeof fetch;
}

export const DEFAULT_NOTIFY_EVENTS = ['decision:created', 'pipeline:escalated', 'pipeline:failed'];

/** Reads `OJ_NOTIFY_EVENTS` (comma list or `*`), `OJ_NOTIFY_DESKTOP=0`, `OJ_NOTIFY_WEBHOOK`. */
export function toNotifyOptions(env: Record<string, string | undefined>): NotifyOptions {
  const events = env.OJ_NOTIFY_EVENTS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    events: events?.length ? events : DEFAULT_NOTIFY_EVENTS,
    desktop: env.OJ_NOTIFY_DESKTOP !== '0',
    ...(env.OJ_NOTIFY_WEBHOOK ? { webhook: env.OJ_NOTIFY_WEBHOOK } : {}),
    timeoutMs: 5_000,
  };
}

export function wantsNotification(options: NotifyOptions, event: string): boolean {
  return options.events.includes('*') || options.events.includes(event);
}

/** Sends `n` everywhere configured; resolves when all channels settled (never rejects). */
export async function sendNotification(
  n: Notification,
  options: NotifyOptions,
  deps: NotifyDeps,
): Promise<void> {
  if (!wantsNotification(options, n.event)) return;
  deps.log('warn', `notify ${n.event}: ${n.title} — ${n.body}`);
  const channels: Promise<void>[] = [];
  if (options.desktop) channels.push(desktop(n, options, deps));
  if (options.webhook) channels.push(webhook(n, options.webhook, options, deps));
  await Promise.all(channels);
}

async function desktop(n: Notification, options: NotifyOptions, deps: NotifyDeps): Promise<void> {
  const command =
    deps.platform === 'darwin'
      ? {
          file: 'osascript',
          args: [
            '-e',
            `display notification ${appleQuote(n.body)} with title ${appleQuote(n.title)}`,
          ],
        }
      : { file: 'notify-send', args: ['--app-name=oj', n.title, n.body] };
  try {
    await execa(command.file, command.args, { timeout: options.timeoutMs, stdin: 'ignore' });
  } catch (err) {
    const missing = (err as { code?: string }).code === 'ENOENT';
    // No desktop notifier installed is normal on servers: say so once per call, quietly.
    deps.log(
      missing ? 'info' : 'warn',
      `desktop notification skipped: ${missing ? `${command.file} is not installed` : String(err)}`,
    );
  }
}

async function webhook(
  n: Notification,
  url: string,
  options: NotifyOptions,
  deps: NotifyDeps,
): Promise<void> {
  try {
    const response = await deps.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: n.event, title: n.title, body: n.body, ...n.data }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (!response.ok) deps.log('warn', `webhook ${url} answered ${response.status}`);
  } catch (err) {
    deps.log('warn', `webhook ${url} failed: ${String(err)}`);
  }
}

function appleQuote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
