// A bounded ring of recent PTY output, addressed by byte offset since the session began, so an
// attach can resume where it left off; anything older is gone and the client gets a redraw instead.

interface Chunk {
  offset: number;
  bytes: number;
  data: string;
}

export class OutputRing {
  readonly #maxBytes: number;
  #chunks: Chunk[] = [];
  #held = 0;
  #end = 0;

  /** Keeps at least the last `maxBytes` of output (whole chunks; the newest is always kept). */
  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** The byte offset just past the newest output. */
  get end(): number {
    return this.#end;
  }

  /** The oldest offset still held. */
  get start(): number {
    return this.#chunks[0]?.offset ?? this.#end;
  }

  /** Appends `data`; returns the offset it starts at. */
  push(data: string): number {
    const offset = this.#end;
    const bytes = Buffer.byteLength(data);
    this.#chunks.push({ offset, bytes, data });
    this.#held += bytes;
    this.#end += bytes;
    while (this.#chunks.length > 1 && this.#held - this.#chunks[0]!.bytes >= this.#maxBytes) {
      this.#held -= this.#chunks.shift()!.bytes;
    }
    return offset;
  }

  /** The output from `offset` to the end, or undefined when part of it has been dropped. */
  since(offset: number): string | undefined {
    if (offset > this.#end || offset < this.start) return undefined;
    const parts: string[] = [];
    for (const c of this.#chunks) {
      if (c.offset + c.bytes <= offset) continue;
      parts.push(
        c.offset >= offset
          ? c.data
          : Buffer.from(c.data)
              .subarray(offset - c.offset)
              .toString(),
      );
    }
    return parts.join('');
  }
}
