// Resolves references between primitives: `fix` (same runbook), `pipeline.fix` (kind-qualified),
// `bugfix.fix` / `bugfix.pipeline.fix` (cross-runbook) and `std.merge.main_branch` (shipped).
import type { ParsedRunbook } from './parse.js';
import type { RawPipeline } from './schema.js';
import { suggest } from './suggest.js';
import { KINDS } from './types.js';
import type { Kind, QualifiedName } from './types.js';

export type Resolution =
  | { ok: true; qualified: QualifiedName; runbook: string; name: string }
  | { ok: false; message: string; hint?: string };

/** Every declared name of every runbook in a project, for reference resolution. Pure. */
export class Registry {
  readonly #byRunbook = new Map<string, ParsedRunbook>();

  constructor(runbooks: readonly ParsedRunbook[]) {
    for (const rb of runbooks) this.#byRunbook.set(rb.name, rb);
  }

  /** Resolves `ref`, written in runbook `from`, to a primitive of `kind`. */
  resolve(ref: string, kind: Kind, from: string): Resolution {
    const segs = ref.split('.');
    if (segs.some((s) => s === ''))
      return { ok: false, message: `"${ref}" is not a valid reference` };
    if (segs.length === 1) return this.#inRunbook(from, kind, ref, ref, true);
    if (segs.length === 2 && isKind(segs[0])) {
      if (segs[0] !== kind) {
        return { ok: false, message: `"${ref}" names a ${segs[0]}, but a ${kind} is needed here` };
      }
      return this.#inRunbook(from, kind, segs[1] as string, ref, true);
    }
    // Longest runbook-name prefix wins: `std.merge.main_branch` → runbook `std.merge`.
    for (let cut = segs.length - 1; cut >= 1; cut--) {
      const runbook = segs.slice(0, cut).join('.');
      if (!this.#byRunbook.has(runbook)) continue;
      const rest = segs.slice(cut);
      if (rest.length === 2 && isKind(rest[0])) {
        if (rest[0] !== kind) {
          return {
            ok: false,
            message: `"${ref}" names a ${rest[0]}, but a ${kind} is needed here`,
          };
        }
        return this.#inRunbook(runbook, kind, rest[1] as string, ref, false);
      }
      if (rest.length === 1) return this.#inRunbook(runbook, kind, rest[0] as string, ref, false);
    }
    const runbooks = [...this.#byRunbook.keys()];
    const close = suggest(segs.slice(0, -1).join('.'), runbooks);
    return {
      ok: false,
      message: `${kind} "${ref}" is not defined: no runbook "${segs.slice(0, -1).join('.')}"`,
      ...(close ? { hint: `did you mean "${close}.${segs.at(-1)}"?` } : {}),
    };
  }

  /** The shape-checked raw pipeline behind a qualified name, when it passed its shape check. */
  pipeline(qualified: QualifiedName): RawPipeline | undefined {
    const dot = qualified.lastIndexOf('.');
    return this.#byRunbook.get(qualified.slice(0, dot))?.entries.pipeline[qualified.slice(dot + 1)];
  }

  /** Names of `kind` declared in `runbook`. */
  names(runbook: string, kind: Kind): readonly string[] {
    return this.#byRunbook.get(runbook)?.declared[kind] ?? [];
  }

  #inRunbook(runbook: string, kind: Kind, name: string, ref: string, local: boolean): Resolution {
    const names = this.names(runbook, kind);
    if (names.includes(name)) return { ok: true, qualified: `${runbook}.${name}`, runbook, name };
    const elsewhere = local
      ? [...this.#byRunbook.values()].find(
          (rb) => rb.name !== runbook && rb.declared[kind].includes(name),
        )
      : undefined;
    const close = suggest(name, names);
    const where = local ? '' : ` in runbook "${runbook}"`;
    const hint = elsewhere
      ? `it is defined in runbook "${elsewhere.name}": write "${elsewhere.name}.${name}"`
      : close
        ? `did you mean "${close}"?`
        : names.length
          ? `defined ${kind}s: ${names.join(', ')}`
          : `no ${kind} is defined${where}; add [${kind}.${name}]`;
    return { ok: false, message: `${kind} "${ref}" is not defined${where}`, hint };
  }
}

function isKind(s: string | undefined): s is Kind {
  return (KINDS as readonly string[]).includes(s ?? '');
}
