// Specs for the key tokenizer: what a raw-mode TUI makes of each stdin chunk.
import { describe, expect, it } from 'vitest';
import { hasText, toKeys } from './keys.js';

describe('toKeys', () => {
  it.each([
    ['hello\r', [{ kind: 'text', text: 'hello' }, { kind: 'enter' }]],
    ['\r', [{ kind: 'enter' }]],
    ['\x1b', [{ kind: 'escape' }]],
    ['\x1b[A\x1b[B', [{ kind: 'up' }, { kind: 'down' }]],
    ['a\x7fb', [{ kind: 'text', text: 'a' }, { kind: 'backspace' }, { kind: 'text', text: 'b' }]],
    ['\x03', [{ kind: 'ctrl-c' }]],
    ['\x1b[200~one\r\ntwo\x1b[201~', [{ kind: 'paste', text: 'one\ntwo' }]],
    ['\x1b[1;5C', [{ kind: 'other', sequence: '\x1b[1;5C' }]],
  ])('splits %j into keys', (chunk, keys) => {
    expect(toKeys(chunk)).toEqual(keys);
  });

  it('counts a chunk as carrying text only when it has typed or pasted text', () => {
    expect(hasText(toKeys('fix it\r'))).toBe(true);
    expect(hasText(toKeys('\r'))).toBe(false);
    expect(hasText(toKeys('\x1b'))).toBe(false);
  });
});
