// Keyboard input for the fake TUI: every raw chunk is traced, split into keys and routed by state —
// the prompt buffer (idle or typed ahead while working), the open dialog, or an Esc interrupt. An
// Enter that shares a chunk with text is a pasted newline, not a submit (`enter_in_paste`), which is
// the real TUI behaviour oj's nudge must work around by sending `\r` on its own.
import { wallNow } from './clock.js';
import { hasText, toKeys } from './keys.js';
import type { Key } from './keys.js';
import type { MessageSource, Trace } from './trace.js';

export type InputMode = 'starting' | 'idle' | 'working' | 'dialog';

export interface Submitted {
  text: string;
  source: MessageSource;
}

/** Receives every key while a dialog is open; `inTextChunk` = the chunk also carried text. */
export type DialogHandler = (key: Key, inTextChunk: boolean) => void;

export interface InputDeps {
  trace: Trace;
  enterInPaste: boolean;
  pasteWindowMs: number;
  /** The prompt buffer changed (redraw the idle box); `hint` replaces the footer. */
  onBufferChange: (buffer: string, hint?: string) => void;
  /** Esc or Ctrl-C while working. */
  onInterrupt: () => void;
  /** Ctrl-C twice at an empty prompt. */
  onQuit: () => void;
  /** stdin closed while a dialog was open: nobody can answer it any more. */
  onEndInDialog: () => void;
}

export class Input {
  mode: InputMode = 'starting';
  buffer = '';
  private queue: string[] = [];
  private waiter: ((message: Submitted | undefined) => void) | undefined;
  private dialog: DialogHandler | undefined;
  private ended = false;
  private lastTextAt = Number.NEGATIVE_INFINITY;
  private ctrlCArmed = false;

  constructor(private readonly deps: InputDeps) {}

  /** One raw chunk from stdin, as it arrived. */
  feed(chunk: Buffer): void {
    const data = chunk.toString('utf8');
    this.deps.trace.write({ type: 'input', data, base64: chunk.toString('base64') });
    const keys = toKeys(data);
    const withText = hasText(keys);
    for (const key of keys) {
      if (this.mode === 'dialog' && this.dialog) this.dialog(key, withText);
      else this.onPromptKey(key, withText);
    }
  }

  /** stdin closed: an idle wait ends (the agent exits 0); a working turn still finishes. */
  end(): void {
    this.ended = true;
    if (this.waiter) this.resolveWaiter(undefined);
    else if (this.mode === 'dialog') this.deps.onEndInDialog();
  }

  /** The next message: one typed ahead, else wait at the idle prompt; undefined once stdin ended. */
  nextMessage(): Promise<Submitted | undefined> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve({ text: queued, source: 'queued' });
    if (this.ended) return Promise.resolve(undefined);
    this.mode = 'idle';
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  openDialog(handler: DialogHandler): void {
    this.dialog = handler;
    this.mode = 'dialog';
    if (this.ended) this.deps.onEndInDialog();
  }

  closeDialog(): void {
    this.dialog = undefined;
    this.mode = 'working';
  }

  private onPromptKey(key: Key, inTextChunk: boolean): void {
    if (key.kind !== 'ctrl-c') this.ctrlCArmed = false;
    switch (key.kind) {
      case 'text':
        this.lastTextAt = wallNow();
        return this.edit(this.buffer + key.text);
      case 'paste':
        return this.edit(this.buffer + key.text);
      case 'newline':
        return this.edit(`${this.buffer}\n`);
      case 'backspace':
        return this.edit([...this.buffer].slice(0, -1).join(''));
      case 'enter': {
        const pasted =
          (this.deps.enterInPaste && inTextChunk) ||
          wallNow() - this.lastTextAt < this.deps.pasteWindowMs;
        return pasted ? this.edit(`${this.buffer}\n`) : this.submit();
      }
      case 'escape':
        if (this.mode === 'working') this.deps.onInterrupt();
        return;
      case 'ctrl-c':
        if (this.mode === 'working') return this.deps.onInterrupt();
        if (this.buffer) return this.edit('');
        if (this.ctrlCArmed) return this.deps.onQuit();
        this.ctrlCArmed = true;
        return this.deps.onBufferChange(this.buffer, 'Press Ctrl-C again to exit');
      default:
        return;
    }
  }

  private edit(buffer: string): void {
    this.buffer = buffer;
    if (this.mode === 'idle') this.deps.onBufferChange(buffer);
  }

  private submit(): void {
    const text = this.buffer.replace(/\s+$/, '');
    this.buffer = '';
    if (!text.trim()) return;
    if (this.waiter) this.resolveWaiter({ text, source: 'input' });
    else this.queue.push(text); // typed ahead while working: runs when the turn ends
  }

  private resolveWaiter(message: Submitted | undefined): void {
    const resolve = this.waiter;
    this.waiter = undefined;
    // Switch before anything else reads a chunk: the next key belongs to the new turn.
    if (message) this.mode = 'working';
    resolve?.(message);
  }
}
