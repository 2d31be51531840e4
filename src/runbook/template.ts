// Prompt templates: Jinja-style (Liquid, via liquidjs) when the text uses `{{ }}` or `{% %}`, plain
// `{var}` interpolation otherwise. Checking, compiling to a TemplateDef, and rendering. Pure.
import { Liquid, LiquidError } from 'liquidjs';
import { OjError } from '../errors/index.js';
import { findPlaceholders, interpolateText } from './interpolate.js';
import type { TemplateDef } from './types.js';

export type TemplateCheck =
  { ok: true; vars: string[] } | { ok: false; message: string; line: number; col: number };

/** A template that failed to render: a missing variable, or a Liquid runtime error. */
export class TemplateError extends OjError {
  declare readonly code: 'TEMPLATE_RENDER';
  /** 1-based position inside the template, when known. */
  readonly line?: number;
  readonly col?: number;

  constructor(message: string, where: { line?: number; col?: number; cause?: unknown } = {}) {
    super('TEMPLATE_RENDER', message, { cause: where.cause });
    if (where.line !== undefined) this.line = where.line;
    if (where.col !== undefined) this.col = where.col;
  }
}

// Tags that would read other templates from disk. They are replaced by tags that fail at parse
// time, so the problem shows at `oj runbook check` with a position, not in the middle of a run.
const FILE_TAGS = ['include', 'render', 'layout'] as const;

// One engine for the process: its configuration is fixed and it keeps no per-render state (parse
// results are not cached), so sharing it cannot leak anything between templates.
let engine: Liquid | undefined;

function liquid(): Liquid {
  if (engine) return engine;
  const created = new Liquid({
    strictFilters: true,
    strictVariables: true,
    // `{% if notes %}` and `{{ notes | default: "none" }}` are how a template handles an absent
    // value on purpose, so only those may read a missing variable.
    lenientIf: true,
    ownPropertyOnly: true,
    // An empty in-memory file map: even if a lookup happened, it would never reach the disk.
    templates: {},
    relativeReference: false,
    // Without a locale, liquidjs asks Intl for the system's, which costs ~15 ms at start-up.
    locale: 'en-US',
  });
  for (const tag of FILE_TAGS) {
    created.registerTag(tag, {
      parse() {
        throw new Error(
          `"{% ${tag} %}" is not supported: prompt templates cannot read other files; ` +
            'put the text in the template itself',
        );
      },
      render() {
        return '';
      },
    });
  }
  engine = created;
  return created;
}

/** True when the text is a Liquid template (`{{` or `{%`); otherwise it uses `{var}` placeholders. */
export function isLiquidTemplate(text: string): boolean {
  return text.includes('{{') || text.includes('{%');
}

/**
 * Parses a template without rendering it. On success, `vars` are the root variables it reads from
 * outside (loop variables and `assign`s excluded). On failure, line/col are 1-based inside the
 * template. A `{var}` text always succeeds, with the roots of its placeholders.
 */
export function checkTemplate(source: string): TemplateCheck {
  if (!isLiquidTemplate(source)) return { ok: true, vars: placeholderRoots(source) };
  try {
    const parsed = liquid().parse(source);
    return { ok: true, vars: liquid().globalVariablesSync(parsed) };
  } catch (error) {
    const { message, line, col } = describeLiquidError(error);
    return { ok: false, message, line: line ?? 1, col: col ?? 1 };
  }
}

/** Builds a TemplateDef for either engine; never throws (a broken Liquid template gets vars []). */
export function compileTemplate(source: string): TemplateDef {
  if (!isLiquidTemplate(source)) {
    return { engine: 'interpolate', source, vars: placeholderRoots(source) };
  }
  const checked = checkTemplate(source);
  return { engine: 'liquid', source, vars: checked.ok ? checked.vars : [] };
}

/**
 * Renders a template with `vars`. Values appear verbatim: no HTML and no shell escaping (a prompt is
 * text for an agent, never a command). Throws TemplateError naming a missing variable.
 */
export function renderTemplate(def: TemplateDef, vars: Record<string, unknown>): string {
  if (def.engine === 'interpolate') {
    try {
      return interpolateText(def.source, vars);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new TemplateError(`template: ${message}`, { cause: error });
    }
  }
  try {
    // A copy, because `{% increment %}` and `{% decrement %}` write into the scope object.
    return liquid().parseAndRenderSync(def.source, { ...vars });
  } catch (error) {
    const { message, line, col } = describeLiquidError(error);
    const names = Object.keys(vars).sort();
    const available = names.length > 0 ? `; available: ${names.join(', ')}` : '';
    const suffix = /^undefined variable/.test(message) ? available : '';
    throw new TemplateError(`template ${at(line, col)}: ${message}${suffix}`, {
      line,
      col,
      cause: error,
    });
  }
}

function placeholderRoots(source: string): string[] {
  return [...new Set(findPlaceholders(source).map((p) => p.root))];
}

function at(line: number | undefined, col: number | undefined): string {
  if (line === undefined) return 'failed';
  return col === undefined ? `failed at line ${line}` : `failed at line ${line}, col ${col}`;
}

/** liquidjs appends ", line:L, col:C" to its messages; this takes the position out as numbers. */
function describeLiquidError(error: unknown): { message: string; line?: number; col?: number } {
  if (!(error instanceof LiquidError)) {
    return { message: error instanceof Error ? error.message : String(error) };
  }
  const [line, col] = error.token.getPosition();
  const base = (error.originalError?.message ?? error.message).replace(/, line:\d+, col:\d+$/, '');
  const variable = /^undefined variable: (.+)$/.exec(base);
  const message = variable ? `undefined variable "${variable[1]}"` : base;
  return { message, line, col };
}
