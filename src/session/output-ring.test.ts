import { describe, expect, it } from 'vitest';
import { OutputRing } from './output-ring.js';

describe('OutputRing', () => {
  it('returns the output since an offset while it is held', () => {
    const ring = new OutputRing(100);
    expect(ring.push('hello ')).toBe(0);
    expect(ring.push('world')).toBe(6);
    expect(ring.end).toBe(11);
    expect(ring.since(6)).toBe('world');
    expect(ring.since(0)).toBe('hello world');
    expect(ring.since(11)).toBe('');
  });

  it('counts offsets in bytes', () => {
    const ring = new OutputRing(100);
    ring.push('é');
    expect(ring.push('x')).toBe(2);
  });

  it('drops the oldest chunks past its size, and says so for offsets before them', () => {
    const ring = new OutputRing(10);
    for (let i = 0; i < 10; i++) ring.push('abcd');
    expect(ring.start).toBeGreaterThan(0);
    expect(ring.end - ring.start).toBeLessThanOrEqual(14);
    expect(ring.since(0)).toBeUndefined();
    expect(ring.since(ring.end + 1)).toBeUndefined();
    expect(ring.since(ring.end - 4)).toBe('abcd');
  });

  it('always keeps the newest chunk, however large', () => {
    const ring = new OutputRing(4);
    ring.push('x'.repeat(50));
    expect(ring.since(0)).toBe('x'.repeat(50));
  });
});
