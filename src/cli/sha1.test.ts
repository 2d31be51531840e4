// The CLI's SHA-1 against node:crypto's, on the RFC 6455 example and on random inputs of every
// length around the padding boundaries.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha1 } from './sha1.js';

const reference = (bytes: Uint8Array) => createHash('sha1').update(bytes).digest('hex');

describe('sha1', () => {
  it('gives the Sec-WebSocket-Accept of the RFC 6455 example', () => {
    const key = 'dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
    expect(sha1(Buffer.from(key, 'latin1')).toString('base64')).toBe(
      's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
    );
  });

  it('matches node:crypto for every length from 0 to 200 bytes', () => {
    for (let n = 0; n <= 200; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
      expect(sha1(bytes).toString('hex')).toBe(reference(bytes));
    }
  });

  it('matches node:crypto on random inputs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        expect(sha1(bytes).toString('hex')).toBe(reference(bytes));
      }),
      { numRuns: 200 },
    );
  });
});
