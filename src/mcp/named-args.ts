// Turns `run_command`'s named arguments ({ env: "prod", tag: "v1", force: true }) into the argv words
// `oj run` would get, so both forms bind through the one `bindArgs` of the runbook. Pure.
import { suggest } from '../runbook/index.js';
import type { ArgSpec } from '../runbook/index.js';

export type NamedValue = string | number | boolean | string[];
export type NamedArgs = Record<string, NamedValue>;

export type ArgvResult = { ok: true; argv: string[] } | { ok: false; message: string };

/**
 * Flags become `--name=value` (or `--name` for a true boolean) ahead of a `--`, positionals follow in
 * the spec's order, so a value that starts with "-" stays a value. Keys may use "_" for "-".
 * Pure; problems come back as a message naming the key and what to give instead.
 */
export function toArgv(spec: ArgSpec, named: NamedArgs, command: string): ArgvResult {
  const names = [...spec.positionals.map((p) => p.name), ...spec.flags.map((f) => f.name)];
  const given = new Map<string, NamedValue>();
  for (const [key, value] of Object.entries(named)) {
    const name = names.find((n) => n === key || n === key.replace(/_/g, '-'));
    if (name === undefined) {
      const close = suggest(key, names);
      const known = names.length ? names.map((n) => `"${n}"`).join(', ') : 'none';
      return fail(
        `command "${command}" has no argument "${key}"${close ? `; did you mean "${close}"?` : ''} (its arguments: ${known})`,
      );
    }
    given.set(name, value);
  }

  const flags: string[] = [];
  for (const flag of spec.flags) {
    const value = given.get(flag.name);
    if (value === undefined) continue;
    if (!flag.takesValue) {
      const on = toBoolean(value);
      if (on === undefined)
        return fail(`flag "${flag.name}" of "${command}" is on or off: give true or false`);
      if (on) flags.push(`--${flag.name}`);
    } else {
      if (Array.isArray(value) || typeof value === 'boolean')
        return fail(`flag "${flag.name}" of "${command}" takes one value: give a string`);
      flags.push(`--${flag.name}=${String(value)}`);
    }
  }

  const words: string[] = [];
  let skipped: string | undefined; // an optional positional left out, with no default
  for (const p of spec.positionals) {
    const value = given.get(p.name);
    if (value === undefined) {
      if (p.default !== undefined) words.push(p.default);
      else skipped ??= p.name;
      continue;
    }
    if (skipped !== undefined)
      return fail(`"${p.name}" of "${command}" comes after "${skipped}": give "${skipped}" too`);
    if (Array.isArray(value)) {
      if (!p.variadic)
        return fail(`"${p.name}" of "${command}" takes one value, not a list: give a string`);
      words.push(...value);
    } else if (typeof value === 'boolean') {
      return fail(`"${p.name}" of "${command}" is a value, not true/false: give a string`);
    } else words.push(String(value));
  }
  // A default written out binds exactly as bindArgs would apply it, and holds a later value's place.
  return { ok: true, argv: words.length ? [...flags, '--', ...words] : flags };
}

function toBoolean(value: NamedValue): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

function fail(message: string): ArgvResult {
  return { ok: false, message };
}
