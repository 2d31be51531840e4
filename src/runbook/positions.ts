// Maps a path inside a runbook (['pipeline','fix','phase',1,'post',0]) to its line and column in the
// TOML text. smol-toml (the fast parser) keeps no positions, so this index is built from
// toml-eslint-parser's AST, and only when a runbook has something to report.
import { parseTOML } from 'toml-eslint-parser';
import type { AST } from 'toml-eslint-parser';

export interface Position {
  line: number;
  col: number;
}

interface Entry {
  /** Where the key (or table header) is written. */
  key: Position;
  /** Where the value starts (same as key for tables). */
  value: Position;
}

export type PathSegment = string | number;

/** Locates runbook paths in one file's text. Pure; tolerant of text it cannot parse. */
export class PositionIndex {
  readonly #entries = new Map<string, Entry>();

  constructor(text: string) {
    let ast: AST.TOMLProgram;
    try {
      ast = parseTOML(text);
    } catch {
      return; // syntax errors are reported by the main parser with their own position
    }
    try {
      for (const top of ast.body) this.#walkTable(top.body, []);
    } catch {
      // Absurdly deep nesting overflows the walk; what was indexed so far still helps.
    }
  }

  /**
   * The position of `path`'s key (`at: 'key'`) or value (`at: 'value'`). Falls back to the nearest
   * ancestor that is written in the file (e.g. the table header for a missing key), else 1:1.
   */
  locate(path: readonly PathSegment[], at: 'key' | 'value' = 'key'): Position {
    for (let n = path.length; n >= 0; n--) {
      const entry = this.#entries.get(toKey(path.slice(0, n)));
      if (entry) return n === path.length ? entry[at] : entry.key;
    }
    return { line: 1, col: 1 };
  }

  #walkTable(
    body: readonly (AST.TOMLKeyValue | AST.TOMLTable)[],
    base: readonly PathSegment[],
  ): void {
    for (const node of body) {
      if (node.type === 'TOMLTable') {
        const at = toPosition(node.loc.start);
        // `[pipline.fix]` also introduces `pipline`: a problem with the prefix points at the header.
        for (let i = 1; i < node.resolvedKey.length; i++) {
          const prefix = node.resolvedKey.slice(0, i);
          if (!this.#entries.has(toKey(prefix))) this.#set(prefix, { key: at, value: at });
        }
        this.#set(node.resolvedKey, { key: at, value: at });
        this.#walkTable(node.body, node.resolvedKey);
      } else {
        this.#walkKeyValue(node, base);
      }
    }
  }

  #walkKeyValue(node: AST.TOMLKeyValue, base: readonly PathSegment[]): void {
    const names = node.key.keys.map((k) => (k.type === 'TOMLBare' ? k.name : k.value));
    const keyAt = toPosition(node.key.loc.start);
    // Dotted keys (`a.b = 1`) also define their intermediate tables at the key's position.
    for (let i = 1; i < names.length; i++) {
      const partial = [...base, ...names.slice(0, i)];
      if (!this.#entries.has(toKey(partial))) this.#set(partial, { key: keyAt, value: keyAt });
    }
    const path = [...base, ...names];
    this.#set(path, { key: keyAt, value: toPosition(node.value.loc.start) });
    this.#walkValue(node.value, path);
  }

  #walkValue(value: AST.TOMLContentNode, path: readonly PathSegment[]): void {
    if (value.type === 'TOMLInlineTable') {
      for (const kv of value.body) this.#walkKeyValue(kv, path);
    } else if (value.type === 'TOMLArray') {
      value.elements.forEach((element, i) => {
        const at = toPosition(element.loc.start);
        this.#set([...path, i], { key: at, value: at });
        this.#walkValue(element, [...path, i]);
      });
    }
  }

  #set(path: readonly PathSegment[], entry: Entry): void {
    this.#entries.set(toKey(path), entry);
  }
}

function toKey(path: readonly PathSegment[]): string {
  return JSON.stringify(path);
}

function toPosition(loc: { line: number; column: number }): Position {
  return { line: loc.line, col: loc.column + 1 };
}

const ESCAPE_LENGTHS: Record<string, number> = { u: 6, U: 10 };

/**
 * Where character `offset` of a TOML string value is written, given the text and the position of
 * the value's opening quote. Follows TOML's rules: escapes (`\n`, `\uXXXX`…), the trimmed first
 * newline of multi-line strings, and line-ending backslashes. Pure.
 */
export function locateInString(text: string, start: Position, offset: number): Position {
  const lines = text.split('\n');
  let line = start.line;
  let col = start.col;
  const at = () => lines[line - 1]?.[col - 1];
  const advance = () => {
    if (at() === undefined) {
      line += 1;
      col = 1;
    } else col += 1;
  };
  const quote = at();
  if (quote !== '"' && quote !== "'") return start;
  const multi = lines[line - 1]?.slice(col - 1, col + 2) === quote.repeat(3);
  const literal = quote === "'";
  for (let i = 0; i < (multi ? 3 : 1); i++) advance();
  if (multi && at() === undefined) advance(); // the newline right after """ is not content
  if (multi && at() === '\r' && lines[line - 1]?.length === col) advance();
  for (let decoded = 0; decoded < offset; decoded++) {
    if (line > lines.length) return start;
    const ch = at();
    if (!literal && ch === '\\') {
      const next = lines[line - 1]?.[col];
      if (next === undefined || /\s/.test(next)) {
        // Line-ending backslash: skips the newline and the whitespace that follows.
        advance();
        while (line <= lines.length && (at() === undefined || /\s/.test(at() ?? ''))) advance();
        decoded--;
        continue;
      }
      col += ESCAPE_LENGTHS[next] ?? 2;
      continue;
    }
    advance();
  }
  return { line, col };
}
