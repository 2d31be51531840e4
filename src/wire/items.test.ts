import { describe, expect, it } from 'vitest';
import { parseQueueItems } from './items.js';

describe('parseQueueItems', () => {
  it('reads a JSON array and JSON lines alike, keeping fields as strings', () => {
    const array = parseQueueItems('[{"id": 7, "title": "Crash", "tags": ["a"]}]');
    const lines = parseQueueItems('{"id": 7, "title": "Crash", "tags": ["a"]}\n\n');
    expect(array).toEqual(lines);
    expect(array).toEqual([{ id: '7', data: { id: '7', title: 'Crash', tags: '["a"]' } }]);
  });

  it('reads priority and after when they have the right types', () => {
    expect(parseQueueItems('{"priority": 3, "after": ["x", 2]}')).toEqual([
      { data: { priority: '3', after: '["x",2]' }, priority: 3, after: ['x', '2'] },
    ]);
    expect(parseQueueItems('{"priority": "high"}')[0]?.priority).toBeUndefined();
  });

  it('treats empty input as no items', () => {
    expect(parseQueueItems('  \n')).toEqual([]);
  });

  it('names the line or item that is not a JSON object', () => {
    expect(() => parseQueueItems('{"a": 1}\n\n{"a": ')).toThrow(/^line 3: /);
    expect(() => parseQueueItems('{"a": 1}\n[1]')).toThrow('line 2 is not a JSON object');
    expect(() => parseQueueItems('[{"a": 1}, null]')).toThrow('item 2 is not a JSON object');
    expect(() => parseQueueItems('[{"a": 1},')).toThrow(/^the JSON array: /);
  });
});
