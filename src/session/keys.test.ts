import { describe, expect, it } from 'vitest';
import { keyBytes } from './keys.js';

describe('keyBytes', () => {
  it.each([
    ['Enter', '\r'],
    ['escape', '\x1b'],
    ['Down', '\x1b[B'],
    ['Shift-Tab', '\x1b[Z'],
    ['C-c', '\x03'],
    ['ctrl-d', '\x04'],
    ['y', 'y'],
    ['❯', '❯'],
  ])('%s', (name, bytes) => {
    expect(keyBytes(name)).toBe(bytes);
  });

  it('knows no made-up key', () => {
    expect(keyBytes('Hyper')).toBeUndefined();
  });
});
