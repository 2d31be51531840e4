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
    for (const top of ast.body) this.#walkTable(top.body, []);
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
