// Splits one raw stdin chunk into keys the way a raw-mode TUI sees them: text runs, Enter, Esc,
// arrows, Ctrl-C, bracketed pastes. Pure; input.ts decides what each key means in each state.

export type Key =
  | { kind: 'text'; text: string }
  | { kind: 'paste'; text: string }
  | { kind: 'enter' }
  | { kind: 'newline' }
  | { kind: 'backspace' }
  | { kind: 'escape' }
  | { kind: 'ctrl-c' }
  | { kind: 'tab' }
  | { kind: 'up' }
  | { kind: 'down' }
  | { kind: 'other'; sequence: string };

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

/** Tokenizes a chunk. A lone ESC (nothing after it in the chunk) is the Esc key. */
export function toKeys(chunk: string): Key[] {
  const keys: Key[] = [];
  let text = '';
  const flush = (): void => {
    if (text) keys.push({ kind: 'text', text });
    text = '';
  };
  const push = (key: Key): void => {
    flush();
    keys.push(key);
  };
  let i = 0;
  while (i < chunk.length) {
    const ch = chunk.charAt(i);
    if (chunk.startsWith(PASTE_START, i)) {
      const end = chunk.indexOf(PASTE_END, i + PASTE_START.length);
      const stop = end < 0 ? chunk.length : end;
      const pasted = chunk.slice(i + PASTE_START.length, stop).replace(/\r\n?/g, '\n');
      push({ kind: 'paste', text: pasted });
      i = end < 0 ? chunk.length : end + PASTE_END.length;
      continue;
    }
    if (ch === '\x1b') {
      const length = escapeLength(chunk, i);
      const sequence = chunk.slice(i, i + length);
      if (length === 1) push({ kind: 'escape' });
      else if (sequence === '\x1b[A' || sequence === '\x1bOA') push({ kind: 'up' });
      else if (sequence === '\x1b[B' || sequence === '\x1bOB') push({ kind: 'down' });
      else push({ kind: 'other', sequence });
      i += length;
      continue;
    }
    if (ch === '\r') {
      push({ kind: 'enter' });
      i += chunk.charAt(i + 1) === '\n' ? 2 : 1;
      continue;
    }
    if (ch === '\n') push({ kind: 'newline' });
    else if (ch === '\x7f' || ch === '\b') push({ kind: 'backspace' });
    else if (ch === '\x03') push({ kind: 'ctrl-c' });
    else if (ch === '\t') push({ kind: 'tab' });
    else if (ch >= ' ') text += ch;
    else push({ kind: 'other', sequence: ch });
    i++;
  }
  flush();
  return keys;
}

/** How many characters the escape sequence at `i` spans (1 = a bare Esc). */
function escapeLength(chunk: string, i: number): number {
  const next = chunk.charAt(i + 1);
  if (next === '[') {
    // CSI: parameters, then one final byte in @..~
    let j = i + 2;
    while (j < chunk.length && !/[@-~]/.test(chunk.charAt(j))) j++;
    return Math.min(j + 1, chunk.length) - i;
  }
  if (next === 'O' && i + 2 < chunk.length) return 3; // SS3 (application-mode arrows)
  if (next === '' || next === '\x1b') return 1;
  return 2; // Alt+key
}

/** Does the chunk carry typed or pasted text (so an Enter in it reads as part of a paste)? */
export function hasText(keys: readonly Key[]): boolean {
  return keys.some((key) => key.kind === 'text' || key.kind === 'paste');
}
