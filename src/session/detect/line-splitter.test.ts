// Line splitting across chunk boundaries, including torn lines and torn UTF-8 characters.
import { describe, expect, it } from 'vitest';
import { createLineSplitter } from './line-splitter.js';

describe('createLineSplitter', () => {
  it.each([
    ['whole lines in one chunk', ['a\nb\n'], ['a', 'b'], 0],
    ['a line torn across chunks', ['{"ty', 'pe":1}\n'], ['{"type":1}'], 0],
    ['a torn last line, held back', ['a\nb'], ['a'], 1],
    ['CRLF endings', ['a\r\nb\r\n'], ['a', 'b'], 0],
    ['empty lines', ['\n\na\n'], ['', '', 'a'], 0],
    ['nothing', [''], [], 0],
  ])('splits %s', (_what, chunks, lines, pending) => {
    const splitter = createLineSplitter();
    expect(chunks.flatMap((c) => splitter.push(c))).toEqual(lines);
    expect(splitter.pending()).toBe(pending);
  });

  it('decodes a multi-byte character split between two reads', () => {
    const bytes = Buffer.from('❯ ok\n', 'utf8');
    const splitter = createLineSplitter();
    expect(splitter.push(bytes.subarray(0, 2))).toEqual([]);
    expect(splitter.push(bytes.subarray(2))).toEqual(['❯ ok']);
  });

  it('forgets the held partial line on reset', () => {
    const splitter = createLineSplitter();
    splitter.push('{"torn":');
    splitter.reset();
    expect(splitter.push('{"fresh":1}\n')).toEqual(['{"fresh":1}']);
    expect(splitter.pending()).toBe(0);
  });
});
