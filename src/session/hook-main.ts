// The Claude hook command: `node dist/session-hook.js <Event>` posts the hook's stdin to the session
// host ($OJ_SESSION_SOCK, token $OJ_HOOK_TOKEN) and prints the reply. It exits 0 on any transport
// error and after 2 s at most, so a host that is down never wedges the agent. Deliberately tiny.
import { request } from 'node:http';

const TIMEOUT_MS = 2_000;

function readStdin(): Promise<string> {
  return new Promise((resolve) => {
    if (process.stdin.isTTY) return resolve('');
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', () => resolve(''));
  });
}

function post(socketPath: string, event: string, token: string, body: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request(
      {
        socketPath,
        path: `/hooks/${encodeURIComponent(event)}`,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-oj-hook-token': token,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve(res.statusCode === 200 ? Buffer.concat(chunks).toString('utf8') : ''),
        );
        res.on('error', () => resolve(''));
      },
    );
    req.on('error', () => resolve(''));
    req.end(body);
  });
}

async function main(): Promise<void> {
  const event = process.argv[2] ?? '';
  const socketPath = process.env.OJ_SESSION_SOCK;
  const token = process.env.OJ_HOOK_TOKEN ?? '';
  const body = await readStdin();
  if (!event || !socketPath) return;
  const reply = await post(socketPath, event, token, body);
  if (reply) process.stdout.write(reply);
}

setTimeout(() => process.exit(0), TIMEOUT_MS).unref();
main().then(
  () => process.exit(0),
  () => process.exit(0),
);
