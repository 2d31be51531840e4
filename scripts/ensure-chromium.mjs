// Makes sure Debian's Chromium is installed for the browser tests (the test suite's global setup
// runs this). Installs the `chromium` package with apt-get when it is missing and we may; prints
// what to do otherwise. Exit 0 when /usr/bin/chromium (or $OJ_CHROMIUM) is there afterwards.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const browser = process.env.OJ_CHROMIUM || '/usr/bin/chromium';
if (existsSync(browser)) process.exit(0);
const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (!root || !existsSync('/usr/bin/apt-get')) {
  process.stderr.write(
    `ensure-chromium: ${browser} is missing; install Debian's chromium (sudo apt-get install chromium) or set OJ_CHROMIUM to a Chromium binary\n`,
  );
  process.exit(1);
}
process.stderr.write('ensure-chromium: installing Debian chromium for the browser tests…\n');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env, timeout: 600_000 });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
    stdio: 'inherit',
    env,
    timeout: 900_000,
  });
} catch (err) {
  process.stderr.write(`ensure-chromium: apt-get failed: ${String(err)}\n`);
  process.exit(1);
}
process.exit(existsSync(browser) ? 0 : 1);
