// Draws the fake TUI: a scrolling transcript above a bottom panel (idle box, status or dialog) that
// is erased and redrawn in place, so an answered dialog leaves no phrases behind for a classifier.
// Print mode uses NullScreen: stdout there carries the result, not a UI.

export interface Screen {
  readonly width: number;
  /** Permanent lines above the panel (user echo, `⏺` replies, tool output). */
  transcript(lines: readonly string[]): void;
  /** Replaces the bottom panel. */
  panel(lines: readonly string[]): void;
  /** Raw bytes above the panel (flood, partial output before a crash). */
  raw(data: string): void;
  /** Leaves the cursor below everything (before exit). */
  close(): void;
}

export class NullScreen implements Screen {
  readonly width = 100;
  transcript(): void {}
  panel(): void {}
  raw(): void {}
  close(): void {}
}

export class TtyScreen implements Screen {
  private panelLines: string[] = [];

  constructor(
    private readonly write: (data: string) => void,
    private readonly columns: () => number,
  ) {}

  get width(): number {
    return Math.max(20, this.columns());
  }

  transcript(lines: readonly string[]): void {
    if (lines.length === 0) return;
    this.write(`${this.erase()}${lines.join('\r\n')}\r\n${this.render()}`);
  }

  panel(lines: readonly string[]): void {
    const erase = this.erase();
    this.panelLines = lines.map((line) => this.fit(line));
    this.write(`${erase}${this.render()}`);
  }

  raw(data: string): void {
    const tail = data.endsWith('\n') ? '' : '\r\n';
    this.write(`${this.erase()}${data}${tail}${this.render()}`);
  }

  close(): void {
    this.write(`${this.erase()}\x1b[?25h`);
    this.panelLines = [];
  }

  /** Moves to the panel's first line and clears to the end of the screen. */
  private erase(): string {
    const height = this.panelLines.length;
    if (height === 0) return '';
    return `\r${height > 1 ? `\x1b[${height - 1}A` : ''}\x1b[J`;
  }

  private render(): string {
    return this.panelLines.join('\r\n');
  }

  /** Panel lines never wrap, or the erase above would miss the wrapped rows. */
  private fit(line: string): string {
    const max = this.width - 1;
    const chars = [...line];
    return chars.length <= max ? line : `${chars.slice(0, max - 1).join('')}…`;
  }
}
