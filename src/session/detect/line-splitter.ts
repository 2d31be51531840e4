// Splits a byte stream into lines, holding a torn last line until its newline arrives. Works on
// bytes, so a multi-byte character split across reads is decoded whole.

export interface LineSplitter {
  /** Appends a chunk; returns the lines it completed (without `\n` or `\r\n`). */
  push(chunk: Uint8Array | string): string[];
  /** Bytes held for a line whose newline has not arrived yet. */
  pending(): number;
  /** Drops the held partial line (the file was truncated or replaced). */
  reset(): void;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Pure. A fresh splitter holding nothing. */
export function createLineSplitter(): LineSplitter {
  let held: Buffer = Buffer.alloc(0);
  return {
    push(chunk) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
      const buf = held.length === 0 ? bytes : Buffer.concat([held, bytes]);
      const lines: string[] = [];
      let start = 0;
      for (let nl = buf.indexOf(NEWLINE, start); nl >= 0; nl = buf.indexOf(NEWLINE, start)) {
        const end = nl > start && buf[nl - 1] === CARRIAGE_RETURN ? nl - 1 : nl;
        lines.push(buf.toString('utf8', start, end));
        start = nl + 1;
      }
      // Copy the remainder so a large chunk is not kept alive by a small tail.
      held = Buffer.from(buf.subarray(start));
      return lines;
    },
    pending: () => held.length,
    reset() {
      held = Buffer.alloc(0);
    },
  };
}
