// Agents' priority: the OJ_AGENT_NICE setting, and lowering a real process's priority and its
// session's scheduling group.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { agentNice, DEFAULT_AGENT_NICE, yieldCpu } from './priority.js';

describe('agentNice', () => {
  it('reads 0–19 and falls back to the default, saying why, for anything else', () => {
    expect(agentNice(undefined)).toEqual({ nice: DEFAULT_AGENT_NICE });
    expect(agentNice('')).toEqual({ nice: DEFAULT_AGENT_NICE });
    expect(agentNice('0')).toEqual({ nice: 0 });
    expect(agentNice('19')).toEqual({ nice: 19 });
    for (const bad of ['20', '-5', '2.5', 'low']) {
      expect(agentNice(bad)).toEqual({
        nice: DEFAULT_AGENT_NICE,
        warning: expect.stringContaining(`OJ_AGENT_NICE=${bad} is ignored`) as string,
      });
    }
  });
});

describe('yieldCpu', () => {
  const children: number[] = [];
  afterEach(() => {
    for (const pid of children.splice(0)) process.kill(pid, 'SIGKILL');
  });

  /** A process leading its own session, as a session host and its agent do. */
  const leader = (): number => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    child.unref();
    children.push(child.pid as number);
    return child.pid as number;
  };
  const groupNice = (pid: number) =>
    Number(readFileSync(`/proc/${pid}/autogroup`, 'utf8').trim().split(' ').at(-1));

  it("lowers a process's priority and its session group's, and never raises either", () => {
    const pid = leader();
    expect(yieldCpu(pid, 7)).toBeNull();
    expect(getPriority(pid)).toBe(7);
    const autogroup = existsSync(`/proc/${pid}/autogroup`);
    if (autogroup) expect(groupNice(pid)).toBe(7);
    expect(yieldCpu(pid, 3)).toBeNull(); // already lower than asked: left alone
    expect(getPriority(pid)).toBe(7);
    if (autogroup) expect(groupNice(pid)).toBe(7);
  });

  it('does nothing at 0', () => {
    const pid = leader();
    expect(yieldCpu(pid, 0)).toBeNull();
    expect(getPriority(pid)).toBe(0);
  });

  it('says what failed for a process that is gone, and does not throw', () => {
    expect(yieldCpu(2 ** 22 + 1, 5)).toMatch(/could not lower the priority of \d+ \(setpriority: /);
  });
});
