// Specs for suggest(): the closest known name within a length-scaled edit distance, or nothing.
import { describe, expect, it } from 'vitest';
import { suggest } from './suggest.js';

describe('suggest', () => {
  it.each([
    ['forse', ['force', 'tag'], 'force'], // one substitution
    ['forc', ['force', 'tag'], 'force'], // one deletion
    ['forcee', ['force', 'tag'], 'force'], // one insertion
    ['FORCE', ['force', 'tag'], 'force'], // case is ignored, the candidate is returned as written
    ['tg', ['force', 'tag'], 'tag'], // short inputs still allow one edit
    ['tests_pas', ['tests_pass', 'tests_fail'], 'tests_pass'],
    ['verison', ['version', 'verbose'], 'version'], // a transposition is two edits: within 7/3
  ])('suggests the close candidate for %j', (input, candidates, expected) => {
    expect(suggest(input, candidates)).toBe(expected);
  });

  it.each([
    ['xyz', ['force', 'tag']],
    ['fo', ['force']], // three edits away, limit is one
    ['deploy', ['destroy']], // three edits away, limit is two
    ['anything', []],
  ])('suggests nothing when %j is far from every candidate', (input, candidates) => {
    expect(suggest(input, candidates)).toBeUndefined();
  });

  it('prefers the closest candidate over an earlier, farther one', () => {
    expect(suggest('tagz', ['tags', 'tagz2', 'tagz'])).toBe('tagz');
  });

  it('breaks ties in favour of the earlier candidate', () => {
    expect(suggest('cat', ['bat', 'hat'])).toBe('bat');
  });
});

describe('suggest with transposed letters', () => {
  it.each([
    ['tga', ['tag', 'force'], 'tag'],
    ['pipelnie', ['pipeline', 'command'], 'pipeline'],
    ['qeueu', ['queue'], undefined],
  ])('suggest(%j) → %j', (input, candidates, expected) => {
    expect(suggest(input, candidates)).toBe(expected);
  });
});
