// The agent's screen as a terminal would show it: PTY output parsed by @xterm/headless (unicode 11
// widths), read back as text lines for classification and peek, or serialized to ANSI for redraws.
import xtermHeadless from '@xterm/headless';
import { SerializeAddon } from '@xterm/addon-serialize';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import type { Terminal as TerminalType } from '@xterm/headless';

// @xterm/headless is CommonJS whose export Node cannot detect statically: only the default import
// works (the addons ship ESM builds, and Node detects their CommonJS names).
const { Terminal } = xtermHeadless;

const SCROLLBACK_LINES = 1_000; // bounded: a flood must not grow memory (agents.md §5.20)
// A redraw starts from a clean slate: reset attributes, home, clear screen and scrollback.
const REDRAW_PREFIX = '\x1b[0m\x1b[H\x1b[2J\x1b[3J';

export interface ScreenText {
  cols: number;
  rows: number;
  /** The visible rows, right-trimmed. */
  lines: string[];
  altScreen: boolean;
  cursor: { x: number; y: number };
}

export class ScreenModel {
  readonly #term: TerminalType;
  readonly #serializer: SerializeAddon;

  constructor(cols: number, rows: number) {
    this.#term = new Terminal({
      cols,
      rows,
      scrollback: SCROLLBACK_LINES,
      allowProposedApi: true, // the unicode addon uses the proposed `unicode` API
    });
    this.#serializer = new SerializeAddon();
    this.#term.loadAddon(this.#serializer);
    this.#term.loadAddon(new Unicode11Addon());
    this.#term.unicode.activeVersion = '11';
  }

  get cols(): number {
    return this.#term.cols;
  }

  get rows(): number {
    return this.#term.rows;
  }

  /** Feeds output; resolves once the terminal has parsed it. */
  write(data: string): Promise<void> {
    return new Promise((resolve) => this.#term.write(data, resolve));
  }

  resize(cols: number, rows: number): void {
    if (cols !== this.#term.cols || rows !== this.#term.rows) this.#term.resize(cols, rows);
  }

  /** The visible screen as text. */
  text(): ScreenText {
    const buf = this.#term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < this.#term.rows; y++)
      lines.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
    return {
      cols: this.#term.cols,
      rows: this.#term.rows,
      lines,
      altScreen: buf.type === 'alternate',
      cursor: { x: buf.cursorX, y: buf.cursorY },
    };
  }

  /** The visible screen as ANSI (colours, cursor, alternate screen). */
  ansi(): string {
    return this.#serializer.serialize({ scrollback: 0 });
  }

  /** ANSI that repaints a fresh terminal to look like this one (attach, slow-client catch-up). */
  redraw(): string {
    return REDRAW_PREFIX + this.ansi();
  }

  dispose(): void {
    this.#term.dispose();
  }
}
