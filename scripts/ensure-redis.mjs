// Makes sure Debian's redis-server is installed for the queue benchmark's BullMQ baseline
// (bench/queue.mjs runs this). Installs the `redis-server` package with apt-get when it is missing
// and we may; prints what to do otherwise. Exit 0 when `redis-server` is on PATH afterwards.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const onPath = () => spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

if (onPath()) process.exit(0);
const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (!root || !existsSync('/usr/bin/apt-get')) {
  process.stderr.write(
    "ensure-redis: redis-server is not on PATH; install Debian's redis-server (sudo apt-get install redis-server) for the BullMQ baseline\n",
  );
  process.exit(1);
}
process.stderr.write('ensure-redis: installing Debian redis-server for the queue benchmark…\n');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env, timeout: 600_000 });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], {
    stdio: 'inherit',
    env,
    timeout: 900_000,
  });
} catch (err) {
  process.stderr.write(`ensure-redis: apt-get failed: ${String(err)}\n`);
  process.exit(1);
}
if (!onPath()) {
  process.stderr.write('ensure-redis: apt-get succeeded but redis-server is still not on PATH\n');
  process.exit(1);
}
process.exit(0);
