// `oj session attach <id>`: a real interactive terminal on an agent's PTY, straight to its session
// host. Ctrl-] detaches and leaves the agent running.
import { connectSession } from '../session/index.js';
import { call } from './call.js';
import { CliError } from './errors.js';

const DETACH = 0x1d; // Ctrl-]

export async function attachSession(id: string): Promise<void> {
  const { socket, id: full } = await call<{ id: string; socket: string }>('session.attach-info', {
    id,
  });
  if (!process.stdin.isTTY)
    throw new CliError(
      'NOT_A_TTY',
      'oj session attach needs an interactive terminal (stdin is not a TTY); use oj session peek / send instead',
    );
  const client = await connectSession(socket, { timeoutMs: 5_000 });
  const cols = process.stdout.columns || 100;
  const rows = process.stdout.rows || 30;
  process.stderr.write(`attached to ${full} — Ctrl-] detaches\r\n`);
  await client.attach(cols, rows, (data: string) => {
    process.stdout.write(data);
  });
  process.stdin.setRawMode(true);
  process.stdin.resume();
  await new Promise<void>((resolve) => {
    const finish = () => {
      process.stdin.setRawMode(false);
      process.stdin.pause();
      process.stdin.off('data', onData);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      const at = chunk.indexOf(DETACH);
      if (at >= 0) {
        if (at > 0) void client.input({ data: chunk.subarray(0, at) });
        finish();
        return;
      }
      void client.input({ data: chunk });
    };
    process.stdin.on('data', onData);
    client.onClose(finish);
  });
  try {
    await client.detach();
  } catch {
    // the host may be gone already
  }
  client.close();
  process.stderr.write(`\r\ndetached from ${full} (it keeps running)\r\n`);
}
